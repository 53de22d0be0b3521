import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

// Documentation people copy is tested as written: every ```ts block of a markdown file runs
// (the '@nn/*' imports resolve to the workspace sources through vitest's aliases), and each
// `// →` comment must be what the console.log calls before it printed (arrays and objects as
// JSON, strings as they are). One helper, so every documented page is held to the same rule.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The ```ts blocks of a markdown text, in order. */
function blocks(text: string): string[] {
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** The lines a block says it prints: its `// → …` comments, in order. */
function expectedOutput(block: string): string[] {
  return [...block.matchAll(/^\/\/ → (.*)$/gm)].map((m) => m[1]!);
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * Registers a vitest suite for `doc` (a markdown path from the repo root): it has at least
 * `minBlocks` ```ts blocks, each states what it prints, and each, written to a file under
 * `tmpDir` (from the repo root) and imported, logs exactly its `// →` lines.
 */
export function describeDocOutput(doc: string, tmpDir: string, minBlocks: number): void {
  const all = blocks(readFileSync(join(ROOT, doc), 'utf8'));
  const tmp = join(ROOT, tmpDir);

  describe(doc, () => {
    it('has code blocks, each of which states what it prints', () => {
      expect(all.length).toBeGreaterThanOrEqual(minBlocks);
      for (const b of all) expect(expectedOutput(b).length, b.slice(0, 80)).toBeGreaterThan(0);
    });

    all.forEach((block, k) => {
      it(`block ${k + 1} runs and prints what its comments say`, async () => {
        mkdirSync(tmp, { recursive: true });
        const file = join(tmp, `block-${k}-${Date.now()}.ts`);
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
}
