import { checkOptions, oneOf, softplus, where, type OptionRule, type Tensor } from '@nn/core';
import { checkPair, checkWeight, reduceLoss, type Reduction } from './reduction.js';

const reduction = oneOf('mean', 'sum', 'none');
const anything: OptionRule = { accepts: 'a tensor', ok: () => true };

/** Options of `BCELoss` and `binaryCrossEntropy`. */
export interface BCELossOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
  /** A weight per element, broadcast to the input's shape. */
  weight?: Tensor;
}

/**
 * log(p) clamped at −100, as PyTorch's BCE, so p = 0 or 1 gives a finite loss. The log reads 1
 * where p ≤ 0, so its backward never divides 0 by 0: the clamped places get gradient 0.
 */
function clampedLog(p: Tensor): Tensor {
  const positive = p.gt(0);
  return where(positive, where(positive, p, 1).log().clamp({ min: -100 }), -100);
}

function bce(op: string, input: Tensor, target: Tensor, r: Reduction, weight: Tensor | undefined): Tensor {
  const [x, y] = checkPair(op, input, target);
  // PyTorch: (target − 1)·max(log(1 − input), −100) − target·max(log(input), −100).
  let loss = y.sub(1).mul(clampedLog(x.neg().add(1))).sub(y.mul(clampedLog(x)));
  if (weight) loss = loss.mul(weight);
  return reduceLoss(loss, r);
}

/**
 * −w·(y·log x + (1 − y)·log(1 − x)) for probabilities x in [0, 1], each log clamped at −100,
 * reduced, as `torch.nn.functional.binary_cross_entropy`. Unlike PyTorch it does not read the
 * input back to check the range (that would stall a GPU); give it probabilities (e.g. sigmoid
 * outputs) or use `binaryCrossEntropyWithLogits`.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BCELossOptions = {}): Tensor {
  checkOptions('binaryCrossEntropy', opts, { reduction, weight: anything });
  return bce('binaryCrossEntropy', input, target, opts.reduction ?? 'mean', checkWeight('binaryCrossEntropy', 'weight', opts.weight));
}

/** Binary cross entropy on probabilities, as PyTorch's `nn.BCELoss`. */
export class BCELoss {
  /** The reduction in use. */
  readonly reduction: Reduction;
  /** Per-element weight, or undefined. */
  readonly weight: Tensor | undefined;

  constructor(opts: BCELossOptions = {}) {
    checkOptions('BCELoss', opts, { reduction, weight: anything });
    this.reduction = opts.reduction ?? 'mean';
    this.weight = checkWeight('BCELoss', 'weight', opts.weight);
  }

  /** binaryCrossEntropy(input, target). */
  forward(input: Tensor, target: Tensor): Tensor {
    return bce('BCELoss', input, target, this.reduction, this.weight);
  }
}

/** Options of `BCEWithLogitsLoss` and `binaryCrossEntropyWithLogits`. */
export interface BCEWithLogitsLossOptions extends BCELossOptions {
  /** Weight of the positive term, broadcast along the last dim (one per class), as PyTorch's `pos_weight`. */
  posWeight?: Tensor;
}

function bceLogits(op: string, input: Tensor, target: Tensor, r: Reduction, weight: Tensor | undefined, posWeight: Tensor | undefined): Tensor {
  const [x, y] = checkPair(op, input, target);
  // PyTorch's form: (1 − y)·x − w_p·logσ(x), with logσ(x) = −softplus(−x) and
  // w_p = 1 + (posWeight − 1)·y. softplus's own backward (σ) is exact at x = 0, where
  // max(−x, 0) + log1p(e^−|x|) would take two kinks' one-sided gradients.
  const negLogSigmoid = softplus(x.neg());
  const logWeight = posWeight ? posWeight.sub(1).mul(y).add(1) : undefined;
  let loss = y.neg().add(1).mul(x).add(logWeight ? logWeight.mul(negLogSigmoid) : negLogSigmoid);
  if (weight) loss = loss.mul(weight);
  return reduceLoss(loss, r);
}

/**
 * Binary cross entropy on logits, as `torch.nn.functional.binary_cross_entropy_with_logits`:
 * (1 − y)·x + w_p·log(1 + e^−x), computed without overflow for any x, times `weight`, reduced.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BCEWithLogitsLossOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  checkOptions(op, opts, { reduction, weight: anything, posWeight: anything });
  return bceLogits(op, input, target, opts.reduction ?? 'mean', checkWeight(op, 'weight', opts.weight), checkWeight(op, 'posWeight', opts.posWeight));
}

/** Sigmoid + binary cross entropy in one stable step, as PyTorch's `nn.BCEWithLogitsLoss`. */
export class BCEWithLogitsLoss {
  /** The reduction in use. */
  readonly reduction: Reduction;
  /** Per-element weight, or undefined. */
  readonly weight: Tensor | undefined;
  /** Positive-class weight, or undefined. */
  readonly posWeight: Tensor | undefined;

  constructor(opts: BCEWithLogitsLossOptions = {}) {
    checkOptions('BCEWithLogitsLoss', opts, { reduction, weight: anything, posWeight: anything });
    this.reduction = opts.reduction ?? 'mean';
    this.weight = checkWeight('BCEWithLogitsLoss', 'weight', opts.weight);
    this.posWeight = checkWeight('BCEWithLogitsLoss', 'posWeight', opts.posWeight);
  }

  /** binaryCrossEntropyWithLogits(input, target). */
  forward(input: Tensor, target: Tensor): Tensor {
    return bceLogits('BCEWithLogitsLoss', input, target, this.reduction, this.weight, this.posWeight);
  }
}
