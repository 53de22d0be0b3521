import { describe, expect, it } from 'vitest';
import { manualSeed, matmulT, noGrad, randn, registerBackend, scope, memory, tensor, type Tensor, ShapeError } from '@nn/core';
import { assertClose, gradcheck } from '@nn/core/testing';
import { createCpuBackend } from '@nn/cpu';
import { Linear, MSELoss, Module, ReLU, SGD, Sequential } from './index.js';

registerBackend(createCpuBackend());
registerBackend(createCpuBackend({ device: 'cpu2' }));

/**
 * Finite-difference check of a module's parameter gradients: perturb each
 * parameter element by ±eps (float32 forward passes, float64 quotient) and compare
 * with what backward() put in `.grad`. Sizes are small so the loss is O(1) and the
 * float32 rounding of f (~1e-7·|f|) divided by 2·eps stays far below the tolerance.
 */
function checkParamGrads(model: Module, loss: () => Tensor, eps = 1e-3): number {
  model.zeroGrad();
  scope(() => loss().backward());
  let worst = 0;
  for (const [name, p] of model.namedParameters()) {
    const analytic = p.grad!.dataSync();
    const base = p.dataSync();
    for (let i = 0; i < base.length; i++) {
      const at = (delta: number): number =>
        noGrad(() =>
          scope(() => {
            const d = new Float32Array(base);
            d[i] = base[i]! + delta;
            p.copy_(tensor(d, { shape: p.shape }));
            return loss().item();
          }),
        );
      const up = Math.fround(base[i]! + eps) - base[i]!;
      const down = base[i]! - Math.fround(base[i]! - eps);
      const numeric = (at(up) - at(-down)) / (up + down);
      noGrad(() => p.copy_(tensor(base, { shape: p.shape })));
      const err = Math.abs(numeric - analytic[i]!);
      if (!(err <= 1e-2 + 1e-2 * Math.abs(numeric))) throw new Error(`${name}[${i}]: autograd ${analytic[i]}, finite differences ${numeric}`);
      worst = Math.max(worst, err);
    }
  }
  model.zeroGrad();
  return worst;
}

describe('Linear', () => {
  it('stores weight [out, in] and bias [out], initialised in U(-1/√in, 1/√in) from the seeded generator', () => {
    manualSeed(0);
    const a = new Linear(400, 30);
    manualSeed(0);
    const b = new Linear(400, 30);
    expect(a.weight.shape).toEqual([30, 400]);
    expect(a.bias!.shape).toEqual([30]);
    expect(Array.from(a.weight.dataSync())).toEqual(Array.from(b.weight.dataSync()));
    const bound = 1 / Math.sqrt(400);
    const w = a.weight.dataSync();
    const max = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(max).toBeLessThanOrEqual(bound);
    // A uniform on [-b, b] has std b/√3; 12 000 samples pin it to about 1%.
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan((bound / Math.sqrt(3)) * 0.97);
    expect(std).toBeLessThan((bound / Math.sqrt(3)) * 1.03);
    expect(a.bias!.dataSync().every((v) => Math.abs(v) <= bound)).toBe(true);
    expect(new Linear(3, 2, { bias: false }).bias).toBeNull();
  });

  it('computes x·Wᵀ + b', () => {
    const lin = new Linear(3, 2);
    noGrad(() => {
      lin.weight.copy_(tensor([[1, 2, 3], [4, 5, 6]]));
      lin.bias!.copy_(tensor([10, 20]));
    });
    const y = lin.forward(tensor([[1, 0, -1], [2, 1, 0]]));
    assertClose(y.dataSync(), [1 - 3 + 10, 4 - 6 + 20, 2 + 2 + 10, 8 + 5 + 20]);
    expect(String(lin)).toBe('Linear(in_features=3, out_features=2, bias=true)');
  });

  it('names the shapes when the input has the wrong width', () => {
    const lin = new Linear(3, 2);
    expect(() => lin.forward(tensor([[1, 2]]))).toThrow(ShapeError);
    expect(() => lin.forward(tensor([[1, 2]]))).toThrow(/Linear.*\[1, 2\].*\[2, 3\]ᵀ/);
  });

  it('passes gradcheck with respect to its input, weight and bias', () => {
    manualSeed(3);
    const lin = new Linear(4, 3);
    const x = randn([5, 4]);
    const r = gradcheck((xx) => lin.forward(xx), [x]);
    expect(r.ok, r.message).toBe(true);
    // the same function written with explicit weight/bias leaves, through core's gradcheck
    const r2 = gradcheck((w, b) => matmulT(x, w, false, true).add(b), [lin.weight.detach(), lin.bias!.detach()]);
    expect(r2.ok, r2.message).toBe(true);
    expect(checkParamGrads(lin, () => lin.forward(x).pow(2).sum())).toBeLessThan(1e-2);
  });
});

describe('Sequential, ReLU and MSELoss', () => {
  it('chains layers, names parameters like PyTorch and passes gradcheck', () => {
    manualSeed(4);
    const model = new Sequential(new Linear(5, 4), new ReLU(), new Linear(4, 3), new ReLU(), new Linear(3, 2));
    expect(model.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual([
      '0.weight:4x5', '0.bias:4', '2.weight:3x4', '2.bias:3', '4.weight:2x3', '4.bias:2',
    ]);
    expect(model.parameters().every((p) => p.requiresGrad && p.isLeaf)).toBe(true);
    const x = randn([6, 5]);
    const y = randn([6, 2]);
    const lossFn = new MSELoss({ reduction: 'sum' });
    const r = gradcheck((xx) => model.forward(xx), [x]);
    expect(r.ok, r.message).toBe(true);
    expect(checkParamGrads(model, () => lossFn.forward(model.forward(x), y))).toBeLessThan(1e-2);
    expect(String(model)).toContain('(1): ReLU()');
  });

  it('MSELoss sums or averages the squared error and refuses mismatched shapes', () => {
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([[0, 2], [5, 4]]);
    expect(new MSELoss({ reduction: 'sum' }).forward(a, b).item()).toBe(5);
    expect(new MSELoss().forward(a, b).item()).toBe(1.25);
    expect(() => new MSELoss().forward(a, tensor([1, 2]))).toThrow(/MSELoss.*\[2, 2\].*\[2\]/);
  });

  it('ReLU is max(x, 0)', () => {
    expect(Array.from(new ReLU().forward(tensor([-1, 0, 2])).dataSync())).toEqual([0, 0, 2]);
  });
});

describe('Module', () => {
  it('zeroGrad drops gradients; parameters survive scopes', () => {
    const model = new Sequential(new Linear(3, 2), new ReLU(), new Linear(2, 1));
    const before = memory().cpu!.buffers;
    for (let i = 0; i < 3; i++) scope(() => model.forward(tensor([[1, 2, 3]])).sum().backward());
    expect(model.parameters().every((p) => p.grad !== null && !p.isDisposed)).toBe(true);
    model.zeroGrad();
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
    // three steps in scopes left nothing behind but the (now dropped) gradients
    expect(memory().cpu!.buffers).toBe(before);
  });

  it('a module used twice (tied weights) gives its parameters once, as PyTorch, so an optimiser steps them once; the state dict keeps both keys', () => {
    manualSeed(0);
    const lin = new Linear(2, 2);
    const model = new Sequential(lin, new ReLU(), lin);
    expect(model.namedParameters().map(([k]) => k)).toEqual(['0.weight', '0.bias']);
    expect(model.parameters()).toEqual([lin.weight, lin.bias]);
    expect([...model.stateDict().keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    model.loadStateDict(model.stateDict());
    model.forward(tensor([[1, -2]])).sum().backward();
    const w = Array.from(lin.weight.dataSync());
    const g = Array.from(lin.weight.grad!.dataSync());
    new SGD(model.parameters(), { lr: 0.5 }).step();
    const after = Array.from(lin.weight.dataSync());
    after.forEach((v, i) => expect(v).toBeCloseTo(w[i]! - 0.5 * g[i]!, 6));
    model.to('cpu2');
    expect(model.parameters()).toEqual([lin.weight, lin.bias]);
    expect(lin.weight.device).toBe('cpu2');
    model.dispose();
  });

  it('to(device) moves every parameter explicitly and frees the old buffers', () => {
    const model = new Sequential(new Linear(3, 2), new ReLU(), new Linear(2, 1, { bias: false }));
    const values = model.parameters().map((p) => Array.from(p.dataSync()));
    const cpuBefore = memory().cpu!.buffers;
    model.to('cpu2');
    expect(model.parameters().map((p) => p.device)).toEqual(['cpu2', 'cpu2', 'cpu2']);
    expect(model.parameters().map((p) => Array.from(p.dataSync()))).toEqual(values);
    expect(model.parameters().every((p) => p.requiresGrad && p.isLeaf)).toBe(true);
    expect(memory().cpu!.buffers).toBe(cpuBefore - 3);
    const x = tensor([[1, 2, 3]], { device: 'cpu2' });
    model.forward(x).sum().backward();
    expect(model.parameters().every((p) => p.grad?.device === 'cpu2')).toBe(true);
    expect(() => model.forward(tensor([[1, 2, 3]]))).toThrow(/'cpu'.*'cpu2'|'cpu2'.*'cpu'/);
  });
});

describe('a custom Module (as in docs/layers.md)', () => {
  class TwoLayerNet extends Module {
    private readonly linear1 = this.registerModule('linear1', new Linear(6, 4)) as Linear;
    private readonly linear2 = this.registerModule('linear2', new Linear(4, 2)) as Linear;
    forward(x: Tensor): Tensor {
      return this.linear2.forward(this.linear1.forward(x).clamp({ min: 0 }));
    }
  }

  it('registers its children and trains through them', () => {
    manualSeed(9);
    const net = new TwoLayerNet();
    expect(net.namedParameters().map(([n]) => n)).toEqual(['linear1.weight', 'linear1.bias', 'linear2.weight', 'linear2.bias']);
    const x = randn([5, 6]);
    expect(net.forward(x).shape).toEqual([5, 2]);
    expect(checkParamGrads(net, () => net.forward(x).pow(2).sum())).toBeLessThan(1e-2);
  });
});
