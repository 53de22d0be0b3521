import { checkOptions, checkShape, checkTensor, fmtShape, isBoolean, isName, matmulT, ShapeError, showValue, type Device, type Tensor } from '@nn/core';
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

  /**
   * x·Wᵀ + b for x of shape [..., in] → [..., out], as PyTorch: any leading dims (none for a
   * single sample [in]) are folded into one batch dim for the 2-D product and unfolded after.
   */
  forward(x: Tensor): Tensor {
    checkTensor('Linear', x, 'input');
    const last = x.shape[x.shape.length - 1];
    if (x.shape.length === 0 || last !== this.inFeatures) {
      throw new ShapeError(
        'Linear',
        `input ${fmtShape(x.shape)} must end in in_features = ${this.inFeatures}, but ${x.shape.length === 0 ? 'it is a scalar' : `its last dim is ${last}`}; ` +
          `x·Wᵀ with weight ${fmtShape(this.weight.shape)}ᵀ maps [..., ${this.inFeatures}] to [..., ${this.outFeatures}] — reshape the input so its features come last`,
      );
    }
    const lead = x.shape.slice(0, -1);
    const x2 = x.shape.length === 2 ? x : x.reshape([lead.reduce((n, d) => n * d, 1), this.inFeatures]);
    const y2 = matmulT(x2, this.weight, false, true, 'Linear');
    const b = this.bias;
    const y = b ? y2.add(b) : y2;
    return x.shape.length === 2 ? y : y.reshape([...lead, this.outFeatures]);
  }

  override toString(): string {
    return `Linear(in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null})`;
  }
}
