import { checkOptions, oneOf, type Tensor } from '@nn/core';
import { checkPair, reduceLoss, type Reduction } from './reduction.js';

/** Options of `MSELoss` and `mseLoss`. */
export interface MSELossOptions {
  /** 'mean' (PyTorch's default), 'sum' (the seed program's `(y_pred - y).pow(2).sum()`) or 'none'. */
  reduction?: Reduction;
}

const rules = { reduction: oneOf('mean', 'sum', 'none') };

/** (input − target)² reduced, as `torch.nn.functional.mse_loss`; shapes must match (no silent broadcasting, as PyTorch warns). */
export function mseLoss(input: Tensor, target: Tensor, opts: MSELossOptions = {}): Tensor {
  checkOptions('mseLoss', opts, rules);
  const [x, y] = checkPair('mseLoss', input, target);
  return reduceLoss(x.sub(y).pow(2), opts.reduction ?? 'mean');
}

/** Squared error between prediction and target, summed or averaged, as PyTorch's `nn.MSELoss`. */
export class MSELoss {
  /** The reduction in use. */
  readonly reduction: Reduction;

  constructor(opts: MSELossOptions = {}) {
    checkOptions('MSELoss', opts, rules);
    this.reduction = opts.reduction ?? 'mean';
  }

  /** (input - target)² reduced. Shapes must match (no silent broadcasting, as PyTorch warns). */
  forward(input: Tensor, target: Tensor): Tensor {
    const [x, y] = checkPair('MSELoss', input, target);
    return reduceLoss(x.sub(y).pow(2), this.reduction);
  }
}
