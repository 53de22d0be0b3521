import { checkOptions, numberIn, zerosLike, type OptionRule, type Tensor } from '@nn/core';

const beta = numberIn(0, 1);
const betasRule: OptionRule = {
  accepts: 'two numbers in [0, 1), e.g. [0.9, 0.999]',
  ok: (v) => Array.isArray(v) && v.length === 2 && v.every((b) => beta.ok(b) && b < 1),
};
const adamRules = { lr: numberIn(0), betas: betasRule, eps: numberIn(0) };
import { Optimizer } from './optimizer.js';

/** Options of `Adam`. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps?: number;
}

/**
 * Adam (Kingma & Ba) with torch.optim.Adam's exact update (no weight decay, no amsgrad):
 *   m = β1·m + (1-β1)·g,   v = β2·v + (1-β2)·g²,
 *   p -= (lr / (1-β1ᵗ)) · m / (√v / √(1-β2ᵗ) + eps).
 * Note where eps sits: after the bias correction of √v, as PyTorch does.
 */
export class Adam extends Optimizer {
  /** Learning rate; may be changed between steps. */
  lr: number;
  /** [β1, β2]. */
  readonly betas: readonly [number, number];
  /** Denominator term. */
  readonly eps: number;
  private readonly state: ({ step: number; expAvg: Tensor; expAvgSq: Tensor } | null)[];

  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    super(params, 'Adam');
    checkOptions('Adam', opts, adamRules);
    this.lr = opts.lr ?? 1e-3;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.state = this.params.map(() => null);
  }

  protected update(p: Tensor, grad: Tensor, i: number): void {
    const [beta1, beta2] = this.betas;
    let s = this.state[i];
    if (!s) {
      s = { step: 0, expAvg: this.keepState(zerosLike(p)), expAvgSq: this.keepState(zerosLike(p)) };
      this.state[i] = s;
    }
    s.step += 1;
    s.expAvg.mul_(beta1).add_(grad.mul(1 - beta1));
    s.expAvgSq.mul_(beta2).add_(grad.mul(grad).mul(1 - beta2));
    const biasCorrection1 = 1 - beta1 ** s.step;
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** s.step);
    const stepSize = this.lr / biasCorrection1;
    const denom = s.expAvgSq.sqrt().div(biasCorrection2Sqrt).add(this.eps);
    p.sub_(s.expAvg.div(denom).mul(stepSize));
  }

  dispose(): void {
    for (const s of this.state) {
      s?.expAvg.dispose();
      s?.expAvgSq.dispose();
    }
    this.state.fill(null);
  }
}
