import {
  DTypeError, ShapeError, checkOptions, checkTensor, fmtShape, isBoolean, isName, noGrad, numberIn, ones, scope, showValue, zeros,
  type Device, type OptionRule, type Tensor,
} from '@nn/core';
import { Module } from './module.js';
import { centeredMoments } from './normstats.js';

/** Options of `BatchNorm1d`, as PyTorch's keyword arguments. */
export interface BatchNorm1dOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of the new batch in the running statistics (default 0.1); null for a cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel weight (init 1) and bias (init 0) (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true); without them eval mode uses the batch's. */
  trackRunningStats?: boolean;
  /** Device of the parameters and buffers (default: core's default device). */
  device?: Device;
}

const isMomentum: OptionRule = {
  accepts: 'a number in [0, 1], or null for a cumulative moving average',
  ok: (v) => v === null || numberIn(0, 1).ok(v),
};

/**
 * Batch normalisation over the channel dim of [N, C] or [N, C, L], as PyTorch's `nn.BatchNorm1d`.
 * In training mode each channel is normalised with the batch's mean and biased variance (over N, or
 * N and L), and the running statistics are updated in place without recording a graph:
 * running = (1 − momentum)·running + momentum·batch, with the unbiased variance (divided by n − 1),
 * as PyTorch; `num_batches_tracked` counts the steps. In eval mode the running statistics are used.
 * The buffers are in `stateDict()` under PyTorch's names (`running_mean`, `running_var`,
 * `num_batches_tracked`, the last int32 where PyTorch's is int64).
 */
export class BatchNorm1d extends Module {
  /** C, the channels. */
  readonly numFeatures: number;
  /** Added to the variance. */
  readonly eps: number;
  /** Weight of each new batch in the running statistics; null for a cumulative average. */
  readonly momentum: number | null;
  /** Whether there is a weight and bias. */
  readonly affine: boolean;
  /** Whether running statistics are kept. */
  readonly trackRunningStats: boolean;

  constructor(numFeatures: number, opts: BatchNorm1dOptions = {}) {
    super();
    if (typeof numFeatures !== 'number' || !Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new ShapeError('BatchNorm1d', `numFeatures is the channel count C of an [N, C] or [N, C, L] input and must be a whole number ≥ 1, got ${showValue(numFeatures)}; e.g. new BatchNorm1d(64)`);
    }
    checkOptions('BatchNorm1d', opts, { eps: numberIn(0), momentum: isMomentum, affine: isBoolean, trackRunningStats: isBoolean, device: isName });
    this.numFeatures = numFeatures;
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    const device = opts.device ? { device: opts.device } : {};
    if (this.affine) {
      this.registerParameter('weight', ones([numFeatures], device));
      this.registerParameter('bias', zeros([numFeatures], device));
    }
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], device));
      this.registerBuffer('running_var', ones([numFeatures], device));
      this.registerBuffer('num_batches_tracked', zeros([], { ...device, dtype: 'int32' }));
    }
  }

  /** The per-channel weight [C], or null without `affine`. */
  get weight(): Tensor | null {
    return this.affine ? this.param('weight') : null;
  }

  /** The per-channel bias [C], or null without `affine`. */
  get bias(): Tensor | null {
    return this.affine ? this.param('bias') : null;
  }

  /** The running mean [C] (buffer `running_mean`), or null without `trackRunningStats`. */
  get runningMean(): Tensor | null {
    return this.trackRunningStats ? this.buffer('running_mean') : null;
  }

  /** The running unbiased variance [C] (buffer `running_var`), or null without `trackRunningStats`. */
  get runningVar(): Tensor | null {
    return this.trackRunningStats ? this.buffer('running_var') : null;
  }

  /** Training steps taken, a 0-d int32 tensor (buffer `num_batches_tracked`), or null without `trackRunningStats`. */
  get numBatchesTracked(): Tensor | null {
    return this.trackRunningStats ? this.buffer('num_batches_tracked') : null;
  }

  /** x normalised per channel (batch statistics in training mode, running ones in eval mode), then scaled and shifted. */
  forward(x: Tensor): Tensor {
    checkTensor('BatchNorm1d', x, 'input');
    if (x.ndim !== 2 && x.ndim !== 3) {
      throw new ShapeError('BatchNorm1d', `expected a 2-D [N, C] or 3-D [N, C, L] input, got ${fmtShape(x.shape)} (${x.ndim}-D); for one sample add the batch dim with x.unsqueeze(0)`);
    }
    if (x.shape[1] !== this.numFeatures) {
      throw new ShapeError('BatchNorm1d', `input ${fmtShape(x.shape)} has ${x.shape[1]} channels at dim 1, but the layer was built for numFeatures = ${this.numFeatures}; channels come at dim 1 ([N, C] or [N, C, L])`);
    }
    if (x.dtype !== 'float32') throw new DTypeError('BatchNorm1d', `input ${x.describe()} is ${x.dtype}; BatchNorm1d normalises float32 values, as PyTorch: convert with x.float()`);
    const dims = x.ndim === 2 ? [0] : [0, 2];
    const statShape = x.ndim === 2 ? [1, this.numFeatures] : [1, this.numFeatures, 1];
    // As PyTorch: batch statistics in training mode, and in eval mode when there are no running ones.
    const useBatch = this.training || !this.trackRunningStats;
    let normed: Tensor;
    if (useBatch) {
      const n = x.size / this.numFeatures;
      if (n === 1) {
        throw new ShapeError('BatchNorm1d', `expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}; the variance of one value is 0 — use a batch of 2 or more, or call model.eval() to use the running statistics`);
      }
      const { mean, centered, variance } = centeredMoments(x, dims);
      if (this.training && this.trackRunningStats) this.updateRunningStats(mean, variance, n);
      normed = centered.mul(variance.add(this.eps).rsqrt());
    } else {
      const rm = this.buffer('running_mean').reshape(statShape);
      const rv = this.buffer('running_var').reshape(statShape);
      normed = x.sub(rm).mul(rv.add(this.eps).rsqrt());
    }
    const w = this.weight;
    const b = this.bias;
    if (!w || !b) return normed;
    return normed.mul(w.reshape(statShape)).add(b.reshape(statShape));
  }

  // running = (1 − f)·running + f·batch in place, outside autograd, f = momentum or 1/num_batches_tracked.
  // The cumulative factor is computed on the device from the counter, so no step reads it back.
  private updateRunningStats(mean: Tensor, biasedVar: Tensor, n: number): void {
    noGrad(() =>
      scope(() => {
        const count = this.buffer('num_batches_tracked');
        count.add_(1);
        const c = this.numFeatures;
        const batchMean = mean.reshape([c]);
        // PyTorch keeps the unbiased variance: Σ(x − mean)² / (n − 1).
        const batchVar = biasedVar.reshape([c]).mul(n / (n - 1));
        const rm = this.buffer('running_mean');
        const rv = this.buffer('running_var');
        if (this.momentum === null) {
          const f = count.float().reciprocal();
          const keepF = f.mul(-1).add(1);
          rm.mul_(keepF).add_(batchMean.mul(f));
          rv.mul_(keepF).add_(batchVar.mul(f));
        } else {
          rm.mul_(1 - this.momentum).add_(batchMean.mul(this.momentum));
          rv.mul_(1 - this.momentum).add_(batchVar.mul(this.momentum));
        }
      }),
    );
  }

  override toString(): string {
    const py = (v: boolean): string => (v ? 'True' : 'False');
    return `BatchNorm1d(${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : this.momentum}, affine=${py(this.affine)}, track_running_stats=${py(this.trackRunningStats)})`;
  }
}

// A number as Python's repr writes it, for toString: 1e-05 (JavaScript writes 0.00001).
function pyFloat(v: number): string {
  if (v === 0 || Math.abs(v) >= 1e-4) return String(v);
  return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
}
