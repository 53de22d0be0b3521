import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildExample, ROOT } from './cli.js';

// Every ```ts block of README.md and docs/*.md runs as pasted: documentation people
// copy must not be a sketch that fails. A block opts out only with a marker right
// before its fence, `<!-- not-run: the reason -->`, and the reason is shown here.
beforeAll(() => buildExample(), 240_000);

/** A ```ts block: where it is, its code, and the not-run reason when it has one. */
export interface DocBlock {
  file: string;
  line: number;
  code: string;
  notRun: string | null;
}

/** The ```ts blocks of one markdown file. */
export function tsBlocks(file: string, text: string): DocBlock[] {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```ts') continue;
    const start = i;
    let j = i + 1;
    while (j < lines.length && lines[j]!.trim() !== '```') j++;
    // The marker is the last non-blank line before the fence.
    let k = start - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const m = k >= 0 ? /^<!-- not-run: (.*) -->$/.exec(lines[k]!.trim()) : null;
    blocks.push({ file, line: start + 1, code: lines.slice(start + 1, j).join('\n'), notRun: m ? m[1]!.trim() : null });
    i = j;
  }
  return blocks;
}

const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const blocks = docs.flatMap((f) => tsBlocks(f, readFileSync(join(ROOT, f), 'utf8')));

describe('every ts code block of the README and docs/*.md', () => {
  it('finds the blocks (README.md and docs/explain.md among them)', () => {
    expect(blocks.filter((b) => b.file === 'README.md').length).toBeGreaterThanOrEqual(3);
    expect(blocks.some((b) => b.file === 'docs/explain.md')).toBe(true);
  });

  it('a block that does not run says why, in its marker', () => {
    for (const b of blocks.filter((x) => x.notRun !== null)) expect(b.notRun!.length, `${b.file}:${b.line}`).toBeGreaterThan(15);
  });

  for (const b of blocks.filter((x) => x.notRun === null)) {
    it(`${b.file}:${b.line} runs as pasted`, () => {
      // TypeScript to JavaScript (types stripped, nothing else), placed in the repo so that
      // '@nn/core' resolves to the workspace builds, run in an empty folder (blocks may write files).
      const js = transformSync(b.code, { loader: 'ts', format: 'esm', target: 'node20' }).code;
      const file = join(ROOT, 'apps/example/test', `.doc-block-${b.file.replace(/\W/g, '_')}-${b.line}.tmp.mjs`);
      const cwd = mkdtempSync(join(tmpdir(), 'nn-doc-block-'));
      writeFileSync(file, js);
      try {
        execFileSync(process.execPath, [file], { cwd, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        const err = e as { stderr?: string; stdout?: string; message: string };
        throw new Error(`${b.file}:${b.line} failed as pasted:\n${err.stderr || err.message}\n--- the block ---\n${b.code}`);
      } finally {
        rmSync(file, { force: true });
        rmSync(cwd, { recursive: true, force: true });
      }
    }, 150_000);
  }
});
