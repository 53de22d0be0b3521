import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ArgumentError, Generator, ShapeError, manualSeed, noGrad, ones, randn, registerBackend, scope, tensor, type Tensor } from '@nn/core';
import { assertClose, gradcheck } from '@nn/core/testing';
import { createCpuBackend } from '@nn/cpu';
import * as L from './index.js';

registerBackend(createCpuBackend());

const load = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../../fixtures/layers2/${name}`, import.meta.url), 'utf8')) as T;

interface ModuleCase {
  module: 'Tanh' | 'Sigmoid' | 'GELU' | 'LeakyReLU' | 'Softmax' | 'LogSoftmax' | 'Flatten';
  args: unknown[];
  input: number[];
  shape: number[];
  upstream: number[];
  output: number[];
  output_shape?: number[];
  grad_input: number[];
}
interface LinearCase {
  input_shape: number[];
  input: number[];
  weight: number[][];
  bias: number[];
  upstream: number[];
  output: number[];
  output_shape: number[];
  grad_input: number[];
  grad_weight: number[][];
  grad_bias: number[];
}
const fixture = load<{ cases: ModuleCase[]; linear: LinearCase[] }>('modules.json');

type Ctor = new (...args: unknown[]) => L.Module;
const flat = (v: unknown): number[] => (Array.isArray(v) ? (v as unknown[]).flatMap(flat) : [v as number]);
// float32 against torch's float32 (erf, exp, tanh implementations differ by an ulp or two).
const tol = { atol: 1e-6, rtol: 1e-5 };

describe('modules match torch.nn (fixtures/layers2/modules.json)', () => {
  it('Tanh, Sigmoid, GELU, LeakyReLU, Softmax, LogSoftmax and Flatten: values and input gradients', () => {
    expect(new Set(fixture.cases.map((c) => c.module)).size).toBe(7);
    for (const c of fixture.cases) {
      scope(() => {
        const m = new (L[c.module] as unknown as Ctor)(...c.args);
        const x = tensor(flat(c.input), { shape: c.shape, requiresGrad: true });
        const y = m.forward(x);
        const what = `${String(m)} on ${JSON.stringify(c.shape)}`;
        if (c.output_shape) expect(y.shape, what).toEqual(c.output_shape);
        assertClose(y.dataSync(), flat(c.output), tol, `${what}: value`);
        y.mul(tensor(flat(c.upstream), { shape: y.shape })).sum().backward();
        assertClose(x.grad!.dataSync(), flat(c.grad_input), tol, `${what}: gradient`);
      });
    }
  });

  it('Linear on [in], [N, in], [N, M, in], [A, B, N, in] and an empty batch: values and every gradient', () => {
    for (const c of fixture.linear) {
      scope(() => {
        const lin = new L.Linear(4, 2);
        noGrad(() => {
          lin.weight.copy_(tensor(c.weight));
          lin.bias!.copy_(tensor(c.bias));
        });
        lin.zeroGrad();
        const x = tensor(flat(c.input), { shape: c.input_shape, requiresGrad: true });
        const y = lin.forward(x);
        const what = `Linear on ${JSON.stringify(c.input_shape)}`;
        expect(y.shape, what).toEqual(c.output_shape);
        assertClose(y.dataSync(), flat(c.output), tol, `${what}: value`);
        y.mul(tensor(flat(c.upstream), { shape: y.shape })).sum().backward();
        assertClose(x.grad!.dataSync(), flat(c.grad_input), tol, `${what}: input gradient`);
        assertClose(lin.weight.grad!.dataSync(), flat(c.grad_weight), tol, `${what}: weight gradient`);
        assertClose(lin.bias!.grad!.dataSync(), flat(c.grad_bias), tol, `${what}: bias gradient`);
        lin.dispose();
      });
    }
  });

  it('Linear on 3-D input passes gradcheck and names the shapes when the features are not last', () => {
    manualSeed(5);
    const lin = new L.Linear(3, 2);
    const r = gradcheck((xx) => lin.forward(xx), [randn([2, 4, 3])]);
    expect(r.ok, r.message).toBe(true);
    expect(() => lin.forward(randn([2, 3, 4]))).toThrow(ShapeError);
    expect(() => lin.forward(randn([2, 3, 4]))).toThrow(/Linear: input \[2, 3, 4\] must end in in_features = 3, but its last dim is 4; x·Wᵀ with weight \[2, 3\]ᵀ/);
    expect(() => lin.forward(tensor(1))).toThrow(/it is a scalar/);
    expect(() => lin.forward('x' as unknown as Tensor)).toThrow(ArgumentError);
  });
});

describe('Dropout', () => {
  it('zeroes about p of the elements in training, scales the rest by 1/(1-p), and is the identity in eval', () => {
    manualSeed(11);
    const d = new L.Dropout(0.25);
    const x = randn([100, 100]);
    const y = d.forward(x).dataSync();
    const xs = x.dataSync();
    let zeros = 0;
    let misScaled = 0;
    for (let i = 0; i < xs.length; i++) {
      if (y[i] === 0) zeros++;
      else if (!(Math.abs(y[i]! - xs[i]! / 0.75) <= 1e-6 * Math.abs(xs[i]!) + 1e-7)) misScaled++;
    }
    expect(misScaled).toBe(0);
    // 10,000 Bernoulli(0.25) draws: std √(10⁴·0.25·0.75) ≈ 43, so ±200 is over 4.5 sigma.
    expect(Math.abs(zeros - 2500)).toBeLessThan(200);
    // the mask is drawn from the seeded generator: the same seed gives the same mask
    manualSeed(11);
    randn([100, 100]);
    expect(Array.from(d.forward(x).dataSync())).toEqual(Array.from(y));
    const model = new L.Sequential(new L.Linear(3, 3), d);
    model.eval();
    expect(d.training).toBe(false);
    expect(d.forward(x)).toBe(x);
    model.train();
    expect(d.training).toBe(true);
  });

  it('p = 0 is the identity, p = 1 zeroes everything, and gradients flow through the kept units only', () => {
    const x = ones([4, 5], { requiresGrad: true });
    expect(new L.Dropout(0).forward(x)).toBe(x);
    expect(Array.from(new L.Dropout(1).forward(x).dataSync()).every((v) => v === 0)).toBe(true);
    manualSeed(2);
    const y = new L.Dropout(0.5).forward(x);
    y.sum().backward();
    const g = x.grad!.dataSync();
    const v = y.dataSync();
    for (let i = 0; i < g.length; i++) expect(g[i]).toBe(v[i]); // d(x·noise)/dx = noise = y for x = 1
    // { generator }: masks from a generator of their own, leaving the global stream alone
    const g1 = new L.Dropout(0.5, { generator: new Generator().manualSeed(7) }).forward(ones([64]));
    manualSeed(1);
    const before = randn([4]).dataSync();
    manualSeed(1);
    const g2 = new L.Dropout(0.5, { generator: new Generator().manualSeed(7) }).forward(ones([64]));
    expect(Array.from(randn([4]).dataSync())).toEqual(Array.from(before));
    expect(Array.from(g2.dataSync())).toEqual(Array.from(g1.dataSync()));
    expect(() => new L.Dropout(0.5, { generator: 7 } as never)).toThrow(/Dropout: option generator must be a Generator/);
    expect(() => new L.Dropout(1.5)).toThrow(/Dropout: p is the probability of zeroing an element and must be in \[0, 1\], got 1.5/);
    expect(String(new L.Dropout(0.2))).toBe('Dropout(p=0.2, inplace=False)');
  });
});

describe('module arguments are checked', () => {
  it('names the class, what was passed and what to pass', () => {
    expect(() => new L.Softmax(undefined as unknown as number)).toThrow(/Softmax: needs the dim to normalise over as a whole number, e.g. new Softmax\(1\)/);
    expect(() => new L.LogSoftmax(0.5)).toThrow(ArgumentError);
    expect(() => new L.LeakyReLU('0.1' as unknown as number)).toThrow(/LeakyReLU: negativeSlope must be a finite number/);
    expect(() => new L.GELU({ approximate: 'fast' as 'tanh' })).toThrow(/GELU: option approximate must be 'none' \| 'tanh'/);
    expect(() => new L.GELU('tanh' as unknown as object)).toThrow(/write new GELU\(\{ approximate: 'tanh' \}\)/);
    expect(() => new L.Flatten(1.5)).toThrow(/Flatten: startDim must be a whole number/);
    expect(() => new L.Flatten(2, 0).forward(randn([2, 3, 4]))).toThrow(/flatten: startDim 2 comes after endDim 0/);
    expect(() => new L.Tanh().forward(null as unknown as Tensor)).toThrow(/Tanh/);
    expect(String(new L.Softmax(1))).toBe('Softmax(dim=1)');
    expect(String(new L.GELU())).toBe("GELU(approximate='none')");
  });
});
