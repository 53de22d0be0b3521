import { checkOptions, numberIn, zerosLike, type OptionRule, type Tensor } from '@nn/core';
import { Optimizer } from './optimizer.js';
import type { ParamState } from './optimstate.js';

const beta = numberIn(0, 1);
const betasRule: OptionRule = {
  accepts: 'two numbers in [0, 1), e.g. [0.9, 0.999]',
  ok: (v) => Array.isArray(v) && v.length === 2 && v.every((b) => beta.ok(b) && b < 1),
};
const adamRules = { lr: numberIn(0), betas: betasRule, eps: numberIn(0), weightDecay: numberIn(0) };

/** Options of `Adam` and `AdamW`. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay?: number;
}

interface AdamState {
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
}

/**
 * Adam (Kingma & Ba) with torch.optim.Adam's exact update (no amsgrad):
 *   g = grad + weightDecay·p   (L2, coupled: Adam; AdamW decays p itself instead),
 *   m = β1·m + (1-β1)·g,   v = β2·v + (1-β2)·g²,
 *   p -= (lr / (1-β1ᵗ)) · m / (√v / √(1-β2ᵗ) + eps).
 * Note where eps sits: after the bias correction of √v, as PyTorch does.
 */
export class Adam extends Optimizer {
  /** Learning rate; may be changed between steps (schedulers do). */
  lr: number;
  /** [β1, β2]. */
  betas: readonly [number, number];
  /** Denominator term. */
  eps: number;
  /** Weight decay (see the class doc for Adam's and AdamW's meaning). */
  weightDecay: number;
  private readonly state: (AdamState | null)[];
  /** True for AdamW: the decay multiplies the parameter instead of joining the gradient. */
  private readonly decoupled: boolean;

  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    // AdamW (or a subclass of it) decays decoupled; compared by reference, not by class name,
    // which a minifier renames.
    const decoupled = new.target === AdamW || new.target.prototype instanceof AdamW;
    const kind = decoupled ? 'AdamW' : 'Adam';
    super(params, kind);
    checkOptions(kind, opts, adamRules);
    this.decoupled = decoupled;
    this.lr = opts.lr ?? 1e-3;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? (this.decoupled ? 1e-2 : 0);
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
    let g = grad;
    if (this.weightDecay !== 0) {
      // AdamW (Loshchilov & Hutter): p ← p·(1 − lr·wd) before the update, as torch.optim.AdamW.
      if (this.decoupled) p.mul_(1 - this.lr * this.weightDecay);
      else g = grad.add(p.mul(this.weightDecay));
    }
    s.expAvg.mul_(beta1).add_(g.mul(1 - beta1));
    s.expAvgSq.mul_(beta2).add_(g.mul(g).mul(1 - beta2));
    const biasCorrection1 = 1 - beta1 ** s.step;
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** s.step);
    const stepSize = this.lr / biasCorrection1;
    const denom = s.expAvgSq.sqrt().div(biasCorrection2Sqrt).add(this.eps);
    p.sub_(s.expAvg.div(denom).mul(stepSize));
  }

  protected groupOptions(): Record<string, number | readonly number[]> {
    return { lr: this.lr, betas: [...this.betas], eps: this.eps, weightDecay: this.weightDecay };
  }

  protected setGroupOptions(g: Record<string, unknown>): void {
    checkOptions(`${this.name}.loadStateDict`, { ...g, params: undefined }, { ...adamRules, params: { accepts: 'indices', ok: () => true } });
    this.lr = g['lr'] as number;
    this.betas = [...(g['betas'] as [number, number])];
    this.eps = g['eps'] as number;
    this.weightDecay = g['weightDecay'] as number;
  }

  protected paramState(i: number): ParamState | null {
    const s = this.state[i];
    return s ? { step: s.step, expAvg: s.expAvg, expAvgSq: s.expAvgSq } : null;
  }

  protected setParamState(i: number, s: ParamState): void {
    this.state[i]?.expAvg.dispose();
    this.state[i]?.expAvgSq.dispose();
    this.state[i] = { step: s['step'] as number, expAvg: s['expAvg'] as Tensor, expAvgSq: s['expAvgSq'] as Tensor };
  }

  protected stateKeys(): { tensors: readonly string[]; numbers: readonly string[] } {
    return { tensors: ['expAvg', 'expAvgSq'], numbers: ['step'] };
  }

  dispose(): void {
    for (const s of this.state) {
      s?.expAvg.dispose();
      s?.expAvgSq.dispose();
    }
    this.state.fill(null);
  }
}

/**
 * Adam with decoupled weight decay, as torch.optim.AdamW (default weightDecay 1e-2): each step
 * first scales p by (1 − lr·weightDecay), then applies Adam's update to the plain gradient.
 */
export class AdamW extends Adam {}
