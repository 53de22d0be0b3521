// The models exportOnnx is checked on: the node test runs each in ONNX Runtime (onnxruntime-node) and the
// python check (scripts/check-models.py) reads the files they export; a browser test can run them in
// onnxruntime-web. No node: imports and no test framework here, so a page can import this file.
import { Generator, manualSeed, noGrad, randint, randn, scope, type Tensor } from '@nn/core';
import {
  BatchNorm1d, Dropout, Embedding, Flatten, GELU, LayerNorm, LeakyReLU, Linear, LogSoftmax, ReLU, Sequential, Sigmoid, Softmax, Tanh,
  type Module,
} from '@nn/layers';

/** One model to export: how to build it (seeded, eval mode), its example input and the ONNX ops it must become. */
export interface ExportCase {
  /** A file-name-safe name (`fixtures/exported/<name>.onnx`). */
  name: string;
  /** Build the model: the same weights on every call (seeded), in eval mode. */
  build(): Module;
  /** The example input's shape; dim 0 is the batch, which the exported model leaves dynamic. */
  inputShape: readonly number[];
  /** Int32 indices in [0, indices) as input (Embedding) instead of float32 values. */
  indices?: number;
  /** The op_type of each node in order, Constant nodes left out. */
  ops: readonly string[];
}

// Each case seeds the global generator itself, so the order the cases are built in does not matter.
function seeded(seed: number, make: () => Module): () => Module {
  return () => {
    manualSeed(seed);
    return make().eval();
  };
}

// A few training-mode forwards give BatchNorm running statistics that are not the initial 0 and 1.
function warmedUp(model: Module, shape: readonly number[]): Module {
  const generator = new Generator(7);
  noGrad(() => scope(() => {
    for (let i = 0; i < 3; i++) model.forward(randn(shape, { generator }).mul(2).add(0.5));
  }));
  return model;
}

const shared = (): Module => {
  const tied = new Linear(4, 4);
  return new Sequential(tied, new Tanh(), tied);
};

/** Every exported model checked: each @nn/layers module with an ONNX counterpart, and the digits MLP. */
export const EXPORT_CASES: readonly ExportCase[] = [
  { name: 'linear', build: seeded(1, () => new Linear(5, 3)), inputShape: [2, 5], ops: ['Gemm'] },
  { name: 'linear-3d', build: seeded(2, () => new Linear(4, 6)), inputShape: [2, 3, 4], ops: ['Transpose', 'MatMul', 'Add'] },
  { name: 'linear-no-bias', build: seeded(3, () => new Sequential(new Linear(4, 6, { bias: false }), new Linear(6, 2, { bias: false }))), inputShape: [2, 3, 4], ops: ['Transpose', 'MatMul', 'Transpose', 'MatMul'] },
  {
    name: 'activations',
    // Each activation right after a Linear, so it sees both signs (LeakyReLU after Sigmoid would see only x > 0).
    build: seeded(4, () => new Sequential(new Linear(6, 8), new ReLU(), new Linear(8, 8), new Tanh(), new Linear(8, 8), new Sigmoid(), new Linear(8, 8), new LeakyReLU(0.2))),
    inputShape: [3, 6],
    ops: ['Gemm', 'Relu', 'Gemm', 'Tanh', 'Gemm', 'Sigmoid', 'Gemm', 'LeakyRelu'],
  },
  // The inputs are N(0, 1)·3 (exportCaseInput), so GELU sees both tails, where erf and tanh saturate.
  { name: 'gelu', build: seeded(5, () => new Sequential(new Linear(6, 8), new GELU())), inputShape: [3, 6], ops: ['Gemm', 'Div', 'Erf', 'Add', 'Mul', 'Mul'] },
  {
    name: 'gelu-tanh',
    build: seeded(6, () => new Sequential(new Linear(6, 8), new GELU({ approximate: 'tanh' }))),
    inputShape: [3, 6],
    ops: ['Gemm', 'Mul', 'Mul', 'Mul', 'Add', 'Mul', 'Tanh', 'Add', 'Mul', 'Mul'],
  },
  { name: 'softmax', build: seeded(7, () => new Sequential(new Linear(6, 5), new Softmax(1))), inputShape: [3, 6], ops: ['Gemm', 'Softmax'] },
  {
    name: 'softmax-3d',
    build: seeded(8, () => new Sequential(new Linear(6, 5), new Softmax(1), new Linear(5, 4), new LogSoftmax(-1))),
    inputShape: [2, 3, 6],
    ops: ['Transpose', 'MatMul', 'Add', 'Softmax', 'Transpose', 'MatMul', 'Add', 'LogSoftmax'],
  },
  { name: 'flatten', build: seeded(9, () => new Sequential(new Flatten(), new Linear(12, 4))), inputShape: [2, 3, 4], ops: ['Flatten', 'Gemm'] },
  { name: 'flatten-middle', build: seeded(10, () => new Sequential(new Flatten(1, 2), new Linear(4, 3))), inputShape: [2, 2, 3, 4], ops: ['Reshape', 'Transpose', 'MatMul', 'Add'] },
  { name: 'layernorm', build: seeded(11, () => new Sequential(new Linear(6, 8), new LayerNorm(8), new ReLU())), inputShape: [3, 6], ops: ['Gemm', 'LayerNormalization', 'Relu'] },
  { name: 'layernorm-2d-no-affine', build: seeded(12, () => new LayerNorm([3, 4], { elementwiseAffine: false, eps: 1e-3 })), inputShape: [2, 3, 4], ops: ['LayerNormalization'] },
  {
    name: 'batchnorm',
    build: seeded(13, () => warmedUp(new Sequential(new Linear(6, 8), new BatchNorm1d(8), new ReLU()), [16, 6])),
    inputShape: [3, 6],
    ops: ['Gemm', 'BatchNormalization', 'Relu'],
  },
  { name: 'batchnorm-3d-no-affine', build: seeded(14, () => warmedUp(new BatchNorm1d(3, { affine: false, momentum: null }), [4, 3, 5])), inputShape: [2, 3, 5], ops: ['BatchNormalization'] },
  { name: 'dropout', build: seeded(15, () => new Sequential(new Linear(6, 6), new Dropout(0.5), new ReLU(), new Dropout(0.2))), inputShape: [3, 6], ops: ['Gemm', 'Relu'] },
  { name: 'dropout-alone', build: seeded(16, () => new Dropout(0.3)), inputShape: [3, 6], ops: ['Identity'] },
  { name: 'nested', build: seeded(17, () => new Sequential(new Sequential(new Linear(5, 7), new ReLU()), new Linear(7, 2))), inputShape: [2, 5], ops: ['Gemm', 'Relu', 'Gemm'] },
  { name: 'tied-weights', build: seeded(18, shared), inputShape: [2, 4], ops: ['Gemm', 'Tanh', 'Gemm'] },
  {
    name: 'embedding',
    build: seeded(19, () => new Sequential(new Embedding(10, 4), new Flatten(), new Linear(12, 3))),
    inputShape: [2, 3],
    indices: 10,
    ops: ['Gather', 'Flatten', 'Gemm'],
  },
  // apps/example's digits task: 8×8 images as 64 features, an MLP 64 → 64 → 10 with ReLU (task.ts's layers).
  { name: 'digits-mlp', build: seeded(20, () => new Sequential(new Linear(64, 64), new ReLU(), new Linear(64, 10))), inputShape: [2, 64], ops: ['Gemm', 'Relu', 'Gemm'] },
];

/** A seeded input for `c` with `batch` rows (the same on every call): N(0, 1)·3 values, or indices. */
export function exportCaseInput(c: ExportCase, batch: number): Tensor {
  const shape = [batch, ...c.inputShape.slice(1)];
  const generator = new Generator(1000 + batch);
  if (c.indices !== undefined) return randint(0, c.indices, shape, { generator });
  // Scaled by 3 so activations see both tails (GELU's erf, Sigmoid's, Tanh's saturation).
  return randn(shape, { generator }).mul(3);
}
