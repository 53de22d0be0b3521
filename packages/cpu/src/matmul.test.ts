import { describe, expect, it, afterAll, beforeAll, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { permuteView, type Handle } from '@nn/core';
import { createCpuBackend } from './index.js';
import * as reference from '../test/reference.js';

// The WebAssembly and TypeScript paths against the oracle (test/reference.ts) on the
// shapes that break blocked kernels: 1×1, primes around the 4×8 tile and the
// 256/128 blocks, tall, wide, empty inner size, and every transpose.

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function filled(n: number, rnd: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rnd();
  return a;
}

const shapes: [number, number, number][] = [
  [1, 1, 1], [1, 7, 1], [3, 1, 5], [2, 3, 0], [5, 7, 3], [4, 8, 16], [13, 17, 19], [31, 37, 41],
  [64, 100, 1000], [131, 9, 257], [257, 263, 5], [1000, 3, 2], [2, 1000, 3], [129, 130, 300],
];

// Both gemm builds, by name: plain SIMD (multiply, then add) and relaxed SIMD
// (fused multiply-adds; on Node 20 fma: 'on' turns V8's flag on for this process).
const wasm = createCpuBackend({ engine: 'wasm', threads: 1, minGemmMacs: 0, fma: 'off' });
const threaded = createCpuBackend({ engine: 'wasm', threads: 2, minParallelMacs: 1, minGemmMacs: 0, fma: 'off' });
const fma = createCpuBackend({ engine: 'wasm', threads: 1, minGemmMacs: 0, fma: 'on' });
const fmaThreaded = createCpuBackend({ engine: 'wasm', threads: 2, minParallelMacs: 1, minGemmMacs: 0, fma: 'on' });
const js = createCpuBackend({ engine: 'js' });
type Pool = { threads: { ready(): number; workerChunks(): number } };
beforeAll(async () => {
  // Start the workers and wait until they are up, so that the products below are shared.
  for (const be of [threaded, fmaThreaded]) {
    const pool = (be as unknown as Pool).threads;
    for (let i = 0; i < 200 && pool.ready() === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(pool.ready()).toBe(1);
  }
});
afterAll(() => {
  // Both threads really computed: the workers took chunks of the products above.
  for (const be of [threaded, fmaThreaded]) {
    expect((be as unknown as Pool).threads.workerChunks()).toBeGreaterThan(0);
    be.dispose();
  }
});

function run(be: typeof wasm, a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], ta: boolean, tb: boolean): Float32Array {
  const ha = be.fromArray(a, aShape);
  const hb = be.fromArray(b, bShape);
  const hc = be.matmul(ha, hb, ta, tb);
  const out = be.readSync(hc);
  be.free(ha);
  be.free(hb);
  be.free(hc);
  return out;
}

function maxDiff(x: Float32Array, y: Float32Array): number {
  expect(x.length).toBe(y.length);
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i]! - y[i]!));
  return d;
}

describe('matmul: wasm and js kernels agree with the reference', () => {
  for (const [m, n, k] of shapes) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`${m}×${k} · ${k}×${n}${ta ? ' Aᵀ' : ''}${tb ? ' Bᵀ' : ''}`, () => {
        const rnd = seeded(m * 7919 + n * 31 + k);
        const aShape = ta ? [k, m] : [m, k];
        const bShape = tb ? [n, k] : [k, n];
        const a = filled(m * k, rnd);
        const b = filled(k * n, rnd);
        const want = reference.matmul(a, aShape, b, bShape, ta, tb).data;
        // Float32 sums of k terms in another order: error grows like √k.
        const tol = 2e-6 * Math.sqrt(k + 1) * 4;
        for (const be of [wasm, threaded, fma, fmaThreaded, js]) {
          expect(maxDiff(run(be, a, aShape, b, bShape, ta, tb), want)).toBeLessThan(tol);
        }
      });
    }
  }

  it("fma: 'on' runs the relaxed-SIMD build and says whether its multiply-adds fuse; 'off' runs plain SIMD", () => {
    expect(fma.info.runtime).toBe('wasm-relaxed-simd');
    expect(wasm.info.runtime).toBe('wasm-simd');
    expect(wasm.info.note).toMatch(/plain SIMD multiply then add, as fma: 'off' asked for it/);
    // (1 + 2⁻¹²)² − (1 + 2⁻¹¹): 2⁻²⁴ when fused, 0 when the square is rounded first.
    const probe = (be: typeof wasm): number => (be as unknown as { arena: { exports: { maddProbe(x: number, y: number): number } } }).arena.exports.maddProbe(1.000244140625, -1.00048828125);
    expect(probe(wasm)).toBe(0);
    const fused = probe(fma);
    expect([0, 2 ** -24]).toContain(fused);
    expect(fma.info.note).toContain(fused ? 'fused multiply-adds (relaxed SIMD)' : 'relaxed SIMD, but this CPU runs its multiply-adds unfused');
    // The same in a product: y + x·x, accumulated in that order by the micro-kernel.
    const a = new Float32Array([1, 1.000244140625]);
    const b = new Float32Array([-1.00048828125, 1.000244140625]);
    expect(run(fma, a, [1, 2], b, [2, 1], false, false)[0]).toBe(fused);
    expect(run(wasm, a, [1, 2], b, [2, 1], false, false)[0]).toBe(0);
  });

  it("where the engine has no relaxed SIMD: fma: 'on' is an error that names fma: 'auto', and 'auto' says why it runs plain SIMD", () => {
    const validate = vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    try {
      expect(() => createCpuBackend({ fma: 'on' })).toThrow(/fma: 'on' needs WebAssembly relaxed SIMD, which this engine lacks .*use fma: 'auto'/);
      const be = createCpuBackend({ threads: 1 });
      expect(be.info.runtime).toBe('wasm-simd');
      expect(be.info.note).toMatch(/plain SIMD multiply then add, as this engine has no WebAssembly relaxed SIMD \(Node 20: run node --experimental-wasm-relaxed-simd/);
      be.dispose();
    } finally {
      validate.mockRestore();
    }
  });

  it('transposed views (t()) feed matmul and other kernels correctly', () => {
    for (const be of [wasm, js]) {
      const tr = (h: Handle): Handle => be.retain(h, permuteView(h, [1, 0]));
      const a = be.fromArray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
      const at = tr(a); // 3×2 view
      expect(Array.from(be.readSync(at))).toEqual([1, 4, 2, 5, 3, 6]);
      const att = tr(at); // back to 2×3, no copy
      expect(Array.from(be.readSync(att))).toEqual([1, 2, 3, 4, 5, 6]);
      const bt = tr(be.fromArray(new Float32Array([1, 0, 0, 1, 1, 1]), [2, 3]));
      // (Aᵀ)ᵀ · (Bᵀ) with the view flags folded into the gemm's transposes.
      const c = be.matmul(at, bt, true, false);
      expect(Array.from(be.readSync(c))).toEqual([1, 5, 4, 4, 11, 10, 3, 6, 9].slice(0, 0).concat(Array.from(reference.matmul(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], new Float32Array([1, 1, 0, 1, 0, 1]), [3, 2], false, false).data)));
      be.free(a);
      expect(Array.from(be.readSync(att))).toEqual([1, 2, 3, 4, 5, 6]); // shared block outlives its first owner
    }
  });

  it('propagates NaN and Inf as PyTorch does (no skipped zeros)', () => {
    for (const be of [wasm, fma, js]) {
      const out = run(be, new Float32Array([0, 1]), [1, 2], new Float32Array([Infinity, 2]), [2, 1], false, false);
      expect(Number.isNaN(out[0])).toBe(true);
    }
  });

  it('recycles freed blocks instead of allocating', () => {
    const be = createCpuBackend({ engine: 'wasm', threads: 1 });
    const a = be.fromArray(new Float32Array(1000).fill(1), [1000]);
    const first = be.scalar('mul', a, 2, false);
    be.free(first);
    const heap = (be as unknown as { arena: { heapBytes(): number } }).arena.heapBytes();
    for (let i = 0; i < 100; i++) be.free(be.scalar('mul', a, 2, false));
    expect((be as unknown as { arena: { heapBytes(): number } }).arena.heapBytes()).toBe(heap);
  });
});

describe('packaging', () => {
  it('the oracle is test-only: no shipped source imports test/reference.ts', () => {
    const src = fileURLToPath(new URL('.', import.meta.url));
    const shipped = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(shipped).toContain('loops.ts');
    for (const f of shipped) expect(readFileSync(join(src, f), 'utf8'), f).not.toMatch(/from '[^']*(test\/reference|\/kernels)\.js'/);
  });

  it('the embedded wasm module is the build of asm/gemm.ts', () => {
    const script = fileURLToPath(new URL('../scripts/build-wasm.mjs', import.meta.url));
    expect(execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' })).toMatch(/up to date/);
  });

  it('worker threads never keep a process alive', () => {
    // Plain Node cannot load .ts, so transpile this package's sources into a
    // scratch folder inside the package (where @nn/core resolves to its build).
    const pkg = fileURLToPath(new URL('..', import.meta.url));
    const dir = mkdtempSync(join(pkg, '.exit-test-'));
    try {
      const src = join(pkg, 'src');
      const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
      for (const f of files) {
        const js = ts.transpileModule(readFileSync(join(src, f), 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
        mkdirSync(dirname(join(dir, f)), { recursive: true });
        writeFileSync(join(dir, f.replace(/\.ts$/, '.js')), js);
      }
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      // Start the workers, use them, and simply end: the process must exit by itself.
      const code = `
        import { createCpuBackend } from './index.js';
        const be = createCpuBackend({ threads: 2, minParallelMacs: 1 });
        const a = be.fromArray(new Float32Array(256 * 256).fill(1), [256, 256]);
        for (let i = 0; i < 300; i++) be.free(be.matmul(a, a, false, false));
        console.log(be.info.note);
      `;
      writeFileSync(join(dir, 'main.js'), code);
      const t0 = Date.now();
      const out = execFileSync(process.execPath, [join(dir, 'main.js')], { encoding: 'utf8', timeout: 20_000 });
      expect(out).toMatch(/2 threads/);
      expect(Date.now() - t0).toBeLessThan(15_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
