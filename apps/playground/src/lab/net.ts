import { type Device, type Tensor } from '@nn/core';
import { GELU, LeakyReLU, Linear, ReLU, Sequential, Sigmoid, Tanh, type Module } from '@nn/layers';
import type { Activation } from './protocol.js';

/** The activation modules the lab offers, by their protocol name. */
export const ACTIVATIONS: Record<Activation, () => Module> = {
  relu: () => new ReLU(),
  tanh: () => new Tanh(),
  sigmoid: () => new Sigmoid(),
  gelu: () => new GELU(),
  leakyrelu: () => new LeakyReLU(),
};

/** What the lab reads of a Linear layer: a Linear, or the same x·Wᵀ + b over an imported Gemm's weights. */
export interface LabLinear {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  forward(x: Tensor): Tensor;
}

/**
 * The lab's net: 2 inputs, the hidden layers, 1 logit; the Linear layers and
 * activations in order. An imported graph that is not such a chain has no
 * linears and no activations: only `model` runs it.
 */
export interface LabNet {
  model: Module;
  linears: LabLinear[];
  activations: Module[];
  /** The hidden widths, input side first (empty for a graph that is not a chain). */
  hidden: number[];
}

/** Build 2 → hidden… → 1 as a Sequential (so it saves and exports as any nn model), on `device`. */
export function buildNet(hidden: readonly number[], activation: Activation, device: Device): LabNet {
  const linears: Linear[] = [];
  const activations: Module[] = [];
  const layers: Module[] = [];
  let width = 2;
  for (const h of hidden) {
    const lin = new Linear(width, h, { device });
    const act = ACTIVATIONS[activation]();
    linears.push(lin);
    activations.push(act);
    layers.push(lin, act);
    width = h;
  }
  const out = new Linear(width, 1, { device });
  linears.push(out);
  layers.push(out);
  return { model: new Sequential(...layers), linears, activations, hidden: [...hidden] };
}
