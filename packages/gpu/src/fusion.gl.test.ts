import { describe, expect, it } from 'vitest';
import { memory, randn, scope, tensor, type Tensor } from '@nn/core';
import type { GpuHandle } from './index.js';
import { useGpu } from '../test/use-gpu.js';

// Fusion on headless-gl: an elementwise op of one input (unary, or with a
// number) is deferred onto its input's buffer as a chain; binary ops, wheres
// and products are deferred as tree nodes; the kernel that reads them computes
// them on read. Each case checks the launches (through the read) and the values against cpu.
const ctx = useGpu('headlessgl');
const counts = () => ({ kernels: memory().gpu!.kernels, compiles: memory().gpu!.compiles, buffers: memory().gpu!.buffers });
const onCpu = (t: Tensor): number[] => Array.from(t.to('cpu').dataSync());

describe('fusion on gpu (headless-gl)', () => {
  it('a chain of unary and scalar ops launches nothing and shares its input buffer; reading it launches one kernel', () => {
    scope(() => {
      const x = tensor([-2, -0.5, 0, 0.5, 3], { device: 'gpu' });
      const before = counts();
      const y = x.mul(2).exp().add(1).sqrt().neg();
      expect(counts()).toEqual(before);
      expect((y.handle('test') as GpuHandle).buf).toBe((x.handle('test') as GpuHandle).buf);
      expect((y.handle('test') as GpuHandle).chain.map((c) => c.op)).toEqual(['mul', 'exp', 'add', 'sqrt', 'neg']);
      const want = onCpu(x).map((v) => -Math.sqrt(Math.exp(2 * v) + 1));
      const got = Array.from(y.dataSync());
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
      expect(counts().kernels).toBe(before.kernels + 1);
    });
  });

  it('the reading kernel applies each input chain: a binary op, a sum, a where, a product each launch one, read included', () => {
    scope(() => {
      const a = randn([8, 6], { device: 'gpu' });
      const b = randn([6], { device: 'gpu' });
      const c = randn([6, 4], { device: 'gpu' });
      const cpu = { a: a.to('cpu'), b: b.to('cpu'), c: c.to('cpu') };
      const cases: [string, () => Tensor, () => Tensor][] = [
        ['relu(a) - 3·b (broadcast)', () => a.relu().sub(b.mul(3)), () => cpu.a.relu().sub(cpu.b.mul(3))],
        ['sum((a - 1)²)', () => a.sub(1).pow(2).sum(), () => cpu.a.sub(1).pow(2).sum()],
        ['sum over dim 0 of tanh(a)', () => a.tanh().sum(0), () => cpu.a.tanh().sum(0)],
        ['where(a < 0, 0, 2·a)', () => a.mul(2).maskedFill(a.lt(0), 0), () => cpu.a.mul(2).maskedFill(cpu.a.lt(0), 0)],
        ['relu(a)·(0.5·c)', () => a.relu().mm(c.mul(0.5)), () => cpu.a.relu().mm(cpu.c.mul(0.5))],
        ['relu(a)ᵀ·relu(a) (transposed view of a chain)', () => a.relu().t().mm(a.relu()), () => cpu.a.relu().t().mm(cpu.a.relu())],
      ];
      for (const [name, gpu, ref] of cases) {
        const before = counts().kernels;
        const got = Array.from(gpu().dataSync());
        expect(counts().kernels - before, `${name}: launches`).toBe(1);
        const want = Array.from(ref().dataSync());
        got.forEach((v, i) => expect(Math.abs(v - want[i]!), `${name} [${i}]: gpu ${v}, cpu ${want[i]}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i]!))));
      }
    });
  });

  it('a costly chain (exp) is run once before a product reads it, not recomputed per row', () => {
    scope(() => {
      const a = randn([5, 7], { device: 'gpu' });
      const c = randn([7, 3], { device: 'gpu' });
      const before = counts().kernels;
      const p = a.exp().mm(c);
      expect(counts().kernels - before, 'exp runs, the product is deferred').toBe(1);
      const got = Array.from(p.dataSync());
      expect(counts().kernels - before, 'the read runs the product').toBe(2);
      const want = Array.from(a.to('cpu').exp().mm(c.to('cpu')).dataSync());
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
    });
  });

  it('a new number compiles nothing (it is a kernel argument); a long chain is cut into kernels and stays right', () => {
    scope(() => {
      const x = randn([4, 4], { device: 'gpu' });
      const y = randn([4, 4], { device: 'gpu' });
      x.mul(0.1).add(y).dataSync();
      const before = counts();
      const r = x.mul(0.2).add(y);
      expect(counts().compiles).toBe(before.compiles);
      const want = Array.from(x.to('cpu').mul(0.2).add(y.to('cpu')).dataSync());
      Array.from(r.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
      let g: Tensor = x;
      let c: Tensor = x.to('cpu');
      for (let k = 0; k < 20; k++) {
        g = g.mul(1.01).add(0.01);
        c = c.mul(1.01).add(0.01);
      }
      const cw = Array.from(c.dataSync());
      Array.from(g.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(cw[i]!, 5));
      expect((g.handle('test') as GpuHandle).chain.length).toBeLessThanOrEqual(8);
    });
  });

  it('disposing the input of a deferred op keeps the buffer its result reads', () => {
    const x = tensor([1, 2, 3], { device: 'gpu' });
    const buffers = counts().buffers;
    const y = x.mul(10);
    x.dispose();
    expect(counts().buffers).toBe(buffers);
    expect(Array.from(y.dataSync())).toEqual([10, 20, 30]);
    y.dispose();
    expect(counts().buffers).toBe(buffers - 1);
    expect(ctx.gpu.kernelClass()).toBe('HeadlessGLKernel');
  });
});
