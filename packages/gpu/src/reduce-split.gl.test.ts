import { describe, expect, it } from 'vitest';
import { scope, tensor, type Tensor } from '@nn/core';
import { useGpu } from '../test/use-gpu.js';

// A sum, max or min of every value of a large tensor runs as two launches (backend.ts splitReduce),
// not one thread walking them all: same values as cpu, the launches counted.
const ctx = useGpu('headlessgl');

/** Small integers, so every sum is exact in any order. */
const ints = (n: number): Float32Array => new Float32Array(n).map((_, f) => ((f * 37) % 101) - 50);

/** Run `f` on 'gpu' and 'cpu' (the same values), read both; the gpu launches it made. */
async function both(values: Float32Array, shape: number[], f: (x: Tensor) => Tensor): Promise<{ got: number[]; want: number[]; launches: number; shape: readonly number[] }> {
  const buffers = ctx.gpu.stats().buffers;
  const [g, c] = [tensor(values, { shape, device: 'gpu' }), tensor(values, { shape, device: 'cpu' })];
  const k0 = ctx.gpu.stats().kernels;
  const [rg, rc] = [scope(() => f(g)), scope(() => f(c))];
  const got = Array.from(await rg.data());
  const launches = ctx.gpu.stats().kernels - k0;
  const out = { got, want: Array.from(await rc.data()), launches, shape: rg.shape };
  for (const t of [g, c, rg, rc]) t.dispose();
  // Nothing of the two launches outlives the result.
  expect(ctx.gpu.stats().buffers).toBe(buffers);
  return out;
}

describe('a full reduction of 2^16+ values on gpu (headless-gl)', () => {
  it('sum, max and min of [300, 300] are two launches and equal cpu\'s', async () => {
    const v = ints(90_000);
    for (const f of [(x: Tensor) => x.sum(), (x: Tensor) => x.max(), (x: Tensor) => x.min()]) {
      const r = await both(v, [300, 300], f);
      expect(r.got).toEqual(r.want);
      expect(r.launches).toBe(2);
    }
  });

  it('keeps the shape asked for (keepdim) and reads a deferred tree in its first launch', async () => {
    const r = await both(ints(90_000), [300, 300], (x) => x.mul(2).add(x.abs()).sum([0, 1], true));
    expect(r.shape).toEqual([1, 1]);
    expect(r.got).toEqual(r.want);
    expect(r.launches).toBe(2);
  });

  it('a transposed view is read in place by one launch (no whole copy); a NaN wins max; a prime size is one launch', async () => {
    const t = await both(ints(90_000), [300, 300], (x) => x.t().min());
    expect(t.got).toEqual(t.want);
    expect(t.launches).toBe(1);
    const nan = ints(90_000);
    nan[45_678] = NaN;
    const m = await both(nan, [90_000], (x) => x.max());
    expect(m.got[0]).toBeNaN();
    expect(m.want[0]).toBeNaN();
    const p = await both(ints(65_537), [65_537], (x) => x.sum());
    expect(p.got).toEqual(p.want);
    expect(p.launches).toBe(1);
  });
});
