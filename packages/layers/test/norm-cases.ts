// The PyTorch fixture checks of LayerNorm, BatchNorm1d and Embedding (fixtures/norm, made by
// scripts/make_norm.py), shared by the cpu suite (packages/layers/src/norm.test.ts) and the gpu
// ones (packages/gpu/src/layers.*.test.ts): each runs every case on `device`. Every read is
// `await t.data()`, so that WebGPU devices (no synchronous read) run the very same checks; the
// fixtures are JSON modules, so that the Chromium suites (no fs) load them too.
import { expect } from 'vitest';
import { dispose, noGrad, scope, tensor, type Device, type Tensor } from '@nn/core';
import { assertClose, type Tolerance } from '@nn/core/testing';
import { BatchNorm1d, Embedding, LayerNorm, type Module } from '@nn/layers';
import batchnormJson from '../../../fixtures/norm/batchnorm.json' with { type: 'json' };
import embeddingJson from '../../../fixtures/norm/embedding.json' with { type: 'json' };
import layernormJson from '../../../fixtures/norm/layernorm.json' with { type: 'json' };

const flat = (v: unknown): number[] => (Array.isArray(v) ? (v as unknown[]).flatMap(flat) : [v as number]);

/** One forward and backward as the script ran it: value, and the gradients of sum(out · upstream). */
interface Step {
  input: number[];
  input_shape: number[];
  upstream: number[];
  output: number[];
  output_shape: number[];
  grad_input: number[];
  grad_weight: number[] | null;
  grad_bias: number[] | null;
  output_64: number[];
  grad_input_64: number[];
  grad_weight_64: number[] | null;
  grad_bias_64: number[] | null;
}

interface LayerNormCase extends Step {
  normalized_shape: number[];
  options: { eps?: number; elementwiseAffine?: boolean; bias?: boolean };
  weight: number[] | null;
  bias: number[] | null;
}

interface BatchNormStep extends Step {
  running_mean?: number[];
  running_var?: number[];
  num_batches_tracked?: number;
}

interface BatchNormCase {
  num_features: number;
  shape: number[];
  options: { eps?: number; momentum?: number | null; affine?: boolean; trackRunningStats?: boolean };
  weight: number[] | null;
  bias: number[] | null;
  train_steps: BatchNormStep[];
  eval: Step;
  state_dict_keys: string[];
}

interface EmbeddingCase {
  name: string;
  options: { paddingIdx?: number; freeze?: boolean };
  weight: number[][];
  index: number | number[];
  index_shape: number[];
  upstream: number[];
  output: number[];
  output_shape: number[];
  grad_weight: number[][];
}

/** The fixtures' case lists. */
export const normFixtures = {
  layerNorm: (): LayerNormCase[] => (layernormJson as unknown as { cases: LayerNormCase[] }).cases,
  batchNorm: (): BatchNormCase[] => (batchnormJson as unknown as { cases: BatchNormCase[] }).cases,
  embedding: (): { cases: EmbeddingCase[]; pretrained: EmbeddingCase } => embeddingJson as unknown as { cases: EmbeddingCase[]; pretrained: EmbeddingCase },
};

/** The values of `t`, read as a WebGPU device allows (asynchronously). */
export async function read(t: Tensor): Promise<Float32Array> {
  return Float32Array.from(await t.data());
}

// Copy torch's weight and bias into the module's parameters (they start at 1 and 0) and drop any gradient.
function setAffine(m: Module & { weight: Tensor | null; bias: Tensor | null }, w: number[] | null, b: number[] | null, device: Device): void {
  noGrad(() => {
    if (w) m.weight!.copy_(tensor(flat(w), { shape: m.weight!.shape, device }));
    if (b) m.bias!.copy_(tensor(flat(b), { shape: m.bias!.shape, device }));
  });
  expect(m.weight === null, 'weight presence').toBe(w === null);
  expect(m.bias === null, 'bias presence').toBe(b === null);
  m.zeroGrad();
}

/**
 * `actual` against torch's float32 `expected`, each element within tol plus torch's own error there
 * (|expected − exact|, `exact` being torch's float64 run from the same float32 inputs): nn must be as close
 * to torch as torch is to the exact value, no more is asked where torch's float32 rounding is the larger.
 */
function closeToTorch(actual: ArrayLike<number>, expected: unknown, exact: unknown, tol: Tolerance, what: string): void {
  const e = flat(expected);
  const x = flat(exact);
  expect(actual.length, `${what}: length`).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    const bound = (tol.atol ?? 0) + (tol.rtol ?? 0) * Math.abs(e[i]!) + Math.abs(e[i]! - x[i]!);
    if (!(Math.abs(actual[i]! - e[i]!) <= bound)) {
      throw new Error(`${what}: index ${i} is ${actual[i]}, torch float32 ${e[i]} (float64 ${x[i]}); |diff| ${Math.abs(actual[i]! - e[i]!)} > ${bound}`);
    }
  }
}

// Run `m` on the step's input and compare the value and every gradient with torch's.
async function checkStep(m: Module & { weight: Tensor | null; bias: Tensor | null }, s: Step, device: Device, tol: Tolerance, what: string): Promise<void> {
  // The ops run in a (synchronous) scope; what it returns is read afterwards, then freed.
  const { y, gx } = scope(() => {
    m.zeroGrad();
    const x = tensor(flat(s.input), { shape: s.input_shape, requiresGrad: true, device });
    const out = m.forward(x);
    out.mul(tensor(flat(s.upstream), { shape: out.shape, device })).sum().backward();
    return { y: out, gx: x.grad! };
  });
  try {
    expect(y.device, what).toBe(device);
    expect(y.shape, what).toEqual(s.output_shape);
    closeToTorch(await read(y), s.output, s.output_64, tol, `${what}: value`);
    closeToTorch(await read(gx), s.grad_input, s.grad_input_64, tol, `${what}: input gradient`);
    if (s.grad_weight) closeToTorch(await read(m.weight!.grad!), s.grad_weight, s.grad_weight_64, tol, `${what}: weight gradient`);
    if (s.grad_bias) closeToTorch(await read(m.bias!.grad!), s.grad_bias, s.grad_bias_64, tol, `${what}: bias gradient`);
  } finally {
    dispose([y, gx]);
  }
}

/** Every LayerNorm case: value, input, weight and bias gradients. Returns the number of cases. */
export async function checkLayerNormCases(device: Device, tol: Tolerance): Promise<number> {
  const cases = normFixtures.layerNorm();
  for (const c of cases) {
    const m = new LayerNorm(c.normalized_shape, { ...c.options, device });
    setAffine(m, c.weight, c.bias, device);
    await checkStep(m, c, device, tol, `${String(m)} ${JSON.stringify(c.options)} on ${JSON.stringify(c.input_shape)}`);
    m.dispose();
  }
  return cases.length;
}

/**
 * Every BatchNorm1d case: three training steps (value, gradients, running statistics and the step count
 * after each), then a step in eval mode; and the state dict's keys are torch's. Returns the number of cases.
 */
export async function checkBatchNormCases(device: Device, tol: Tolerance): Promise<number> {
  const cases = normFixtures.batchNorm();
  for (const c of cases) {
    const m = new BatchNorm1d(c.num_features, { ...c.options, device });
    setAffine(m, c.weight, c.bias, device);
    const what = `${String(m)} on ${JSON.stringify(c.shape)}`;
    expect([...m.stateDict().keys()], `${what}: state dict keys`).toEqual(c.state_dict_keys);
    for (const [i, s] of c.train_steps.entries()) {
      await checkStep(m, s, device, tol, `${what}, training step ${i + 1}`);
      if (s.running_mean) {
        assertClose(await read(m.runningMean!), s.running_mean, tol, `${what}, step ${i + 1}: running_mean`);
        assertClose(await read(m.runningVar!), s.running_var!, tol, `${what}, step ${i + 1}: running_var`);
        expect((await read(m.numBatchesTracked!))[0], `${what}, step ${i + 1}: num_batches_tracked`).toBe(s.num_batches_tracked);
      } else {
        expect(m.runningMean, `${what}: no running statistics`).toBeNull();
      }
    }
    m.eval();
    await checkStep(m, c.eval, device, tol, `${what}, eval`);
    m.dispose();
  }
  return cases.length;
}

/** Every Embedding case and the fromPretrained one: values and the weight's gradient. Returns the number of cases. */
export async function checkEmbeddingCases(device: Device, tol: Tolerance): Promise<number> {
  const { cases, pretrained } = normFixtures.embedding();
  for (const c of [...cases, pretrained]) {
    const { m, y } = scope(() => {
      const weight = tensor(c.weight, { device });
      const isPretrained = c === pretrained;
      const emb = isPretrained
        ? Embedding.fromPretrained(weight, c.options)
        : new Embedding(c.weight.length, c.weight[0]!.length, { ...c.options, device });
      if (!isPretrained) noGrad(() => emb.weight.copy_(weight));
      const idx = tensor(flat(c.index), { shape: c.index_shape, dtype: 'int32', device });
      const out = emb.forward(idx);
      out.mul(tensor(flat(c.upstream), { shape: out.shape, device })).sum().backward();
      // The weight (fromPretrained's may be made here) is the module's: returned so that the scope keeps it.
      return { m: emb, y: out, weight: emb.weight };
    });
    const what = `${String(m)}, ${c.name}`;
    try {
      expect(y.device, what).toBe(device);
      expect(y.shape, what).toEqual(c.output_shape);
      assertClose(await read(y), flat(c.output), tol, `${what}: value`);
      assertClose(await read(m.weight.grad!), flat(c.grad_weight), tol, `${what}: weight gradient`);
    } finally {
      y.dispose();
      m.dispose();
    }
  }
  return cases.length + 1;
}
