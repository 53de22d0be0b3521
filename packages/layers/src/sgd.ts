import { ArgumentError, checkOptions, numberIn, showValue, type Tensor } from '@nn/core';
import { Optimizer } from './optimizer.js';

/** Options of `SGD`. */
export interface SGDOptions {
  /** Learning rate. */
  lr: number;
  /** Momentum factor (default 0: plain gradient descent). */
  momentum?: number;
}

/**
 * Stochastic gradient descent with momentum, with torch.optim.SGD's exact rule
 * (dampening 0, no Nesterov, no weight decay):
 *   buf = g                     on the first step,
 *   buf = momentum·buf + g      afterwards,
 *   p  -= lr·buf                (p -= lr·g when momentum is 0).
 */
export class SGD extends Optimizer {
  /** Learning rate; may be changed between steps. */
  lr: number;
  /** Momentum factor. */
  readonly momentum: number;
  private readonly buffers: (Tensor | null)[];

  constructor(params: Iterable<Tensor>, opts: SGDOptions) {
    super(params, 'SGD');
    if (opts === null || typeof opts !== 'object' || opts.lr === undefined) {
      throw new ArgumentError('SGD', `needs options with a learning rate, e.g. new SGD(model.parameters(), { lr: 0.01 }), got ${showValue(opts)}`);
    }
    checkOptions('SGD', opts, { lr: numberIn(0), momentum: numberIn(0) });
    const momentum = opts.momentum ?? 0;
    this.lr = opts.lr;
    this.momentum = momentum;
    this.buffers = this.params.map(() => null);
  }

  protected update(p: Tensor, grad: Tensor, i: number): void {
    let d = grad;
    if (this.momentum !== 0) {
      const buf = this.buffers[i];
      if (!buf) {
        this.buffers[i] = this.keepState(grad.clone());
      } else {
        buf.mul_(this.momentum).add_(grad);
      }
      d = this.buffers[i]!;
    }
    p.sub_(d.mul(this.lr));
  }

  dispose(): void {
    for (const b of this.buffers) b?.dispose();
    this.buffers.fill(null);
  }
}
