import type { Tensor } from '@nn/core';
import { Module } from './module.js';

/** Modules applied one after another, as PyTorch's `nn.Sequential`; children are named 0, 1, 2... */
export class Sequential extends Module {
  /** The modules, in order. */
  readonly layers: readonly Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.registerModule(String(i), m));
  }

  /** Feed `x` through every layer in order. */
  forward(x: Tensor): Tensor {
    let out = x;
    for (const m of this.layers) out = m.forward(out);
    return out;
  }

  override toString(): string {
    const inner = this.layers.map((m, i) => `  (${i}): ${String(m)}`).join('\n');
    return `Sequential(\n${inner}\n)`;
  }
}
