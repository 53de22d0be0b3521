import { ShapeError, checkOptions, checkTensor, fmtShape, oneOf, type Tensor } from '@nn/core';

/** How a loss reduces its elementwise terms. */
export type Reduction = 'sum' | 'mean';

/** Options of `MSELoss`. */
export interface MSELossOptions {
  /** 'mean' (PyTorch's default) or 'sum' (the seed program's `(y_pred - y).pow(2).sum()`). */
  reduction?: Reduction;
}

/** Squared error between prediction and target, summed or averaged, as PyTorch's `nn.MSELoss`. */
export class MSELoss {
  /** The reduction in use. */
  readonly reduction: Reduction;

  constructor(opts: MSELossOptions = {}) {
    checkOptions('MSELoss', opts, { reduction: oneOf('mean', 'sum') });
    this.reduction = opts.reduction ?? 'mean';
  }

  /** (input - target)² reduced to a scalar. Shapes must match (no silent broadcasting, as PyTorch warns). */
  forward(input: Tensor, target: Tensor): Tensor {
    checkTensor('MSELoss', input, 'input');
    checkTensor('MSELoss', target, 'target');
    if (input.shape.length !== target.shape.length || input.shape.some((d, i) => d !== target.shape[i])) {
      throw new ShapeError(
        'MSELoss',
        `input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} differ; broadcasting them would compare every pair — reshape one to match`,
      );
    }
    const sq = input.sub(target).pow(2);
    return this.reduction === 'sum' ? sq.sum() : sq.mean();
  }
}
