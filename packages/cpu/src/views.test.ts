import { describe, expect, it } from 'vitest';
import { memory, noGrad, registerBackend, scope, ShapeError, StateError, tensor, type Device } from '@nn/core';
import { seedNet, seedStep } from '@nn/core/testing';
import { createCpuBackend } from './index.js';

// Views share their base's block: t(), transpose, permute, expand, reshape of a
// row-major tensor and clone launch no kernel and hold no new block; matmul
// reads a transposed view in place; in-place ops write through to the base.
registerBackend(createCpuBackend({ device: 'cpu-views', engine: 'wasm', minGemmMacs: 0 }));
registerBackend(createCpuBackend({ device: 'cpu-views-js', engine: 'js' }));

const counters = (d: Device) => ({ kernels: memory()[d]!.kernels, buffers: memory()[d]!.buffers });

describe.each(['cpu-views', 'cpu-views-js'])('views on %s', (device) => {
  it('t(), transpose, permute, expand, reshape and clone launch no kernel and hold no new block', () => {
    scope(() => {
      const x = tensor([[1, 2, 3], [4, 5, 6]], { device });
      const before = counters(device);
      const views = [x.t(), x.transpose(0, 1), x.permute(1, 0), x.reshape(3, 2), x.reshape(-1), x.clone(), x.reshape(1, 2, 3).expand(4, 2, 3)];
      expect(counters(device)).toEqual(before);
      expect(views[0]!.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
      expect(views[3]!.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
      expect(views[6]!.toArray()).toEqual([[[1, 2, 3], [4, 5, 6]], [[1, 2, 3], [4, 5, 6]], [[1, 2, 3], [4, 5, 6]], [[1, 2, 3], [4, 5, 6]]]);
    });
  });

  it('matmul of transposed views copies nothing: one kernel, one new block', () => {
    scope(() => {
      const a = tensor([[1, 2, 3], [4, 5, 6]], { device });
      const b = tensor([[1, 0], [0, 1], [1, 1]], { device });
      const before = counters(device);
      const p = a.t().t().mm(b); // [2,3]·[3,2]
      const q = b.t().mm(a.t()); // [2,3]·[3,2] = (a·b)ᵀ
      expect(counters(device)).toEqual({ kernels: before.kernels + 2, buffers: before.buffers + 2 });
      expect(p.toArray()).toEqual([[4, 5], [10, 11]]);
      expect(q.toArray()).toEqual([[4, 10], [5, 11]]);
    });
  });

  it('reshape of a transposed view copies it once, as PyTorch (it has no view in the new shape)', () => {
    scope(() => {
      const x = tensor([[1, 2, 3], [4, 5, 6]], { device });
      const before = counters(device);
      const r = x.t().reshape(6);
      expect(counters(device).kernels).toBe(before.kernels + 1);
      expect(r.toArray()).toEqual([1, 4, 2, 5, 3, 6]);
    });
  });

  it('an in-place op on a view writes through to its base, and on a base to its views; one version counter', () => {
    scope(() => {
      const w = tensor([[1, 2, 3], [4, 5, 6]], { device });
      const v = w.t();
      const flat = w.reshape(6);
      v.mul_(2);
      expect(w.toArray()).toEqual([[2, 4, 6], [8, 10, 12]]);
      expect(flat.toArray()).toEqual([2, 4, 6, 8, 10, 12]);
      w.add_(1);
      expect(v.toArray()).toEqual([[3, 9], [5, 11], [7, 13]]);
      flat.zero_();
      expect(v.toArray()).toEqual([[0, 0], [0, 0], [0, 0]]);
      expect([w._version, v._version, flat._version]).toEqual([3, 3, 3]);
      expect(w.isView && v.isView).toBe(true);
    });
  });

  it('clone is copy-on-write: an in-place op on the clone or the original leaves the other alone', () => {
    scope(() => {
      const x = tensor([1, 2, 3], { device });
      const c = x.clone();
      c.maskedFill_(x.gt(1), 0);
      expect(x.toArray()).toEqual([1, 2, 3]);
      expect(c.toArray()).toEqual([1, 0, 0]);
      x.sub_(1);
      expect(c.toArray()).toEqual([1, 0, 0]);
      expect(x.isView || c.isView).toBe(false);
    });
  });

  it('an in-place op on an expanded view that shares its data is a ShapeError naming clone()', () => {
    scope(() => {
      const x = tensor([1, 2], { device });
      const e = x.expand(3, 2);
      expect(() => e.add_(1)).toThrow(ShapeError);
      expect(() => e.add_(1)).toThrow(/expanded view.*clone\(\) it first/);
      expect(x.toArray()).toEqual([1, 2]);
    });
  });

  it('zero_, a broadcast copy_ and a clone of an expand own their data: a view taken later writes through', () => {
    scope(() => {
      const w = tensor([[1, 2, 3], [4, 5, 6]], { device });
      w.zero_();
      const v = w.t();
      w.add_(tensor([[1, 2, 3], [4, 5, 6]], { device }));
      expect(v.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
      const u = tensor([[1, 2, 3], [4, 5, 6]], { device });
      u.copy_(tensor([7, 8, 9], { device }));
      u.t().mul_(2);
      expect(u.toArray()).toEqual([[14, 16, 18], [14, 16, 18]]);
      const c = tensor([1, 2], { device }).expand(2, 2).clone();
      const ct = c.t();
      c.add_(tensor([[0, 0], [10, 10]], { device }));
      expect(ct.toArray()).toEqual([[1, 11], [2, 12]]);
    });
  });

  it('a view taken under noGrad of a tensor that requires grad refuses an in-place change with grad on (PyTorch refuses it too)', () => {
    scope(() => {
      const w = tensor([[1, 2], [3, 4]], { device, requiresGrad: true });
      const v = noGrad(() => w.t());
      expect(() => v.add_(1)).toThrow(StateError);
      expect(() => v.add_(1)).toThrow(/shares its data with .*requires grad.*noGrad/);
      expect(w.toArray()).toEqual([[1, 2], [3, 4]]);
      noGrad(() => v.add_(1));
      expect(w.toArray()).toEqual([[2, 3], [4, 5]]);
    });
  });

  it('leaf gradients that are views of one another (or of the seed) are each their own: an in-place change of one leaves the others', () => {
    scope(() => {
      const a = tensor([[1, 2], [3, 4]], { device, requiresGrad: true });
      const b = tensor([[1, 2], [3, 4]], { device, requiresGrad: true });
      const c = tensor([1, 2, 3, 4], { device, requiresGrad: true });
      // b's gradient is t() of a's, c's a reshape of it: views of one buffer before backward hands them out.
      a.add(b.t()).add(c.reshape(2, 2)).mul(tensor([[1, 2], [3, 4]], { device })).sum().backward();
      noGrad(() => a.grad!.zero_());
      expect(b.grad!.toArray()).toEqual([[1, 3], [2, 4]]);
      expect(c.grad!.toArray()).toEqual([1, 2, 3, 4]);
      const seed = tensor([[1, 2], [3, 4]], { device });
      const d = tensor([[0, 0], [0, 0]], { device, requiresGrad: true });
      d.t().backward(seed);
      noGrad(() => seed.zero_());
      expect(d.grad!.toArray()).toEqual([[1, 3], [2, 4]]);
    });
  });

  it('a saved view changed in place through its base fails backward (the version counter covers the base)', () => {
    scope(() => {
      const p = tensor([[1, 2], [3, 4]], { device, requiresGrad: true });
      const base = tensor([[1, 2], [3, 4]], { device });
      const out = p.mul(base.t());
      noGrad(() => base.mul_(2));
      expect(() => out.sum().backward()).toThrow(StateError);
    });
  });

  it('frees every block: views and copies of views leave nothing behind', () => {
    const before = counters(device).buffers;
    scope(() => {
      const x = tensor([[1, 2], [3, 4]], { device });
      const v = x.t();
      v.exp().sum().item(); // makes v's row-major copy, freed with v
      x.dispose();
      expect(v.toArray()).toEqual([[1, 3], [2, 4]]); // the view keeps the block alive
    });
    expect(counters(device).buffers).toBe(before);
  });
});

describe('the seed loop on the cpu', () => {
  it('copies nothing for t() and clone(): 18 kernel launches a step (22 when each was a copy)', () => {
    const net = seedNet('cpu-views');
    const counts: number[] = [];
    for (let t = 0; t < 3; t++) {
      const before = memory()['cpu-views']!.kernels;
      scope(() => void seedStep(net, 1e-6));
      counts.push(memory()['cpu-views']!.kernels - before);
    }
    for (const w of [net.x, net.y, ...net.w]) w.dispose();
    expect(counts).toEqual([18, 18, 18]);
  });
});
