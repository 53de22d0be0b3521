import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

// packages/data/README.md is documentation people copy: every ```ts block runs here as written
// ('@nn/*' resolve to the workspace sources), and each `// →` comment must be what the
// console.log calls printed (arrays and objects as JSON, strings as they are).
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const DOC = join(ROOT, 'packages/data/README.md');
const TMP = join(ROOT, 'packages/data/test/.readme-tmp');

const blocks = [...readFileSync(DOC, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const expectedOutput = (block: string): string[] => [...block.matchAll(/^\/\/ → (.*)$/gm)].map((m) => m[1]!);
const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

describe('packages/data/README.md', () => {
  it('has code blocks, each of which states what it prints', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const b of blocks) expect(expectedOutput(b).length, b.slice(0, 80)).toBeGreaterThan(0);
  });

  blocks.forEach((block, k) => {
    it(`block ${k + 1} runs and prints what its comments say`, async () => {
      mkdirSync(TMP, { recursive: true });
      const file = join(TMP, `block-${k}-${Date.now()}.ts`);
      writeFileSync(file, block);
      const printed: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        printed.push(args.map(show).join(' '));
      });
      try {
        await import(/* @vite-ignore */ file);
      } finally {
        log.mockRestore();
        rmSync(file, { force: true });
      }
      expect(printed).toEqual(expectedOutput(block));
    });
  });
});
