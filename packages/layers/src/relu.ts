import type { Tensor } from '@nn/core';
import { Module } from './module.js';

/** max(x, 0) elementwise, as PyTorch's `nn.ReLU`; it has no parameters. */
export class ReLU extends Module {
  /** max(x, 0). */
  forward(x: Tensor): Tensor {
    return x.relu();
  }

  override toString(): string {
    return 'ReLU()';
  }
}
