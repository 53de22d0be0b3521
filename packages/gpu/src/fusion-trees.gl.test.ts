import { describe, expect, it } from 'vitest';
import { manualSeed, memory, noGrad, randn, registerBackend, scope, unregisterBackend, where, type Tensor } from '@nn/core';
import { seedNet, seedStep } from '@nn/core/testing';
import { createGpuBackend } from './index.js';
import { useGpu } from '../test/use-gpu.js';

// Tree fusion on headless-gl (fuse: 'trees', the default): binary ops, wheres and products
// are deferred, and the kernel that reads them (an elementwise consumer, a reduce, a read,
// an in-place update) computes them where it reads them. Each case counts the launches,
// read included, and compares the values with the same program on cpu.
useGpu('headlessgl');
const stats = () => memory().gpu!;
/** Kernel launches so far, uploads (randn's data) left out. */
const launches = (): number => stats().kernels - stats().uploads;

/** Run `make` on cpu and on gpu from the same seed; return the gpu launches (read included) and check the values. */
function both(make: (device: string) => Tensor, tol = 1e-4): number {
  return scope(() => {
    manualSeed(5);
    const want = Array.from(make('cpu').dataSync());
    manualSeed(5);
    const before = launches();
    const got = Array.from(make('gpu').dataSync());
    const n = launches() - before;
    expect(got.length).toBe(want.length);
    got.forEach((v, i) => expect(Math.abs(v - want[i]!), `[${i}]: gpu ${v}, cpu ${want[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]!))));
    return n;
  });
}

describe('tree fusion on gpu (headless-gl)', () => {
  it('the epilogue w − lr·(aᵀ·b) is one launch, run by sub_; a new lr compiles nothing', () => {
    const w = randn([6, 4], { device: 'gpu' });
    const a = randn([5, 6], { device: 'gpu' });
    const b = randn([5, 4], { device: 'gpu' });
    const want = w.to('cpu').sub(a.to('cpu').t().mm(b.to('cpu')).mul(0.1)).mul(1);
    const before = stats();
    noGrad(() => w.sub_(a.t().mm(b).mul(0.1)));
    expect(stats().kernels - before.kernels, 'sub_ runs the update').toBe(1);
    expect(stats().buffers, 'the old w is freed').toBe(before.buffers);
    const got = Array.from(w.dataSync());
    expect(stats().kernels - before.kernels, 'reading w launches nothing more').toBe(1);
    Array.from(want.dataSync()).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    const compiles = stats().compiles;
    noGrad(() => w.sub_(a.t().mm(b).mul(0.2)));
    expect(stats().compiles, 'a new lr is a kernel argument').toBe(compiles);
    for (const t of [w, a, b, want]) t.dispose();
  });

  it('the loss (a·b − y)².sum() is one launch; with a long reduce the product runs first (two)', () => {
    expect(both((device) => randn([8, 6], { device }).mm(randn([6, 4], { device })).sub(randn([8, 4], { device })).pow(2).sum())).toBe(1);
    // 640 outputs × 100 inner steps in one reduce thread would serialise the product: it runs as its own kernel.
    expect(both((device) => randn([64, 100], { device }).mm(randn([100, 10], { device })).sub(randn([64, 10], { device })).pow(2).sum(), 1e-3)).toBe(2);
  });

  it('a product read by two elementwise consumers is right in each; read by matmuls it runs once', () => {
    scope(() => {
      const [a, b, c] = [randn([5, 3], { device: 'gpu' }), randn([3, 4], { device: 'gpu' }), randn([5, 4], { device: 'gpu' })];
      const cpu = { a: a.to('cpu'), b: b.to('cpu'), c: c.to('cpu') };
      const p = a.mm(b);
      const pc = cpu.a.mm(cpu.b);
      const d = randn([4, 2], { device: 'gpu' });
      const before = launches();
      const u = Array.from(p.add(c).relu().dataSync());
      const v = Array.from(p.mul(2).sub(c).sum(1).dataSync());
      expect(launches() - before, 'each consumer computes its products: one launch each').toBe(2);
      Array.from(pc.add(cpu.c).relu().dataSync()).forEach((x, i) => expect(u[i]).toBeCloseTo(x, 5));
      Array.from(pc.mul(2).sub(cpu.c).sum(1).dataSync()).forEach((x, i) => expect(v[i]).toBeCloseTo(x, 5));
      const q = p.mm(d);
      expect(launches() - before, 'the first matmul runs the product').toBe(3);
      const r = p.t().mm(c);
      expect(launches() - before, 'the second reads it computed').toBe(3);
      q.dataSync();
      Array.from(r.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(pc.t().mm(cpu.c).dataSync()[i]!, 5));
    });
  });

  it('where(mask, 0, a·b) then a product: the where runs with its product inlined, then the product', () => {
    expect(
      both((device) => {
        const h = randn([6, 5], { device });
        const g = randn([6, 3], { device }).mm(randn([3, 5], { device }));
        return where(h.lt(0), 0, g).mm(randn([5, 2], { device }));
      }),
    ).toBe(2);
  });

  it('broadcast binaries: a leaf broadcasts inside a tree; a product read through a broadcast runs first', () => {
    // bias [4] over a·b [5, 4]: one kernel.
    expect(both((device) => randn([5, 3], { device }).mm(randn([3, 4], { device })).add(randn([4], { device })).relu())).toBe(1);
    // a·b [5, 1] over c [5, 4]: the product is read 4 times per row, so it runs first.
    expect(both((device) => randn([5, 3], { device }).mm(randn([3, 1], { device })).mul(randn([5, 4], { device })))).toBe(2);
    // A tree read through a transposed view, and a deferred binary under a where.
    expect(both((device) => {
      const s = randn([4, 3], { device }).add(randn([4, 3], { device }));
      return where(s.t().gt(0), s.t(), randn([3, 4], { device }).mul(3));
    })).toBe(1);
  });

  it('in-place updates through views write the right elements (write-through of a deferred result)', () => {
    both((device) =>
      noGrad(() => {
        const w = randn([6, 4], { device });
        const g = randn([3, 5], { device }).t().mm(randn([3, 2], { device }));
        w.narrow(0, 1, 5).narrow(1, 1, 2).sub_(g.mul(0.5));
        w.t().add_(randn([4, 6], { device }).mm(randn([6, 6], { device })));
        return w.add(1);
      }),
    );
    both((device) =>
      noGrad(() => {
        const w = randn([5, 3], { device });
        const v = w.t();
        w.sub_(randn([5, 2], { device }).mm(randn([2, 3], { device })));
        return v.mul(2).add(w.t());
      }),
    );
  });

  it('freeing the inputs before reading a deferred result still reads the values it was given', () => {
    const buffers = stats().buffers;
    scope(() => {
      const a = randn([4, 3], { device: 'gpu' });
      const b = randn([3, 5], { device: 'gpu' });
      const c = randn([4, 5], { device: 'gpu' });
      const want = Array.from(a.to('cpu').mm(b.to('cpu')).add(c.to('cpu')).mul(2).dataSync());
      const y = a.mm(b).add(c).mul(2);
      for (const t of [a, b, c]) t.dispose();
      expect(stats().buffers, 'the deferred tree keeps its three leaves').toBe(buffers + 3);
      Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    });
    expect(stats().buffers, 'every buffer is freed').toBe(buffers);
  });

  it('a long run of binary ops is cut into bounded trees and stays right', () => {
    const launches = both((device) => {
      let x = randn([3, 4], { device });
      const y = randn([3, 4], { device });
      for (let k = 0; k < 40; k++) x = x.mul(0.9).add(y.mul(0.1));
      return x;
    });
    expect(launches).toBeGreaterThan(1);
    expect(launches).toBeLessThan(40);
  });

  it('300 steps of a small seed loop: 6 launches a step, nothing compiled after step 1, flat buffers', () => {
    const net = seedNet('gpu', { sizes: [8, 10, 6, 3] });
    const seen: { kernels: number; compiles: number; buffers: number }[] = [];
    for (let t = 0; t < 300; t++) {
      const b = { ...stats() };
      scope(() => {
        seedStep(net, 1e-3);
      });
      seen.push({ kernels: stats().kernels - b.kernels, compiles: stats().compiles - b.compiles, buffers: stats().buffers - b.buffers });
    }
    expect(new Set(seen.map((s) => s.kernels))).toEqual(new Set([6]));
    expect(seen.slice(1).every((s) => s.compiles === 0 && s.buffers === 0)).toBe(true);
    expect(seen[0]!.buffers).toBe(0);
    const cpu = seedNet('cpu', { sizes: [8, 10, 6, 3] });
    for (let t = 0; t < 300; t++) scope(() => void seedStep(cpu, 1e-3));
    net.w.forEach((w, i) => Array.from(w.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(cpu.w[i]!.dataSync()[j]!, 3)));
    for (const t of [net.x, net.y, ...net.w, cpu.x, cpu.y, ...cpu.w]) t.dispose();
  }, 120_000);

  it("fuse: 'chains' runs the same step as 11 launches, side by side with the default", async () => {
    const chains = await createGpuBackend({ mode: 'headlessgl', fuse: 'chains', device: 'gpuchains' });
    registerBackend(chains);
    try {
      const count = (device: string): number => {
        const net = seedNet(device, { sizes: [8, 10, 6, 3] });
        const before = memory()[device]!.kernels;
        scope(() => void seedStep(net, 1e-3));
        const n = memory()[device]!.kernels - before;
        // (seedStep uploads nothing: every launch counted is a kernel of the step.)
        for (const t of [net.x, net.y, ...net.w]) t.dispose();
        return n;
      };
      expect({ trees: count('gpu'), chains: count('gpuchains') }).toEqual({ trees: 6, chains: 11 });
    } finally {
      unregisterBackend('gpuchains');
      chains.dispose();
    }
  });
});
