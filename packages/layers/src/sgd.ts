import { ArgumentError, checkOptions, isBoolean, numberIn, showValue, type Tensor } from '@nn/core';
import { Optimizer } from './optimizer.js';
import type { ParamState } from './optimstate.js';

/** Options of `SGD`. */
export interface SGDOptions {
  /** Learning rate. */
  lr: number;
  /** Momentum factor (default 0: plain gradient descent). */
  momentum?: number;
  /** Dampening of the gradient in the momentum buffer (default 0). */
  dampening?: number;
  /** L2 penalty: wd·p is added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0, as PyTorch). */
  nesterov?: boolean;
}

const rules = { lr: numberIn(0), momentum: numberIn(0), dampening: numberIn(0), weightDecay: numberIn(0), nesterov: isBoolean };

/**
 * Stochastic gradient descent with torch.optim.SGD's exact rule:
 *   g = grad + weightDecay·p,
 *   buf = g on the first step, then buf = momentum·buf + (1 − dampening)·g,
 *   g = g + momentum·buf with Nesterov, else g = buf (when momentum ≠ 0),
 *   p -= lr·g.
 */
export class SGD extends Optimizer {
  /** Learning rate; may be changed between steps (schedulers do). */
  lr: number;
  /** Momentum factor. */
  momentum: number;
  /** Dampening factor. */
  dampening: number;
  /** L2 penalty. */
  weightDecay: number;
  /** Nesterov momentum. */
  nesterov: boolean;
  private readonly buffers: (Tensor | null)[];

  constructor(params: Iterable<Tensor>, opts: SGDOptions) {
    super(params, 'SGD');
    if (opts === null || typeof opts !== 'object' || opts.lr === undefined) {
      throw new ArgumentError('SGD', `needs options with a learning rate, e.g. new SGD(model.parameters(), { lr: 0.01 }), got ${showValue(opts)}`);
    }
    checkOptions('SGD', opts, rules);
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0;
    this.dampening = opts.dampening ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    this.nesterov = opts.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new ArgumentError(
        'SGD',
        `Nesterov momentum requires a momentum > 0 and zero dampening (got momentum ${this.momentum}, dampening ${this.dampening}), as PyTorch; e.g. { momentum: 0.9, nesterov: true }`,
      );
    }
    this.buffers = this.params.map(() => null);
  }

  protected update(p: Tensor, grad: Tensor, i: number): void {
    let d = this.weightDecay !== 0 ? grad.add(p.mul(this.weightDecay)) : grad;
    if (this.momentum !== 0) {
      const buf = this.buffers[i];
      if (!buf) {
        this.buffers[i] = this.keepState(d.clone());
      } else {
        buf.mul_(this.momentum).add_(this.dampening !== 0 ? d.mul(1 - this.dampening) : d);
      }
      d = this.nesterov ? d.add(this.buffers[i]!.mul(this.momentum)) : this.buffers[i]!;
    }
    p.sub_(d.mul(this.lr));
  }

  protected groupOptions(): Record<string, number | boolean> {
    return { lr: this.lr, momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay, nesterov: this.nesterov };
  }

  protected setGroupOptions(g: Record<string, unknown>): void {
    checkOptions('SGD.loadStateDict', { ...g, params: undefined }, { ...rules, params: { accepts: 'indices', ok: () => true } });
    this.lr = g['lr'] as number;
    this.momentum = g['momentum'] as number;
    this.dampening = g['dampening'] as number;
    this.weightDecay = g['weightDecay'] as number;
    this.nesterov = g['nesterov'] as boolean;
  }

  protected paramState(i: number): ParamState | null {
    const b = this.buffers[i];
    return b ? { momentumBuffer: b } : null;
  }

  protected setParamState(i: number, s: ParamState): void {
    this.buffers[i]?.dispose();
    this.buffers[i] = s['momentumBuffer'] as Tensor;
  }

  protected stateKeys(): { tensors: readonly string[]; numbers: readonly string[] } {
    return { tensors: ['momentumBuffer'], numbers: [] };
  }

  dispose(): void {
    for (const b of this.buffers) b?.dispose();
    this.buffers.fill(null);
  }
}
