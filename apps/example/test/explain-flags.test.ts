import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendInfo } from '@nn/core';
import { parseArgs, toOptions, UsageError } from '../src/args.js';
import { setupDevice } from '../src/device.js';
import { runNet } from '../src/run.js';

// In-process (the CLI tests in cli.test.ts own the one build of dist/): the flags
// reach runNet, which explains the starting weights, writes the graphs and
// records the loss at every step for --plot.
describe('--explain, --graph and --plot reach the run', () => {
  // One registration for the file: registering a second cpu backend would strand
  // core's cached constants (the 0 of maskedFill) on the first one.
  let info: BackendInfo;
  beforeAll(async () => {
    info = await setupDevice({ device: 'cpu', gpuMode: 'auto', allowFallback: false });
  });

  it('explains w1, w2, w3 of the three-layer net, writes both graphs and keeps every step\'s loss', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nn-flags-'));
    const opts = toOptions(parseArgs(['--net', '3', '--steps', '4', '--explain', '--graph', join(dir, 'g.mmd'), '--plot', join(dir, 'p.svg')]));
    expect(opts).toMatchObject({ explain: true, graph: join(dir, 'g.mmd'), plot: join(dir, 'p.svg') });
    const lines: string[] = [];
    const r = await runNet(3, opts, info, { line: (l) => lines.push(l) });
    expect(r.explain!.map((e) => [e.name, e.ok])).toEqual([['w1', true], ['w2', true], ['w3', true]]);
    expect(r.explain![1]!.closedForm).toBe('grad_w2 = h1_reluᵀ · ((grad_y_pred · w3ᵀ) ⊙ [h2 ≥ 0])');
    expect(r.curve!.map(([t]) => t)).toEqual([0, 1, 2, 3]);
    expect(r.curve![3]![1]).toBeLessThan(r.curve![0]![1]);
    expect(lines.join('\n')).toMatch(/# explain \(three-layer net\): w1 \|formula − autograd\| \S+, w2 .*, w3 /);
    expect(readFileSync(join(dir, 'g-forward.mmd'), 'utf8')).toContain('h2_relu');
    expect(readFileSync(join(dir, 'g-backward.mmd'), 'utf8')).toContain('dh2/dw2 = h1_reluᵀ ·');
    expect(readFileSync(join(dir, 'g-backward.mmd'), 'utf8')).toContain('h1_relu ⇢ grad_w2');
  }, 60_000);

  it('without the flags the result carries neither explain nor curve', async () => {
    const opts = toOptions(parseArgs(['--net', '2', '--steps', '2']));
    const r = await runNet(2, opts, info, null);
    expect(r.explain).toBeUndefined();
    expect(r.curve).toBeUndefined();
  }, 60_000);

  it('a wrong file type is a usage error that names the accepted ones', () => {
    expect(() => toOptions(parseArgs(['--graph', 'g.png']))).toThrow(UsageError);
    expect(() => toOptions(parseArgs(['--graph', 'g.png']))).toThrow(/\*\.svg, \*\.dot \(Graphviz\) or \*\.mmd \(Mermaid\)/);
    expect(() => toOptions(parseArgs(['--plot', 'loss.pdf']))).toThrow(/--plot loss\.pdf: .*\*\.svg/);
  });
});
