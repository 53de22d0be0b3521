import { afterEach, describe, expect, it, vi } from 'vitest';
import { Progress } from '../src/progress.js';

describe('progress bar', () => {
  afterEach(() => vi.restoreAllMocks());

  it('draws on stderr when enabled (a TTY) and erases itself when done', () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (writes.push(String(s)), true));
    const p = new Progress(10, true, 0);
    p.tick(4, 123.456);
    p.done();
    expect(writes[0]).toMatch(/^\r\[#{15}\.{15}\] 5\/10 .* loss 123\.5/);
    expect(writes[1]).toBe('\r\x1b[K');
  });

  it('stays silent when disabled (piped) and for runs shorter than its delay', () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const off = new Progress(10, false, 0);
    off.tick(5);
    off.done();
    const short = new Progress(10, true, 60_000);
    short.tick(5);
    short.done();
    expect(spy).not.toHaveBeenCalled();
  });
});
