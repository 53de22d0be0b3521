import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildExample, ROOT } from './cli.js';

// The library packages as a consumer outside this repository's build sees
// them: through their package.json `exports`, from ESM and from CommonJS.
beforeAll(() => buildExample(), 240_000);

const PACKAGES = ['core', 'cpu', 'gpu', 'layers', 'explain'] as const;

/** Run a script with Node from the repository root (where `@nn/*` resolve to the workspace builds). */
function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }).trim();
}

describe('package consumers', () => {
  it('every package declares types, import and default in its exports map, and no side effects but core entries', () => {
    for (const p of PACKAGES) {
      const pkg = JSON.parse(readFileSync(join(ROOT, 'packages', p, 'package.json'), 'utf8'));
      // @nn/core's entries install Tensor's methods at import (installMethods); nothing else has side effects.
      if (p === 'core') expect(pkg.sideEffects, p).toEqual(['./dist/index.js', './dist/testing/index.js', './src/index.ts', './src/testing/index.ts']);
      else expect(pkg.sideEffects, p).toBe(false);
      expect(pkg.type, p).toBe('module');
      for (const [sub, entry] of Object.entries(pkg.exports as Record<string, unknown>)) {
        if (sub === './package.json') continue;
        expect(Object.keys(entry as object), `${p} ${sub}`).toEqual(['types', 'import', 'default']);
      }
    }
  });

  it('a CommonJS consumer require()s every package (Node ≥ 20.19 loads ESM through require) and trains a step', () => {
    const out = node([
      '-e',
      `const core = require('@nn/core');
       const { createCpuBackend } = require('@nn/cpu');
       const { Linear } = require('@nn/layers');
       const { gradcheck } = require('@nn/core/testing');
       const { createGpuBackend } = require('@nn/gpu');
       const { explainGradient } = require('@nn/explain');
       core.registerBackend(createCpuBackend({ threads: 1 }));
       const x = core.tensor([[1, 2], [3, 4]]).named('x');
       const w = core.tensor([[0.5], [-1]], { requiresGrad: true }).named('w');
       const loss = x.mm(w).pow(2).sum().named('loss');
       loss.backward();
       const e = explainGradient(loss, w);
       console.log(JSON.stringify([w.grad.toArray(), typeof Linear, typeof gradcheck, typeof createGpuBackend, e.maxAbsDiff]));`,
    ]);
    // d/dw Σ (x·w)² = 2·xᵀ(x·w): x·w = [-1.5, -2.5]; explain's formula, evaluated, equals autograd's gradient.
    expect(JSON.parse(out)).toEqual([[[-18], [-26]], 'function', 'function', 'function', 0]);
  });

  it('an ESM consumer imports the same packages', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import { registerBackend, tensor } from '@nn/core';
       import { createCpuBackend } from '@nn/cpu';
       registerBackend(createCpuBackend({ threads: 1 }));
       console.log(JSON.stringify(tensor([[1, 2], [3, 4]]).t().toArray()));`,
    ]);
    expect(JSON.parse(out)).toEqual([[1, 3], [2, 4]]);
  });

  // Each package's README shows a first program; run it as written, from a file in the repository root.
  const readmeExample = (p: string): string => {
    const text = readFileSync(join(ROOT, 'packages', p, 'README.md'), 'utf8');
    const at = text.indexOf('<!-- package-readme:example -->');
    const m = /```ts\n([\s\S]*?)```/.exec(text.slice(at));
    if (at < 0 || !m) throw new Error(`packages/${p}/README.md has no <!-- package-readme:example --> ts block`);
    return m[1]!;
  };
  const expected: Record<(typeof PACKAGES)[number], RegExp> = {
    core: /^\d+(\.\d+)?(e[-+]?\d+)? \[ 3, 2 \]$/,
    cpu: /^wasm-(relaxed-)?simd - WebAssembly SIMD gemm.*\n\[ 256, 256 \]$/,
    gpu: /^headlessgl false\n-?\d+(\.\d+)?(e[-+]?\d+)?$/,
    layers: /^49 \d+(\.\d+)?(e[-+]?\d+)?\n99 \d+(\.\d+)?(e[-+]?\d+)?$/,
    // The closed form, its definitions, |formula − autograd| (0, or float32 rounding), the SVG's start.
    explain: /^grad_w = xᵀ · \(grad_y_relu ⊙ \[y ≥ 0\]\)\n  where grad_y_relu = 2·y_relu\n\|formula − autograd\| = (0|\d(\.\d+)?e-[6-9])\n<svg$/,
  };
  for (const p of PACKAGES) {
    it(`packages/${p}/README.md: its example runs as written`, () => {
      const file = join(ROOT, `.readme-${p}.tmp.mjs`);
      writeFileSync(file, readmeExample(p));
      try {
        expect(node([file])).toMatch(expected[p]);
      } finally {
        rmSync(file, { force: true });
      }
    });
  }
});
