import { describe, expect, it } from 'vitest';
import { manualSeed, noGrad, randn, scope, tensor, where, type Tensor } from '@nn/core';
import { useGpu } from '../test/use-gpu.js';

// Fused reads of views with offsets, steps, transposes and broadcasts, each compared with the
// same program on cpu: a kernel that reads a chain through a view must read the element cpu reads.
useGpu('headlessgl');

function both(make: (device: string) => Tensor): void {
  scope(() => {
    manualSeed(3);
    const want = Array.from(make('cpu').dataSync());
    manualSeed(3);
    const got = Array.from(make('gpu').dataSync());
    expect(got.length).toBe(want.length);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
  });
}

describe('fused reads through views on gpu (headless-gl) equal cpu', () => {
  it('binary ops of chains on narrowed, stepped, transposed and expanded views', () => {
    both((device) => {
      const a = randn([4, 5], { device });
      const v = a.narrow(0, 1, 2).narrow(1, 2, 3).exp();
      const b = a.slice(1, 0, 5, 2).narrow(0, 2, 2).mul(3).sub(1);
      return v.add(b).add(a.t().narrow(1, 1, 2).narrow(0, 0, 3).t().abs());
    });
    both((device) => {
      const a = randn([4, 1], { device });
      const e = a.expand(4, 3).neg().exp();
      return e.mul(randn([3], { device }).relu()).add(a.narrow(0, 1, 3).sigmoid().t().sum(0));
    });
  });

  it('two offsets of one buffer read by the same-shaped kernel give their own elements (no shared cache entry)', () => {
    both((device) => {
      const a = randn([6, 5], { device });
      const c = randn([2, 5], { device });
      const p = a.narrow(0, 0, 2).exp().add(c);
      const q = a.narrow(0, 1, 2).exp().add(c);
      const r = a.narrow(0, 3, 2).exp().add(c);
      return p.add(q.mul(10)).add(r.mul(100));
    });
  });

  it('reductions, arg reductions and cumsum of chains on views', () => {
    both((device) => {
      const a = randn([5, 6], { device });
      const t = a.t().narrow(0, 1, 4).exp();
      return t.sum(0).add(t.max(1).sum()).add(a.narrow(1, 2, 3).abs().min(1).sum());
    });
    both((device) => a3(device).argmax(1).float());
    both((device) => a3(device).argmin(0).float());
    both((device) => a3(device).cumsum(1));
    function a3(device: string): Tensor {
      return randn([5, 6], { device }).slice(1, 1, 6, 2).mul(-2).add(0.5);
    }
  });

  it('products of chains on offset and transposed views (2-D and batched)', () => {
    both((device) => {
      const a = randn([6, 4], { device });
      const b = randn([5, 3], { device });
      return a.narrow(0, 2, 3).relu().mul(2).mm(b.narrow(0, 1, 4).t().t().narrow(1, 0, 2).sub(0.5));
    });
    both((device) => {
      const a = randn([3, 4, 5], { device });
      const w = randn([6, 2], { device });
      return a.narrow(0, 1, 2).transpose(1, 2).relu().matmul(w.narrow(0, 2, 4).mul(3).exp());
    });
    both((device) => {
      const a = randn([2, 1, 3, 4], { device }).add(1).relu();
      const b = randn([3, 5, 4], { device }).slice(1, 0, 5, 2).mul(2);
      return a.matmul(b.transpose(1, 2));
    });
  });

  it('where, gather, scatterAdd and write-through of chained views', () => {
    both((device) => {
      const a = randn([4, 5], { device });
      const n = a.narrow(1, 1, 3);
      return where(n.gt(0.1), n.exp(), a.narrow(0, 0, 1).narrow(1, 2, 3).neg());
    });
    both((device) => {
      const a = randn([4, 5], { device }).narrow(0, 1, 3).exp();
      const g = a.gather(1, tensor([[0, 4], [2, 2], [1, 3]], { device, dtype: 'int32' }));
      return g.add(a.scatterAdd(1, [[0, 1], [2, 2], [4, 0]], a.narrow(1, 0, 2).neg()).sum(1, true));
    });
    both((device) => {
      const a = noGrad(() => randn([4, 5], { device }).mul(2).exp());
      const t = a.t();
      const col = t.narrow(0, 1, 2).narrow(1, 1, 2);
      col.mul_(-1);
      a.narrow(0, 3, 1).add_(t.narrow(1, 0, 1).t());
      return a.add(t.t());
    });
  });
});
