// The PyTorch fixture checks of LayerNorm, BatchNorm1d and Embedding (fixtures/norm, made by
// scripts/make_norm.py), shared by the cpu suite (packages/layers/src/norm.test.ts) and the
// headless-gl one (packages/gpu/src/layers.gl.test.ts): each runs every case on `device`.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { noGrad, scope, tensor, type Device, type Tensor } from '@nn/core';
import { assertClose, type Tolerance } from '@nn/core/testing';
import { BatchNorm1d, Embedding, LayerNorm, type Module } from '@nn/layers';

const load = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../../fixtures/norm/${name}`, import.meta.url), 'utf8')) as T;
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
  layerNorm: (): LayerNormCase[] => load<{ cases: LayerNormCase[] }>('layernorm.json').cases,
  batchNorm: (): BatchNormCase[] => load<{ cases: BatchNormCase[] }>('batchnorm.json').cases,
  embedding: (): { cases: EmbeddingCase[]; pretrained: EmbeddingCase } => load('embedding.json'),
};

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
function checkStep(m: Module & { weight: Tensor | null; bias: Tensor | null }, s: Step, device: Device, tol: Tolerance, what: string): void {
  scope(() => {
    m.zeroGrad();
    const x = tensor(flat(s.input), { shape: s.input_shape, requiresGrad: true, device });
    const y = m.forward(x);
    expect(y.device, what).toBe(device);
    expect(y.shape, what).toEqual(s.output_shape);
    closeToTorch(y.dataSync(), s.output, s.output_64, tol, `${what}: value`);
    y.mul(tensor(flat(s.upstream), { shape: y.shape, device })).sum().backward();
    closeToTorch(x.grad!.dataSync(), s.grad_input, s.grad_input_64, tol, `${what}: input gradient`);
    if (s.grad_weight) closeToTorch(m.weight!.grad!.dataSync(), s.grad_weight, s.grad_weight_64, tol, `${what}: weight gradient`);
    if (s.grad_bias) closeToTorch(m.bias!.grad!.dataSync(), s.grad_bias, s.grad_bias_64, tol, `${what}: bias gradient`);
  });
}

/** Every LayerNorm case: value, input, weight and bias gradients. Returns the number of cases. */
export function checkLayerNormCases(device: Device, tol: Tolerance): number {
  const cases = normFixtures.layerNorm();
  for (const c of cases) {
    const m = new LayerNorm(c.normalized_shape, { ...c.options, device });
    setAffine(m, c.weight, c.bias, device);
    checkStep(m, c, device, tol, `${String(m)} ${JSON.stringify(c.options)} on ${JSON.stringify(c.input_shape)}`);
    m.dispose();
  }
  return cases.length;
}

/**
 * Every BatchNorm1d case: three training steps (value, gradients, running statistics and the step count
 * after each), then a step in eval mode; and the state dict's keys are torch's. Returns the number of cases.
 */
export function checkBatchNormCases(device: Device, tol: Tolerance): number {
  const cases = normFixtures.batchNorm();
  for (const c of cases) {
    const m = new BatchNorm1d(c.num_features, { ...c.options, device });
    setAffine(m, c.weight, c.bias, device);
    const what = `${String(m)} on ${JSON.stringify(c.shape)}`;
    expect([...m.stateDict().keys()], `${what}: state dict keys`).toEqual(c.state_dict_keys);
    c.train_steps.forEach((s, i) => {
      checkStep(m, s, device, tol, `${what}, training step ${i + 1}`);
      if (s.running_mean) {
        assertClose(m.runningMean!.dataSync(), s.running_mean, tol, `${what}, step ${i + 1}: running_mean`);
        assertClose(m.runningVar!.dataSync(), s.running_var!, tol, `${what}, step ${i + 1}: running_var`);
        expect(m.numBatchesTracked!.item(), `${what}, step ${i + 1}: num_batches_tracked`).toBe(s.num_batches_tracked);
      } else {
        expect(m.runningMean, `${what}: no running statistics`).toBeNull();
      }
    });
    m.eval();
    checkStep(m, c.eval, device, tol, `${what}, eval`);
    m.dispose();
  }
  return cases.length;
}

/** Every Embedding case and the fromPretrained one: values and the weight's gradient. Returns the number of cases. */
export function checkEmbeddingCases(device: Device, tol: Tolerance): number {
  const { cases, pretrained } = normFixtures.embedding();
  for (const c of [...cases, pretrained]) {
    scope(() => {
      const weight = tensor(c.weight, { device });
      const isPretrained = c === pretrained;
      const m = isPretrained
        ? Embedding.fromPretrained(weight, c.options)
        : new Embedding(c.weight.length, c.weight[0]!.length, { ...c.options, device });
      if (!isPretrained) noGrad(() => m.weight.copy_(weight));
      const idx = tensor(flat(c.index), { shape: c.index_shape, dtype: 'int32', device });
      const y = m.forward(idx);
      const what = `${String(m)}, ${c.name}`;
      expect(y.device, what).toBe(device);
      expect(y.shape, what).toEqual(c.output_shape);
      assertClose(y.dataSync(), flat(c.output), tol, `${what}: value`);
      y.mul(tensor(flat(c.upstream), { shape: y.shape, device })).sum().backward();
      assertClose(m.weight.grad!.dataSync(), flat(c.grad_weight), tol, `${what}: weight gradient`);
      m.dispose();
    });
  }
  return cases.length + 1;
}
