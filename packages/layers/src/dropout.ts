import { ArgumentError, Generator, checkOptions, checkTensor, rand, showValue, type OptionRule, type Tensor } from '@nn/core';

/** Options of `Dropout`. */
export interface DropoutOptions {
  /** The generator the masks are drawn from (default: the global one that `manualSeed` seeds). */
  generator?: Generator;
}

const isGenerator: OptionRule = { accepts: 'a Generator (new Generator().manualSeed(seed))', ok: (v) => v instanceof Generator };
import { Module } from './module.js';

/**
 * Zero each element with probability p while training and scale the kept ones by 1/(1−p), so the
 * expected value is unchanged; the identity in eval mode. As PyTorch's `nn.Dropout(p)` (default 0.5).
 * The mask comes from core's seeded generator (`manualSeed`, or `{ generator }` to keep the masks
 * off the global stream), so it is reproducible, though not PyTorch's numbers.
 */
export class Dropout extends Module {
  /** Probability of zeroing an element. */
  readonly p: number;
  private readonly generator: Generator | undefined;

  constructor(p = 0.5, opts: DropoutOptions = {}) {
    super();
    checkOptions('Dropout', opts, { generator: isGenerator });
    this.generator = opts.generator;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new ArgumentError('Dropout', `p is the probability of zeroing an element and must be in [0, 1], got ${showValue(p)}; e.g. new Dropout(0.5)`);
    }
    this.p = p;
  }

  /** x·mask/(1−p) in training mode, x in eval mode. */
  forward(x: Tensor): Tensor {
    checkTensor('Dropout', x, 'input');
    if (!this.training || this.p === 0) return x;
    // p = 1 zeroes everything; x·0 (not a mask divided by 1−p = 0, which is 0/0) as PyTorch.
    if (this.p === 1) return x.mul(0);
    // PyTorch's CPU rule: noise = bernoulli(1−p) / (1−p), then x·noise.
    const u = rand(x.shape, { device: x.device, ...(this.generator ? { generator: this.generator } : {}) });
    const noise = u.ge(this.p).div(1 - this.p);
    return x.mul(noise);
  }

  override toString(): string {
    return `Dropout(p=${this.p}, inplace=False)`;
  }
}
