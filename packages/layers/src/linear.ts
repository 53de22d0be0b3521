import { checkOptions, checkShape, isBoolean, isName, matmulT, ShapeError, showValue, type Device, type Tensor } from '@nn/core';
import { Module } from './module.js';
import { linearInitBound, uniform } from './init.js';

/** Options of `Linear`. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Device of the parameters (default: core's default device). */
  device?: Device;
}

/**
 * y = x·Wᵀ + b, as PyTorch's `nn.Linear`. The weight is stored [out, in] like
 * PyTorch's so that state can be copied across unchanged; the product uses
 * `matmulT(x, weight, false, true)`, so the transpose is never materialised.
 */
export class Linear extends Module {
  /** Input features. */
  readonly inFeatures: number;
  /** Output features. */
  readonly outFeatures: number;
  private readonly hasBias: boolean;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    for (const [name, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new ShapeError('Linear', `${name} must be a whole number ≥ 0, got ${showValue(v)}; e.g. new Linear(1000, 100)`);
      }
    }
    checkShape('Linear', [outFeatures, inFeatures], 'weight shape');
    checkOptions('Linear', opts, { bias: isBoolean, device: isName });
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const bound = linearInitBound(inFeatures);
    this.registerParameter('weight', uniform([outFeatures, inFeatures], bound, opts.device));
    this.hasBias = opts.bias ?? true;
    if (this.hasBias) this.registerParameter('bias', uniform([outFeatures], bound, opts.device));
  }

  /** The weight, shape [out, in]. */
  get weight(): Tensor {
    return this.param('weight');
  }

  /** The bias, shape [out], or null when made with `{ bias: false }`. */
  get bias(): Tensor | null {
    return this.hasBias ? this.param('bias') : null;
  }

  /** x·Wᵀ + b for x of shape [batch, in]. */
  forward(x: Tensor): Tensor {
    const y = matmulT(x, this.weight, false, true, 'Linear');
    const b = this.bias;
    return b ? y.add(b) : y;
  }

  override toString(): string {
    return `Linear(in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null})`;
  }
}
