import { describe, expect, it } from 'vitest';
import { ArgumentError, DTypeError, ShapeError, manualSeed, memory, noGrad, randn, registerBackend, scope, tensor, type Tensor } from '@nn/core';
import { assertClose, gradcheck } from '@nn/core/testing';
import { createCpuBackend } from '@nn/cpu';
import * as L from './index.js';
import { checkBatchNormCases, checkEmbeddingCases, checkLayerNormCases, normFixtures } from '../test/norm-cases.js';

registerBackend(createCpuBackend());

// float32 against torch's float32: both reduce in float32 in a different order (torch's Welford
// moments, nn's corrected two-pass mean), a few ulps on O(1) values; the fixture checks also allow
// torch's own distance from its float64 run (see closeToTorch in ../test/norm-cases.ts).
const tol = { atol: 1e-5, rtol: 1e-5 };

describe('LayerNorm, BatchNorm1d and Embedding match torch.nn (fixtures/norm)', () => {
  it('LayerNorm: one and several normalised dims, eps, no affine, no bias, a constant row, a mean of 100, a 1-D input', async () => {
    expect(await checkLayerNormCases('cpu', tol)).toBe(9);
  });

  it('BatchNorm1d on [N, C] and [N, C, L]: 3 training steps with running statistics, then eval, for each option', async () => {
    expect(await checkBatchNormCases('cpu', tol)).toBe(7);
  });

  it('Embedding: any index shape, repeated indices, paddingIdx (also negative), fromPretrained with a non-zero padding row', async () => {
    expect(await checkEmbeddingCases('cpu', { atol: 0, rtol: 0 })).toBe(7);
  });
});

describe('LayerNorm with a mean of 100 and a spread of 1 (the corrected mean, docs/from-pytorch.md)', () => {
  it("its input gradient is within 1e-6 of torch's float64 run, where torch's float32 one is 3e-5 off", () => {
    const c = meanHundredCase();
    const m = new L.LayerNorm(c.normalized_shape, c.options);
    noGrad(() => {
      if (c.weight) m.weight!.copy_(tensor(c.weight.flat(Infinity as 1) as number[], { shape: m.weight!.shape }));
      if (c.bias) m.bias!.copy_(tensor(c.bias.flat(Infinity as 1) as number[], { shape: m.bias!.shape }));
    });
    const x = tensor(c.input.flat(Infinity as 1) as number[], { shape: c.input_shape, requiresGrad: true });
    m.forward(x).mul(tensor(c.upstream.flat(Infinity as 1) as number[], { shape: c.output_shape })).sum().backward();
    const g = x.grad!.dataSync();
    const exact = c.grad_input_64.flat(Infinity as 1) as number[];
    const torch32 = c.grad_input.flat(Infinity as 1) as number[];
    const off = (a: ArrayLike<number>): number => Math.max(...exact.map((v, i) => Math.abs(a[i]! - v)));
    expect(off(torch32)).toBeGreaterThan(2e-5);
    expect(off(g)).toBeLessThan(1e-6);
  });
});

// The fixture case whose input has a mean near 100.
function meanHundredCase() {
  const c = normFixtures.layerNorm().find((k) => {
    const v = k.input.flat(Infinity as 1) as number[];
    return v.reduce((a, b) => a + b, 0) / v.length > 50;
  });
  expect(c, 'the mean-100 case of fixtures/norm/layernorm.json').toBeDefined();
  return c!;
}

describe('LayerNorm', () => {
  it('passes gradcheck with and without its affine parameters', () => {
    manualSeed(3);
    const ln = new L.LayerNorm([3, 4]);
    noGrad(() => {
      ln.weight!.copy_(randn([3, 4]));
      ln.bias!.copy_(randn([3, 4]));
    });
    for (const m of [ln, new L.LayerNorm(4, { elementwiseAffine: false })]) {
      const r = gradcheck((x) => m.forward(x), [randn([2, 3, 4])]);
      expect(r.ok, r.message).toBe(true);
    }
  });

  it('has torch’s parameters, names and errors', () => {
    const ln = new L.LayerNorm(5);
    expect(ln.namedParameters().map(([n, p]) => `${n} ${JSON.stringify(p.shape)}`)).toEqual(['weight [5]', 'bias [5]']);
    expect(Array.from(ln.weight!.dataSync())).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(ln.bias!.dataSync())).toEqual([0, 0, 0, 0, 0]);
    expect(new L.LayerNorm(5, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect(new L.LayerNorm(5, { elementwiseAffine: false }).parameters()).toEqual([]);
    expect(String(ln)).toBe('LayerNorm((5,), eps=1e-05, elementwise_affine=True)');
    expect(String(new L.LayerNorm([3, 4], { eps: 0.001 }))).toBe('LayerNorm((3, 4), eps=0.001, elementwise_affine=True)');
    expect(() => ln.forward(randn([2, 4]))).toThrow(ShapeError);
    expect(() => ln.forward(randn([2, 4]))).toThrow(/LayerNorm: input \[2, 4\] must end in normalizedShape \[5\]: it normalises over the last 1 dim; .*LayerNorm\(\[4\]\)/);
    expect(() => new L.LayerNorm([3, 4]).forward(randn([4]))).toThrow(/input \[4\] must end in normalizedShape \[3, 4\]/);
    expect(() => ln.forward(tensor([1, 2, 3, 4, 5], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => ln.forward(tensor([1, 2, 3, 4, 5], { dtype: 'int32' }))).toThrow(/x\.float\(\)/);
    expect(() => new L.LayerNorm([])).toThrow(/LayerNorm: normalizedShape must be a whole number or a non-empty array/);
    expect(() => new L.LayerNorm(2.5)).toThrow(ShapeError);
    expect(() => new L.LayerNorm({ eps: 1 } as never)).toThrow(/LayerNorm: expected normalizedShape .* first/);
    expect(() => new L.LayerNorm(5, { eps: -1 })).toThrow(/LayerNorm: option eps must be a finite number ≥ 0, got -1/);
    expect(() => new L.LayerNorm(5, { affine: true } as never)).toThrow(/LayerNorm: unknown option 'affine'; the options are eps, elementwiseAffine, bias, device/);
    expect(() => ln.forward(null as unknown as Tensor)).toThrow(ArgumentError);
  });
});

describe('BatchNorm1d', () => {
  it('refuses a training batch of one value per channel, as torch, and takes it in eval mode', () => {
    const bn = new L.BatchNorm1d(3);
    for (const shape of [[1, 3], [1, 3, 1]]) {
      expect(() => bn.forward(randn(shape))).toThrow(ShapeError);
      expect(() => bn.forward(randn(shape))).toThrow(
        new RegExp(`BatchNorm1d: expected more than 1 value per channel when training, got input \\[${shape.join(', ')}\\]; .*model\\.eval\\(\\)`),
      );
    }
    // The refusal comes before any update: the running statistics are untouched.
    expect(bn.numBatchesTracked!.item()).toBe(0);
    bn.eval();
    expect(bn.forward(tensor([[1, 2, 3]])).shape).toEqual([1, 3]);
    // [1, C, 2] has two values per channel: allowed.
    bn.train();
    expect(bn.forward(randn([1, 3, 2])).shape).toEqual([1, 3, 2]);
    // Without running statistics eval mode uses the batch's, so one value per channel is refused there too (as torch).
    const noStats = new L.BatchNorm1d(3, { trackRunningStats: false }).eval();
    expect(() => noStats.forward(randn([1, 3]))).toThrow(/more than 1 value per channel/);
  });

  it('updates its buffers in place, outside autograd; momentum null is the cumulative average', () => {
    manualSeed(4);
    const bn = new L.BatchNorm1d(2, { momentum: null });
    const rm = bn.runningMean!;
    const xs = [randn([5, 2]), randn([5, 2]), randn([5, 2])];
    for (const x of xs) scope(() => bn.forward(x.requiresGrad_()).sum().backward());
    // The same tensors, updated in place (an optimiser or a held reference sees the new values).
    expect(bn.runningMean).toBe(rm);
    expect(rm.requiresGrad).toBe(false);
    expect(rm.gradFn).toBeNull();
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
    expect(bn.numBatchesTracked!.item()).toBe(3);
    // Cumulative: the plain average of the three batch means and unbiased variances.
    const means = xs.map((x) => x.mean(0).dataSync());
    const vars = xs.map((x) => x.var(0).dataSync());
    for (let c = 0; c < 2; c++) {
      expect(rm.dataSync()[c]).toBeCloseTo((means[0]![c]! + means[1]![c]! + means[2]![c]!) / 3, 6);
      expect(bn.runningVar!.dataSync()[c]).toBeCloseTo((vars[0]![c]! + vars[1]![c]! + vars[2]![c]!) / 3, 6);
    }
  });

  it('saves and loads its running statistics under torch’s keys, and eval mode then gives the same output', () => {
    manualSeed(6);
    const model = new L.Sequential(new L.Linear(4, 3), new L.BatchNorm1d(3));
    for (let i = 0; i < 3; i++) scope(() => model.forward(randn([8, 4])));
    const sd = model.stateDict();
    expect([...sd.keys()]).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
    expect(sd.get('1.num_batches_tracked')!.dtype).toBe('int32');
    const back = L.loadNpz(L.saveNpz(sd));
    manualSeed(99);
    const fresh = new L.Sequential(new L.Linear(4, 3), new L.BatchNorm1d(3));
    fresh.loadStateDict(back);
    expect((fresh.namedModules()[2]![1] as L.BatchNorm1d).numBatchesTracked!.item()).toBe(3);
    const x = randn([5, 4]);
    assertClose(fresh.eval().forward(x).dataSync(), model.eval().forward(x).dataSync(), { atol: 0, rtol: 0 }, 'eval output after loading');
  });

  it('passes gradcheck in training mode (through the batch statistics) and in eval mode', () => {
    manualSeed(8);
    const bn = new L.BatchNorm1d(3);
    noGrad(() => {
      bn.weight!.copy_(randn([3]));
      bn.bias!.copy_(randn([3]));
    });
    for (const shape of [[4, 3], [2, 3, 3]]) {
      let r = gradcheck((x) => bn.forward(x), [randn(shape)]);
      expect(r.ok, r.message).toBe(true);
      bn.eval();
      r = gradcheck((x) => bn.forward(x), [randn(shape)]);
      expect(r.ok, r.message).toBe(true);
      bn.train();
    }
  });

  it('names bad arguments and inputs', () => {
    const bn = new L.BatchNorm1d(3);
    expect(String(bn)).toBe('BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)');
    expect(String(new L.BatchNorm1d(2, { momentum: null, affine: false }))).toBe('BatchNorm1d(2, eps=1e-05, momentum=None, affine=False, track_running_stats=True)');
    expect(new L.BatchNorm1d(2, { trackRunningStats: false }).buffers()).toEqual([]);
    expect(new L.BatchNorm1d(2, { affine: false }).parameters()).toEqual([]);
    expect(() => bn.forward(randn([2, 3, 4, 5]))).toThrow(/BatchNorm1d: expected a 2-D \[N, C\] or 3-D \[N, C, L\] input, got \[2, 3, 4, 5\] \(4-D\)/);
    expect(() => bn.forward(randn([3]))).toThrow(/x\.unsqueeze\(0\)/);
    expect(() => bn.forward(randn([2, 4]))).toThrow(/BatchNorm1d: input \[2, 4\] has 4 channels at dim 1, but the layer was built for numFeatures = 3/);
    expect(() => bn.forward(tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => new L.BatchNorm1d(0)).toThrow(/BatchNorm1d: numFeatures is the channel count C .* got 0; e.g. new BatchNorm1d\(64\)/);
    expect(() => new L.BatchNorm1d(3, { momentum: 2 })).toThrow(/BatchNorm1d: option momentum must be a number in \[0, 1\], or null for a cumulative moving average, got 2/);
    expect(() => new L.BatchNorm1d(3, { eps: Number.NaN })).toThrow(/option eps/);
    expect(() => new L.BatchNorm1d(3, { track_running_stats: false } as never)).toThrow(/unknown option 'track_running_stats'/);
  });
});

describe('Embedding', () => {
  it('a refused fromPretrained holds nothing of the table', () => {
    const before = memory().cpu!.buffers;
    const e = tensor([[1, 2], [3, 4]]);
    expect(() => L.Embedding.fromPretrained(e, { paddingIdx: 5 })).toThrow(/paddingIdx 5/);
    e.dispose();
    expect(memory().cpu!.buffers).toBe(before);
  });

  it('gives only the rows used a gradient, none to paddingIdx, whose fresh row is zero', () => {
    manualSeed(1);
    const e = new L.Embedding(5, 3, { paddingIdx: -2 });
    expect(e.paddingIdx).toBe(3);
    expect(Array.from(e.weight.narrow(0, 3, 1).dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(e.weight.narrow(0, 0, 1).dataSync()).every((v) => v !== 0)).toBe(true);
    e.forward(tensor([[0, 3], [0, 2]], { dtype: 'int32' })).sum().backward();
    expect(e.weight.grad!.toArray()).toEqual([[2, 2, 2], [0, 0, 0], [1, 1, 1], [0, 0, 0], [0, 0, 0]]);
    const y = e.forward(tensor([], { shape: [0, 2], dtype: 'int32' }));
    expect(y.shape).toEqual([0, 2, 3]);
  });

  it('fromPretrained is frozen by default, stays frozen through to(), and copies the table', () => {
    const w = tensor([[1, 2], [3, 4], [5, 6]]);
    const e = L.Embedding.fromPretrained(w);
    expect(e.weight.requiresGrad).toBe(false);
    expect(e.to('cpu').weight.requiresGrad).toBe(false);
    expect(e.forward(tensor([2, 0], { dtype: 'int32' })).toArray()).toEqual([[5, 6], [1, 2]]);
    const trainable = L.Embedding.fromPretrained(w, { freeze: false });
    expect(trainable.weight.requiresGrad).toBe(true);
    noGrad(() => trainable.weight.mul_(0));
    expect(w.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    // No random table is drawn for a pretrained one: the seeded stream is where it was.
    manualSeed(2);
    const a = randn([3]).toArray();
    manualSeed(2);
    L.Embedding.fromPretrained(w);
    expect(randn([3]).toArray()).toEqual(a);
    expect(String(L.Embedding.fromPretrained(w, { paddingIdx: 1 }))).toBe('Embedding(3, 2, padding_idx=1)');
  });

  it('names float indices, rows out of range and bad arguments', () => {
    const e = new L.Embedding(4, 2);
    expect(() => e.forward(tensor([0, 1]))).toThrow(DTypeError);
    expect(() => e.forward(tensor([0, 1]))).toThrow(/Embedding: input .* is float32; its values are row numbers and must be int32: use indices\.int\(\), or make it with \{ dtype: 'int32' \}/);
    expect(() => e.forward(tensor([0, 4], { dtype: 'int32' }))).toThrow(ShapeError);
    expect(() => e.forward(tensor([0, 4], { dtype: 'int32' }))).toThrow(/Embedding: .*index 4 .* out of bounds.*rows 0 to numEmbeddings − 1 = 3/);
    expect(() => e.forward(tensor([-1], { dtype: 'int32' }))).toThrow(/negative indices are refused/);
    expect(() => new L.Embedding(4, 2, { paddingIdx: 4 })).toThrow(/Embedding: paddingIdx 4 must be within numEmbeddings = 4: a row from -4 to 3/);
    expect(() => new L.Embedding(4, 2, { paddingIdx: 1.5 })).toThrow(/option paddingIdx must be a whole number/);
    expect(() => new L.Embedding(-1, 2)).toThrow(/Embedding: numEmbeddings must be a whole number ≥ 0, got -1/);
    expect(() => new L.Embedding(4, 2, { maxNorm: 1 } as never)).toThrow(/unknown option 'maxNorm'/);
    expect(() => L.Embedding.fromPretrained(tensor([1, 2]))).toThrow(/Embedding\.fromPretrained: embeddings must be 2-D/);
    expect(() => L.Embedding.fromPretrained(tensor([[1, 2]], { dtype: 'int32' }))).toThrow(/embeddings\.float\(\)/);
    expect(() => L.Embedding.fromPretrained(tensor([[1, 2]]), { freeze: 'no' } as never)).toThrow(/option freeze must be true or false/);
    expect(String(e)).toBe('Embedding(4, 2)');
  });
});
