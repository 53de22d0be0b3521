/**
 * The messages between the lab's page and its trainer (a Web Worker, or the
 * page itself for a gpu mode gpu.js cannot run in a worker). Plain data only:
 * everything here crosses postMessage's structured clone.
 */

/** The 2-D data sets of @nn/data. */
export type DataName = 'moons' | 'circles' | 'spirals' | 'xor';
/** The hidden layers' activation, by PyTorch's class name in lower case. */
export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'gelu' | 'leakyrelu';
/** Where the lab trains. */
export type LabDevice = 'cpu' | 'webgl2' | 'webgpu';
/** The optimiser. */
export type OptimizerName = 'sgd' | 'adam';

/** What a change of rebuilds: the data, the net and the device. */
export interface LabConfig {
  data: DataName;
  /** Points in all (train and test). */
  n: number;
  /** Standard deviation of the Gaussian noise on each coordinate. */
  noise: number;
  /** Share of the points held out for testing (randomSplit). */
  testFraction: number;
  /** Width of each hidden layer, input side first. */
  hidden: number[];
  activation: Activation;
  seed: number;
  device: LabDevice;
}

/** What changes while training, without a rebuild. */
export interface LabLive {
  lr: number;
  batch: number;
  /** Switching the optimiser starts a fresh one (new moments) on the same weights. */
  optimizer: OptimizerName;
}

/** Page → trainer. */
export type ToTrainer =
  | { type: 'build'; config: LabConfig; live: LabLive }
  | { type: 'live'; live: LabLive }
  | { type: 'train' }
  | { type: 'pause' }
  | { type: 'step' }
  /** Post the current net as .onnx bytes (`exported`). */
  | { type: 'export' }
  /** Replace the net by an .onnx file's model (2 inputs, 1 logit) and keep the data; `name` is the file's. */
  | { type: 'import'; bytes: Uint8Array; name: string };

/** A hidden or output unit over the current batch (micrograd's value and grad, batch-wise). */
export interface NodeStat {
  /** Mean of the unit's output over the batch. */
  value: number;
  /** dL/d(output), summed over the batch: how the loss moves if the unit's output moved by 1 on every example. */
  grad: number;
}

/** What the trainer shows after a measured step. */
export interface Snapshot {
  step: number;
  /** Mean BCE-with-logits loss of the measured step's batch. */
  loss: number;
  trainAcc: number;
  testAcc: number;
  /** Steps per second since the last snapshot. */
  sps: number;
  /** P(class 1) on a size×size grid over `bounds`, row 0 at the top (largest y). */
  grid: Float32Array;
  /** Per hidden layer, per unit: its output on the same grid. */
  neurons: Float32Array[][];
  /** Per Linear layer: weight [out][in] rows and bias, after the step. */
  weights: number[][][];
  biases: number[][];
  /** Per Linear layer: weight and bias before the measured step (to recompute `nodes`). */
  weightsBefore: number[][][];
  biasesBefore: number[][];
  /** The measured step's batch: inputs [B·2] and labels. */
  batchX: number[];
  batchY: number[];
  /** Per hidden layer then the output layer: each unit's value and gradient on that batch. */
  nodes: NodeStat[][];
  /** HealthMonitor's findings now, as sentences (dead ReLU, vanishing or exploding gradients). */
  health: { kind: string; name: string; message: string }[];
}

/** What a build reports: the data and what really runs. */
export interface Built {
  /** Points as [x, y] pairs with labels, train and test. */
  train: { x: number[]; y: number[] };
  test: { x: number[]; y: number[] };
  /** The plane drawn: [xmin, xmax, ymin, ymax]. */
  bounds: [number, number, number, number];
  gridSize: number;
  hidden: number[];
  /** backend.info.runtime: `wasm-relaxed-simd` on the cpu; gpu.js's kernel class (`webgl2`, `webgpu`) on the gpu. */
  runtime: string;
  note: string;
  /** True when gpu.js runs a fallback, not the mode asked for. */
  fallback: boolean;
  /** Where the trainer runs: `worker` or `main thread`. */
  thread: string;
  /** Set when the net came from an .onnx file: its name, its ops, and why its units cannot be drawn (empty when they can). */
  imported?: { name: string; ops: string; chain: boolean; why: string };
}

/** Trainer → page. */
export type FromTrainer =
  | { type: 'built'; built: Built }
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'state'; state: 'ready' | 'training' | 'paused' }
  | { type: 'gpu-unavailable'; reason: string }
  | { type: 'error'; message: string }
  /** The current net as the bytes of an .onnx file (transferred), for the data set it trains on. */
  | { type: 'exported'; bytes: Uint8Array; data: DataName }
  /** An export or import failed; the net before it keeps training. */
  | { type: 'onnx-error'; action: 'export' | 'import'; message: string };
