import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor, where, zeros, type Tensor } from '@nn/core';
import type { GpuBackend } from '../src/index.js';

// Tensors past 2^22 and 2^24 values (issue 16, "Scale"): float32 holds every
// integer only up to 2^24, and the kernels' old float index split was exact only
// below 2^22, so every kernel kind is run here on outputs or inputs larger than
// both, and every value read back is compared, the last rows included.

/** 4100² = 16,810,000 values: past 2^24 = 16,777,216. */
const N = 4100;

/** Small integers, a hash of (i, j): a value read from the wrong place (a row or column off) differs. */
function pattern(rows: number, cols: number, salt: number): Float32Array {
  const a = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) a[i * cols + j] = ((i * 131 + j * 71 + salt) % 97) - 48;
  return a;
}

/** Expect `got` to equal `want` at every index; on failure name how many differ and the first few. */
function expectAll(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  const bad: string[] = [];
  let count = 0;
  for (let f = 0; f < want.length; f++) {
    if (got[f] !== want[f] && !(Number.isNaN(got[f]) && Number.isNaN(want[f]))) {
      if (bad.length < 5) bad.push(`[${f}] ${got[f]} ≠ ${want[f]}`);
      count++;
    }
  }
  expect(count, `${what}: ${count} wrong values, first ${bad.join(', ')}`).toBe(0);
}

/** Values read back (every runtime reads asynchronously). */
async function values(t: Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

/**
 * The issue's [4096, 64]·[64, 4096] product (16.7 M values, 2^24 outputs) on 'gpu'
 * against the same on 'cpu': equal at every entry (small integer inputs, so every
 * dot product is exact), its values' checksum equal to one computed from the inputs
 * alone, and its `.sum()` on the device equal to cpu's.
 */
export async function expectLargeProduct(): Promise<void> {
  const [m, k, n] = [4096, 64, 4096];
  const as = pattern(m, k, 1);
  const bs = pattern(k, n, 2);
  const a = tensor(as, { shape: [m, k], device: 'gpu' });
  const b = tensor(bs, { shape: [k, n], device: 'gpu' });
  const p = a.mm(b);
  const got = await values(p);
  const [ca, cb] = [tensor(as, { shape: [m, k], device: 'cpu' }), tensor(bs, { shape: [k, n], device: 'cpu' })];
  const ref = ca.mm(cb);
  const want = await values(ref);
  expectAll(got, want, 'mm');
  // Σ_ij (AB)_ij = Σ_p (Σ_i A_ip)(Σ_j B_pj): exact integers, independent of both backends.
  let check = 0;
  for (let q = 0; q < k; q++) {
    let col = 0;
    let row = 0;
    for (let i = 0; i < m; i++) col += as[i * k + q]!;
    for (let j = 0; j < n; j++) row += bs[q * n + j]!;
    check += col * row;
  }
  expect(got.reduce((s, v) => s + v, 0)).toBe(check);
  // The reduction over all 2^24 values on the device (two launches: rows of a [parts, chunk] view, then the parts): the same integer as cpu's.
  const [sum, refSum] = [p.sum(), ref.sum()];
  const [gotSum, wantSum] = await Promise.all([values(sum), values(refSum)]);
  expect(gotSum[0], 'sum() on gpu vs cpu').toBe(wantSum[0]);
  expect(gotSum[0]).toBe(check);
  for (const t of [a, b, p, ca, cb, ref, sum, refSum]) t.dispose();
  // 1G multiply-adds on each backend; the whole check took 7 s on llvmpipe and on Dawn, 5 s in Chromium (2026-11-30, a loaded 2-core machine).
}

/**
 * The scale suite on one gpu backend (registered as 'gpu', with the cpu
 * reference as 'cpu'): `limit` is the text the device's size limit names.
 */
export function describeScale(name: string, ctx: { gpu: GpuBackend }, limit: RegExp): void {
  describe(`tensors past 2^24 values on gpu (${name})`, () => {
    const xs = pattern(N, N, 0);
    let x: Tensor;
    beforeAll(() => {
      x = tensor(xs, { shape: [N, N], device: 'gpu' });
    });
    afterAll(() => x?.dispose());

    it('a 4096×64 · 64×4096 product (2^24 outputs) equals the cpu backend\'s at every entry, and so does its sum', () => expectLargeProduct(), 240_000);

    /** The expected [N, N] values: `at(v, vt, i, j)` of x[i][j] and x[j][i]. */
    const expected = (at: (v: number, vt: number, i: number, j: number) => number): Float32Array => {
      const w = new Float32Array(N * N);
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) w[i * N + j] = at(xs[i * N + j]!, xs[j * N + i]!, i, j);
      return w;
    };

    it('binary ops with broadcast reads on [4100, 4100]: every value', async () => {
      const r = pattern(1, N, 5);
      const c = pattern(N, 1, 9);
      const row = tensor(r, { shape: [N], device: 'gpu' });
      const col = tensor(c, { shape: [N, 1], device: 'gpu' });
      const out = x.add(row).mul(col); // two launches
      expectAll(await values(out), expected((v, _, i, j) => (v + r[j]!) * c[i]!), 'x.add(row).mul(col)');
      for (const t of [row, col, out]) t.dispose();
    }, 120_000);

    it('a transposed view read in place by a binary op, and gathered for readback (the map kernel)', async () => {
      const out = x.sub(x.t());
      expectAll(await values(out), expected((v, vt) => v - vt), 'x.sub(x.t())');
      expectAll(await values(x.t()), expected((_, vt) => vt), 'x.t()');
      out.dispose();
    }, 120_000);

    it('where, with a chain on a transposed read', async () => {
      const out = where(x.gt(0), x, x.t().neg());
      expectAll(await values(out), expected((v, vt) => (v > 0 ? v : -vt)), 'where(x > 0, x, -x.t())');
      out.dispose();
    }, 120_000);

    it('reductions over [4100, 4100]: sum over each dim, max over dim 0, argmax over dim 1', async () => {
      const outs = [x.sum(1), x.sum(0), x.max(0), x.argmax(1)];
      const [s1, s0, m0, a1] = await Promise.all(outs.map(values));
      const w1 = new Float32Array(N);
      const w0 = new Float32Array(N);
      const wm = new Float32Array(N).fill(-Infinity);
      const wa = new Float32Array(N);
      for (let i = 0; i < N; i++) {
        let best = -Infinity;
        for (let j = 0; j < N; j++) {
          const v = xs[i * N + j]!;
          w1[i] += v;
          w0[j] += v;
          if (v > wm[j]!) wm[j] = v;
          if (v > best) {
            best = v;
            wa[i] = j;
          }
        }
      }
      expectAll(s1!, w1, 'sum(1)');
      expectAll(s0!, w0, 'sum(0)');
      expectAll(m0!, wm, 'max(0)');
      expectAll(a1!, wa, 'argmax(1)');
      for (const t of outs) t.dispose();
    }, 120_000);

    // gather and scatterAdd run at the backend, so that a [4100, 4100] index is one float32
    // upload (core would convert and check 16.8M int32 values on the host first).
    it('gather along dim 1 with a [4100, 4100] index', async () => {
      const be = ctx.gpu;
      const idx = new Float32Array(N * N);
      for (let f = 0; f < N * N; f++) idx[f] = (f * 7 + 3) % N;
      const ih = be.fromArray(idx, [N, N]);
      const gh = be.gather(x.handle('test'), 1, ih);
      const got = await be.read(gh);
      for (const h of [ih, gh]) be.free(h);
      expectAll(got, expected((_v, _vt, i, j) => xs[i * N + idx[i * N + j]!]!), 'gather(1)');
    }, 120_000);

    it('scatterAdd along dim 1 into [4100, 4100]', async () => {
      const be = ctx.gpu;
      // Two entries per row, added into columns 5 and N - 1 (src 1 and 2).
      const ih = be.fromArray(new Float32Array(N * 2).map((_, f) => (f % 2 === 0 ? 5 : N - 1)), [N, 2]);
      const sh = be.fromArray(new Float32Array(N * 2).map((_, f) => 1 + (f % 2)), [N, 2]);
      const oh = be.scatterAdd(x.handle('test'), 1, ih, sh);
      const got = await be.read(oh);
      for (const h of [ih, sh, oh]) be.free(h);
      expectAll(got, expected((v, _, _i, j) => v + (j === 5 ? 1 : j === N - 1 ? 2 : 0)), 'scatterAdd(1)');
    }, 120_000);

    it('sliceScatter (asStridedScatter) of every third column', async () => {
      const out = x.sliceScatter(zeros([N, Math.ceil((N - 1) / 3)], { device: 'gpu' }), 1, 1, null, 3);
      expectAll(await values(out), expected((v, _, _i, j) => (j >= 1 && (j - 1) % 3 === 0 ? 0 : v)), 'sliceScatter(1, 1::3)');
      out.dispose();
    }, 120_000);

    it('cumsum along a dim of 4 (the scan is per thread: a short dim keeps it fast)', async () => {
      const out = x.reshape((N * N) / 4, 4).cumsum(1);
      const want = new Float32Array(N * N);
      for (let f = 0; f < N * N; f++) want[f] = xs[f]! + (f % 4 === 0 ? 0 : want[f - 1]!);
      expectAll(await values(out), want, 'cumsum(1) of [N²/4, 4]');
      out.dispose();
    }, 120_000);

    it('a result past the device\'s size limit is a DeviceError naming the limit, and the backend keeps working', async () => {
      const max = (ctx.gpu as unknown as { maxElements: number }).maxElements;
      const side = Math.ceil(Math.sqrt(max + 1));
      const a = zeros([side, 1], { device: 'gpu' });
      const b = zeros([1, side], { device: 'gpu' });
      expect(() => a.mm(b)).toThrow(limit);
      expect(Array.from(await values(a.sum().add(1)))).toEqual([1]);
      a.dispose();
      b.dispose();
    });
  });
}

/**
 * Only the large product, on a gpu path opened in a browser (the rest of the suite runs on
 * headless-gl and Dawn): equal to cpu at every entry, and its sum; `kernel` is gpu.js's class that must run.
 */
export function describeLargeProduct(name: string, ctx: { gpu: GpuBackend }, kernel: string): void {
  describe(`a [4096, 64]·[64, 4096] product on gpu (${name})`, () => {
    it(`equals the cpu backend's at every entry, and so does its sum; gpu.js ran ${kernel}`, async () => {
      await expectLargeProduct();
      expect(ctx.gpu.kernelClass()).toBe(kernel);
      expect(ctx.gpu.info.fallback).toBe(false);
    }, 240_000);
  });
}
