import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildExample, ROOT } from './cli.js';

// The README's seed program is documentation people copy: run it as written.
beforeAll(() => buildExample(), 240_000);

function readmeBlock(marker: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(`<!-- ${marker} -->`);
  if (at < 0) throw new Error(`README.md has no <!-- ${marker} --> block`);
  const m = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!m) throw new Error(`no ts code block after <!-- ${marker} -->`);
  return m[1]!;
}

describe('README', () => {
  it('the seed program runs as written and prints the losses the README quotes', () => {
    // The block is plain JavaScript apart from its fence; placed in the repo so that
    // '@nn/core' resolves to the workspace packages' builds.
    const file = join(ROOT, 'apps/example/test/.readme-seed.tmp.mjs');
    writeFileSync(file, readmeBlock('readme:seed-program'));
    let out: string;
    try {
      out = execFileSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    } finally {
      rmSync(file, { force: true });
    }
    const lines = out.trim().split('\n').map((l) => l.split(' ').map(Number));
    expect(lines.map((l) => l[0])).toEqual([99, 199, 299, 399, 499]);
    expect(lines[0]![1]).toBeCloseTo(352.515, 2);
    expect(lines[1]![1]).toBeCloseTo(0.9168, 3);
    expect(lines[4]![1]).toBeGreaterThan(1e-5);
    expect(lines[4]![1]).toBeLessThan(3e-5);
  }, 180_000);
});
