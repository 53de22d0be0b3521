import {
  ArgumentError, DTypeError, ShapeError, checkOptions, checkShape, checkTensor, fmtShape, isBoolean, isName, numberIn, ones, showValue, zeros,
  type Device, type Tensor,
} from '@nn/core';
import { Module } from './module.js';
import { centeredMoments } from './normstats.js';

/** Options of `LayerNorm`, as PyTorch's keyword arguments. */
export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn a per-element weight (init 1) and bias (init 0) of `normalizedShape` (default true). */
  elementwiseAffine?: boolean;
  /** Learn the bias too (default true; only read when `elementwiseAffine`), as PyTorch ≥ 2.1's `bias`. */
  bias?: boolean;
  /** Device of the parameters (default: core's default device). */
  device?: Device;
}

/**
 * (x − mean) / √(var + eps) · weight + bias over the last dims, as PyTorch's `nn.LayerNorm`:
 * mean and the biased variance (divided by N, not N − 1) are taken per sample over the trailing
 * dims that `normalizedShape` names, in training and eval mode alike. Built from core's mean and
 * rsqrt, so autograd differentiates it and it runs on any device.
 */
export class LayerNorm extends Module {
  /** The trailing dims normalised over. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance. */
  readonly eps: number;
  /** Whether there is a weight (and maybe a bias). */
  readonly elementwiseAffine: boolean;
  private readonly hasBias: boolean;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    if (typeof normalizedShape === 'object' && normalizedShape !== null && !Array.isArray(normalizedShape)) {
      throw new ArgumentError('LayerNorm', `expected normalizedShape (a number or an array of numbers) first, got ${showValue(normalizedShape)}; e.g. new LayerNorm(64, { eps: 1e-5 })`);
    }
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0) {
      throw new ShapeError('LayerNorm', `normalizedShape must be a whole number or a non-empty array of them (the trailing dims to normalise over), got ${showValue(normalizedShape)}; e.g. new LayerNorm(64) or new LayerNorm([3, 4])`);
    }
    checkShape('LayerNorm', shape, 'normalizedShape');
    checkOptions('LayerNorm', opts, { eps: numberIn(0), elementwiseAffine: isBoolean, bias: isBoolean, device: isName });
    this.normalizedShape = [...shape];
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    this.hasBias = this.elementwiseAffine && (opts.bias ?? true);
    const device = opts.device ? { device: opts.device } : {};
    if (this.elementwiseAffine) this.registerParameter('weight', ones(this.normalizedShape, device));
    if (this.hasBias) this.registerParameter('bias', zeros(this.normalizedShape, device));
  }

  /** The weight, of `normalizedShape`, or null without `elementwiseAffine`. */
  get weight(): Tensor | null {
    return this.elementwiseAffine ? this.param('weight') : null;
  }

  /** The bias, of `normalizedShape`, or null without `elementwiseAffine` or with `{ bias: false }`. */
  get bias(): Tensor | null {
    return this.hasBias ? this.param('bias') : null;
  }

  /** x normalised over its last `normalizedShape.length` dims, then scaled and shifted; same shape as x. */
  forward(x: Tensor): Tensor {
    checkTensor('LayerNorm', x, 'input');
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(x.shape.length - k);
    if (x.shape.length < k || tail.some((n, i) => n !== this.normalizedShape[i])) {
      throw new ShapeError(
        'LayerNorm',
        `input ${fmtShape(x.shape)} must end in normalizedShape ${fmtShape(this.normalizedShape)}: it normalises over the last ${k} dim${k === 1 ? '' : 's'}; ` +
          `reshape or permute the input so those dims come last, or build LayerNorm(${JSON.stringify(x.shape.slice(-k))})`,
      );
    }
    if (x.dtype !== 'float32') throw new DTypeError('LayerNorm', `input ${x.describe()} is ${x.dtype}; LayerNorm normalises float32 values, as PyTorch: convert with x.float()`);
    const dims = this.normalizedShape.map((_, i) => x.shape.length - k + i);
    // PyTorch divides by N (the biased variance).
    const { centered, variance } = centeredMoments(x, dims);
    const normed = centered.mul(variance.add(this.eps).rsqrt());
    const w = this.weight;
    const b = this.bias;
    const scaled = w ? normed.mul(w) : normed;
    return b ? scaled.add(b) : scaled;
  }

  override toString(): string {
    return `LayerNorm((${this.normalizedShape.join(', ')}${k1(this.normalizedShape)}), eps=${pyFloat(this.eps)}, elementwise_affine=${this.elementwiseAffine ? 'True' : 'False'})`;
  }
}

// Python writes a one-element tuple with a trailing comma: (5,).
const k1 = (s: readonly number[]): string => (s.length === 1 ? ',' : '');

// A number as Python's repr writes it, for toString: 1e-05 (JavaScript writes 0.00001).
function pyFloat(v: number): string {
  if (v === 0 || Math.abs(v) >= 1e-4) return String(v);
  return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
}
