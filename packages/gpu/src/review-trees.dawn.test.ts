import { describe, expect, it } from 'vitest';
import { manualSeed, memory, noGrad, randn, scope, type Tensor } from '@nn/core';
import { installDawn } from '../test/dawn.js';
import { useGpu } from '../test/use-gpu.js';

// Review of tree fusion and the blocked matmul on Node + Dawn (WebGPU, one blocked kernel
// from 2^18 multiply-adds): edge shapes of the blocked kernel (m = 1, k = 1, k < 4, odd k,
// offsets, transposes, a broadcast batch) and in-place updates of pending trees, against cpu.
useGpu('webgpu', { prepare: installDawn });

/** Run `make` on cpu and on gpu from the same seed and compare every value. */
async function both(make: (device: string) => Tensor[], tol = 1e-3): Promise<void> {
  const run = async (device: string): Promise<number[]> => {
    manualSeed(11);
    const ts = make(device);
    const out: number[] = [];
    for (const t of ts) for (const v of await t.data()) out.push(v);
    for (const t of ts) t.dispose();
    return out;
  };
  const want = await run('cpu');
  const got = await run('gpu');
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i]!), `[${i}]: gpu ${v}, cpu ${want[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]!))));
}

describe('blocked matmul edge shapes on Dawn', () => {
  it('m = 1; k = 1; k = 3; odd k with its unrolled tail', { timeout: 120_000 }, async () => {
    await both((device) => [randn([1, 65], { device }).mm(randn([65, 4096], { device }))]);
    await both((device) => [randn([256, 1], { device }).mm(randn([1, 1024], { device }))]);
    await both((device) => [randn([128, 3], { device }).mm(randn([3, 1024], { device })).add(1)]);
    await both((device) => [randn([64, 67], { device }).mm(randn([67, 68], { device }))]);
  });

  it('transposed views with offsets and chains; a broadcast batch on either side', { timeout: 120_000 }, async () => {
    await both((device) => {
      const a = randn([70, 66], { device }).narrow(1, 1, 65).relu().mul(-2);
      const b = randn([130, 70], { device }).narrow(0, 2, 128).sub(0.5);
      return [a.t().mm(b.t())];
    });
    await both((device) => {
      const a = randn([33, 65], { device }).expand(3, 33, 65);
      const b = randn([3, 65, 128], { device });
      return [a.bmm(b).abs(), b.transpose(1, 2).bmm(a.transpose(1, 2)).narrow(2, 0, 4)];
    });
  });

  it('in-place updates of a pending product and a pending tree', { timeout: 120_000 }, async () => {
    await both((device) => {
      const x = randn([64, 65], { device });
      const w = randn([68, 65], { device });
      const y = x.mm(w.t());
      const t = w.mul(2).add(w);
      noGrad(() => w.sub_(t.mul(0.1)));
      noGrad(() => y.add_(y.mul(y)));
      return [y, w, t];
    });
  });
});

describe('tree bounds on Dawn', () => {
  it('a tree of seven leaves with thirty-two chain numbers, read by an add and a sum', { timeout: 120_000 }, async () => {
    await both((device) => {
      const ls = Array.from({ length: 7 }, () => randn([5], { device }));
      const chained = ls.map((l, k) => (k < 4 ? [1, 2, 3, 4, 5, 6, 7, 8].reduce((t, s) => t.mul(1 + s / 100).add(s / 10), l) : l));
      const t = chained.reduce((p, q) => p.add(q));
      return [t, t.mul(0.5).add(1).sum(), t.sub(ls[0]!).exp().sum(0, true)];
    });
  });
});

describe('disposal on Dawn', () => {
  it('a loop of in-place updates with pending trees and products, read each step, keeps the live buffers flat', { timeout: 120_000 }, async () => {
    const w = randn([64, 68], { device: 'gpu' });
    const x = randn([32, 64], { device: 'gpu' });
    const before = memory().gpu!.buffers;
    for (let i = 0; i < 8; i++) {
      const loss = scope(() => {
        const y = x.mm(w);
        const g = x.t().mm(y.sub(1).mul(2));
        noGrad(() => w.sub_(g.mul(1e-4)));
        y.add(w.sum()).mean(); // never read
        return y.pow(2).mean();
      });
      expect(Number.isFinite((await loss.data())[0]!)).toBe(true);
      loss.dispose();
    }
    expect(memory().gpu!.buffers).toBe(before);
    w.dispose();
    x.dispose();
  });
});

describe('size-0 trees and products on Dawn', () => {
  it('[0, 3]·[3, 4] and [5, 0]·[0, 8] inside trees, summed and read', async () => {
    await both((device) => {
      const p = randn([0, 3], { device }).mm(randn([3, 4], { device }));
      const q = randn([5, 0], { device }).mm(randn([0, 8], { device }));
      return [p.add(1), p.sum(0), q.mul(randn([5, 8], { device })).add(2), q.t().mm(randn([5, 4], { device })).sub(1)];
    });
  });
});
