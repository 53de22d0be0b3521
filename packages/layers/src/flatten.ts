import { ArgumentError, checkTensor, flatten, showValue, type Tensor } from '@nn/core';
import { Module } from './module.js';

/**
 * Flatten dims startDim..endDim into one, as PyTorch's `nn.Flatten` (defaults 1 and -1: keep
 * the batch dim, flatten the rest). A view when the input is contiguous (core's `flatten`).
 */
export class Flatten extends Module {
  /** First dim flattened. */
  readonly startDim: number;
  /** Last dim flattened (negative counts from the end). */
  readonly endDim: number;

  constructor(startDim = 1, endDim = -1) {
    super();
    for (const [name, v] of [['startDim', startDim], ['endDim', endDim]] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw new ArgumentError('Flatten', `${name} must be a whole number (a dim, negative from the end), got ${showValue(v)}; e.g. new Flatten(1, -1)`);
      }
    }
    this.startDim = startDim;
    this.endDim = endDim;
  }

  /** x with dims startDim..endDim merged. */
  forward(x: Tensor): Tensor {
    checkTensor('Flatten', x, 'input');
    return flatten(x, this.startDim, this.endDim);
  }

  override toString(): string {
    return `Flatten(start_dim=${this.startDim}, end_dim=${this.endDim})`;
  }
}
