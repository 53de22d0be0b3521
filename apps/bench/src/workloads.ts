import { manualSeed, randnArray } from '@nn/core';

/** Sizes of one training loop. */
export interface LoopSpec {
  /** Batch, input, hidden sizes (one or two) and output, in order. */
  sizes: number[];
  lr: number;
  steps: number;
}

/**
 * The training loops: W1 the seed program, W2 its three-layer form, W3 the seed program at scale,
 * W6 one epoch of the digits MLP (23 batches of 64, the last one 30: its flops count 23 full batches).
 */
export const loops = {
  W1: { sizes: [64, 1000, 100, 10], lr: 1e-6, steps: 500 },
  W2: { sizes: [64, 1000, 100, 100, 10], lr: 1e-8, steps: 500 },
  W3: { sizes: [512, 4096, 1024, 64], lr: 1e-9, steps: 50 },
  W6: { sizes: [64, 64, 64, 10], lr: 1e-2, steps: 23 },
} satisfies Record<string, LoopSpec>;

/** W4: one n×n by n×n product. */
export const W4_N = 1024;

/** The float32 inputs of a loop: x, y and the weights, as row-major arrays with shapes. */
export interface LoopData {
  x: Float32Array;
  y: Float32Array;
  w: Float32Array[];
  /** Shapes of x, y and each weight. */
  shapes: { x: number[]; y: number[]; w: number[][] };
}

/** Seeded inputs of a loop: x, y, then one randn weight per layer (as the seed program). */
export function loopData(spec: LoopSpec, seed: number): LoopData {
  manualSeed(seed);
  const s = spec.sizes;
  const [n, din] = [s[0]!, s[1]!];
  const dout = s[s.length - 1]!;
  const x = randnArray(n * din);
  const y = randnArray(n * dout);
  const wShapes: number[][] = [];
  for (let i = 1; i < s.length - 1; i++) wShapes.push([s[i]!, s[i + 1]!]);
  const w = wShapes.map((sh) => randnArray(sh[0]! * sh[1]!));
  return { x, y, w, shapes: { x: [n, din], y: [n, dout], w: wShapes } };
}

/** Multiply-add flops of the products in one step of a manual loop (forward and backward; elementwise work not counted). */
export function loopFlops(spec: LoopSpec): number {
  const s = spec.sizes;
  const n = s[0]!;
  let f = 0;
  for (let i = 1; i < s.length - 1; i++) {
    const [a, b] = [s[i]!, s[i + 1]!];
    // forward x·w, weight gradient xᵀ·g, and (except the first layer) input gradient g·wᵀ
    f += 2 * n * a * b * (i === 1 ? 2 : 3);
  }
  return f;
}

/** W4 inputs. */
export function matmulData(seed: number): { a: Float32Array; b: Float32Array } {
  manualSeed(seed);
  return { a: randnArray(W4_N * W4_N), b: randnArray(W4_N * W4_N) };
}
