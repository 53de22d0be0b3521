import { describe, expect, it } from 'vitest';
import { ArgumentError, DTypeError, ShapeError, memory, registerBackend, scope, tensor, type Tensor } from '@nn/core';
import { assertClose } from '@nn/core/testing';
import { createCpuBackend } from '@nn/cpu';
import * as L from './index.js';
import { lossCases, type LossCase } from '../test/loss-cases.js';

registerBackend(createCpuBackend());

const cases = lossCases() as (LossCase & { fn: keyof typeof functions })[];

const functions = {
  l1Loss: [L.l1Loss, L.L1Loss],
  mseLoss: [L.mseLoss, L.MSELoss],
  huberLoss: [L.huberLoss, L.HuberLoss],
  smoothL1Loss: [L.smoothL1Loss, L.SmoothL1Loss],
  binaryCrossEntropy: [L.binaryCrossEntropy, L.BCELoss],
  binaryCrossEntropyWithLogits: [L.binaryCrossEntropyWithLogits, L.BCEWithLogitsLoss],
  crossEntropy: [L.crossEntropy, L.CrossEntropyLoss],
  nllLoss: [L.nllLoss, L.NLLLoss],
} as const;

type AnyLoss = (input: Tensor, target: Tensor, opts?: object) => Tensor;
type AnyLossClass = new (opts?: object) => { forward(input: Tensor, target: Tensor): Tensor };

/** nn's options from the fixture's: weight lists become tensors, their shapes drop out. */
function nnOptions(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k.endsWith('_shape')) continue;
    out[k] = k === 'weight' || k === 'posWeight' ? tensor(v as number[], { shape: o[`${k}_shape`] as number[] }) : v;
  }
  return out;
}

function describeCase(c: LossCase): string {
  const opts = Object.entries(c.options).filter(([k]) => !k.endsWith('_shape')).map(([k, v]) => `${k}=${Array.isArray(v) ? 'tensor' : String(v)}`);
  return `${c.fn}(${JSON.stringify(c.input_shape)}, ${c.target_dtype} ${JSON.stringify(c.target_shape)}; ${opts.join(', ')})`;
}

// float32 against torch's float32: the same formulas in a different order of operations, so a
// few ulps on O(1) values, and the 1e-30 and ±100 logits probe stability rather than rounding.
const tol = { atol: 2e-6, rtol: 2e-5 };

describe('losses match torch.nn.functional (fixtures/layers2/losses.json)', () => {
  it('covers every loss, reduction and option', () => {
    expect(new Set(cases.map((c) => c.fn))).toEqual(new Set(Object.keys(functions)));
    expect(cases.length).toBeGreaterThan(90);
  });

  for (const [form, pick] of [['function', 0], ['module', 1]] as const) {
    it(`every case, as a ${form}: value and input gradient`, () => {
      for (const c of cases) {
        scope(() => {
          const x = tensor(c.input, { shape: c.input_shape, requiresGrad: c.grad_input !== null });
          const y = tensor(c.target, { shape: c.target_shape, dtype: c.target_dtype });
          const opts = nnOptions(c.options);
          const out = pick === 0
            ? (functions[c.fn][0] as AnyLoss)(x, y, opts)
            : new (functions[c.fn][1] as AnyLossClass)(opts).forward(x, y);
          const what = `${form} ${describeCase(c)}`;
          expect(out.shape, what).toEqual(c.output_shape);
          assertClose(out.dataSync(), typeof c.output === 'number' ? [c.output] : c.output.flat(4), tol, `${what}: value`);
          if (c.grad_input) {
            out.mul(tensor(c.upstream as number[], { shape: c.output_shape })).sum().backward();
            assertClose(x.grad!.dataSync(), c.grad_input.flat(4), tol, `${what}: gradient`);
          }
        });
      }
    });
  }

  it('leaves no buffer behind', () => {
    const before = memory().cpu!.buffers;
    const c = cases.find((k) => k.fn === 'crossEntropy' && k.options['labelSmoothing'] && k.options['weight'])!;
    scope(() => {
      const x = tensor(c.input, { shape: c.input_shape, requiresGrad: true });
      L.crossEntropy(x, tensor(c.target, { shape: c.target_shape, dtype: 'int32' }), nnOptions(c.options)).backward();
    });
    expect(memory().cpu!.buffers).toBe(before);
  });
});

describe("binaryCrossEntropy at inputs of exactly 0 and 1 (docs/from-pytorch.md's deliberate difference)", () => {
  it('the clamped log passes no gradient; the other term passes its own: (1 − y) at x = 0, −y at x = 1', () => {
    // PyTorch's backward is (x − y)/max(x(1 − x), 1e-12) there: 0, 0, −1e12, 1e12 for these four.
    const x = tensor([0, 1, 0, 1, 0, 1], { requiresGrad: true });
    L.binaryCrossEntropy(x, tensor([0, 1, 1, 0, 0.25, 0.25]), { reduction: 'sum' }).backward();
    expect(Array.from(x.grad!.dataSync(), (v) => v + 0)).toEqual([1, -1, 0, 0, 0.75, -0.25]); // + 0: −0 as 0
  });
});

describe('loss errors name the function, what was passed and what to pass', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  const cls = tensor([0, 2], { dtype: 'int32' });
  it('pointwise losses refuse mismatched shapes and bad options', () => {
    for (const [name, [fn, Cls]] of Object.entries(functions)) {
      if (name === 'crossEntropy' || name === 'nllLoss') continue;
      expect(() => (fn as AnyLoss)(x, tensor([1, 2]))).toThrow(ShapeError);
      expect(() => (fn as AnyLoss)(x, tensor([1, 2]))).toThrow(new RegExp(`${name}: input \\[2, 3\\] and target \\[2\\] differ`));
      expect(() => (fn as AnyLoss)(x, x, { reduction: 'avg' })).toThrow(ArgumentError);
      expect(() => (fn as AnyLoss)(x, x, { reduction: 'avg' })).toThrow(/option reduction must be 'mean' \| 'sum' \| 'none', got 'avg'/);
      expect(() => (fn as AnyLoss)(x, x, { bogus: 1 })).toThrow(/unknown option 'bogus'/);
      expect(() => (fn as AnyLoss)(undefined as unknown as Tensor, x)).toThrow(ArgumentError);
      expect(() => new (Cls as AnyLossClass)({ reduction: 'avg' })).toThrow(ArgumentError);
      expect(() => new (Cls as AnyLossClass)().forward(x, tensor([1]))).toThrow(/^[A-Za-z1]+Loss: input \[2, 3\] and target \[1\] differ/);
    }
    expect(() => L.huberLoss(x, x, { delta: 0 })).toThrow(/option delta must be a finite number > 0/);
    expect(() => L.smoothL1Loss(x, x, { beta: -1 })).toThrow(/option beta must be/);
    expect(() => L.binaryCrossEntropy(x, x, { weight: [1, 2] as unknown as Tensor })).toThrow(/binaryCrossEntropy: option weight must be a tensor/);
  });

  it('crossEntropy and nllLoss name the target forms, dtypes and the weight shape', () => {
    expect(() => L.crossEntropy(x, tensor([0, 2]))).toThrow(DTypeError);
    expect(() => L.crossEntropy(x, tensor([0, 2]))).toThrow(/crossEntropy: class-index targets must be int32, got float32.*target\.int\(\).*dtype: 'int32'/);
    expect(() => L.crossEntropy(x, tensor([0, 1, 2], { dtype: 'int32' }))).toThrow(/crossEntropy: target \[3\] fits neither form for input \[2, 3\]: class indices have shape \[2\]/);
    expect(() => L.crossEntropy(x, cls, { weight: tensor([1, 2]) })).toThrow(/weight \[2\] must have one entry per class, shape \[3\]/);
    expect(() => L.crossEntropy(x, x.softmax(1).int(), {})).toThrow(/holds class probabilities and must be float32/);
    expect(() => L.crossEntropy(x, x.softmax(1), { ignoreIndex: 1 })).toThrow(/ignoreIndex \(1\) applies to class-index targets/);
    expect(() => L.crossEntropy(x, cls, { labelSmoothing: 1.5 })).toThrow(/option labelSmoothing must be a finite number in \[0, 1\]/);
    expect(() => L.crossEntropy(tensor(1), cls)).toThrow(/crossEntropy: input is a scalar/);
    expect(() => L.nllLoss(x, x)).toThrow(/nllLoss: target \[2, 3\] has the input's shape; nllLoss takes class indices of shape \[2\]/);
    expect(() => new L.CrossEntropyLoss().forward(x, tensor([0, 2]))).toThrow(/^CrossEntropyLoss: /);
    expect(() => L.crossEntropy(x, tensor([0, 3], { dtype: 'int32' }))).toThrow(/gather.*3/);
  });
});
