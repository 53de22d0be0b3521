import {
  ArgumentError, DTypeError, ShapeError, checkOptions, checkTensor, fmtShape, gather, logSoftmax, numberIn, oneOf, sameShape, where,
  type OptionRule, type Tensor,
} from '@nn/core';
import { checkWeight, type Reduction } from './reduction.js';

const reduction = oneOf('mean', 'sum', 'none');
const anything: OptionRule = { accepts: 'a tensor', ok: () => true };
const wholeNumber: OptionRule = { accepts: 'a whole number (a class index never used, default -100)', ok: (v) => typeof v === 'number' && Number.isInteger(v) };

/** Options of `NLLLoss` and `nllLoss`. */
export interface NLLLossOptions {
  /** 'mean' (default: Σ loss / Σ weight of the counted targets), 'sum' or 'none'. */
  reduction?: Reduction;
  /** A weight per class, shape [C]. */
  weight?: Tensor;
  /** Targets equal to this count nothing and get no gradient (default -100, as PyTorch). */
  ignoreIndex?: number;
}

/** Options of `CrossEntropyLoss` and `crossEntropy`. */
export interface CrossEntropyLossOptions extends NLLLossOptions {
  /** Mix the target with the uniform distribution: (1 − ε)·target + ε/C (default 0). */
  labelSmoothing?: number;
}

const nllRules = { reduction, weight: anything, ignoreIndex: wholeNumber };
const ceRules = { ...nllRules, labelSmoothing: numberIn(0, 1) };

interface Settings {
  reduction: Reduction;
  weight: Tensor | undefined;
  ignoreIndex: number;
  labelSmoothing: number;
}

function settings(op: string, opts: CrossEntropyLossOptions): Settings {
  return {
    reduction: opts.reduction ?? 'mean',
    weight: checkWeight(op, 'weight', opts.weight),
    ignoreIndex: opts.ignoreIndex ?? -100,
    labelSmoothing: opts.labelSmoothing ?? 0,
  };
}

/** The class dim is 1 ([N, C, d1, ...]) or 0 for one sample [C]; check the input, the weight and the target's shape. */
function checkInputs(op: string, input: unknown, target: unknown, s: Settings): { x: Tensor; y: Tensor; probs: boolean; C: number } {
  const x = checkTensor(op, input, 'input');
  const y = checkTensor(op, target, 'target');
  if (x.ndim === 0) throw new ShapeError(op, `input is a scalar ${x.describe()}; give scores of shape [N, C] (or [C] for one sample, [N, C, d1, ...] per position)`);
  const classDim = x.ndim === 1 ? 0 : 1;
  const C = x.shape[classDim]!;
  if (s.weight) {
    if (s.weight.ndim !== 1 || s.weight.shape[0] !== C) {
      throw new ShapeError(op, `weight ${fmtShape(s.weight.shape)} must have one entry per class, shape [${C}], for input ${fmtShape(x.shape)}`);
    }
  }
  // As PyTorch: a target of the input's shape holds class probabilities; otherwise class indices.
  const probs = sameShape(x.shape, y.shape);
  if (probs) {
    if (y.dtype !== 'float32') throw new DTypeError(op, `a target of the input's shape ${fmtShape(x.shape)} holds class probabilities and must be float32, got ${y.dtype}; class indices have shape ${fmtShape([...x.shape.slice(0, classDim), ...x.shape.slice(classDim + 1)])}`);
    if (s.ignoreIndex >= 0) throw new ArgumentError(op, `ignoreIndex (${s.ignoreIndex}) applies to class-index targets, not to probability targets (shape ${fmtShape(y.shape)}); drop the option`);
    return { x, y, probs, C };
  }
  const want = [...x.shape.slice(0, classDim), ...x.shape.slice(classDim + 1)];
  if (!sameShape(y.shape, want)) {
    throw new ShapeError(
      op,
      `target ${fmtShape(y.shape)} fits neither form for input ${fmtShape(x.shape)}: class indices have shape ${fmtShape(want)} (the input without its class dim ${classDim}), probabilities the input's shape`,
    );
  }
  if (y.dtype !== 'int32') {
    throw new DTypeError(op, `class-index targets must be int32, got ${y.dtype} ${y.describe()}; convert with target.int() or make it with { dtype: 'int32' }`);
  }
  return { x, y, probs, C };
}

/** Σ over the counted targets of weight[target] (or their count), the mean's denominator in PyTorch. */
function nllTerms(logp: Tensor, y: Tensor, s: Settings): { loss: Tensor; w: Tensor } {
  const classDim = logp.ndim === 1 ? 0 : 1;
  const ignored = y.eq(s.ignoreIndex);
  // An ignored target (e.g. -100) is no valid index: gather class 0 there and zero the term after.
  const safe = where(ignored, 0, y);
  const picked = gather(logp, classDim, safe.unsqueeze(classDim)).squeeze(classDim);
  const counted = where(ignored, 0, 1);
  const w = s.weight ? where(ignored, 0, gather(s.weight, 0, safe.flatten()).reshape(y.shape)) : counted;
  return { loss: picked.neg().mul(w), w };
}

function reduceWeighted(loss: Tensor, denom: Tensor, r: Reduction): Tensor {
  if (r === 'none') return loss;
  return r === 'sum' ? loss.sum() : loss.sum().div(denom.sum());
}

function nll(op: string, input: unknown, target: unknown, s: Settings): Tensor {
  const { x, y, probs } = checkInputs(op, input, target, s);
  if (probs) throw new ShapeError(op, `target ${fmtShape(y.shape)} has the input's shape; nllLoss takes class indices of shape ${fmtShape(x.ndim === 1 ? [] : [x.shape[0]!, ...x.shape.slice(2)])} (crossEntropy also takes probabilities)`);
  const { loss, w } = nllTerms(x, y, s);
  return reduceWeighted(loss, w, s.reduction);
}

function crossEntropyOf(op: string, input: unknown, target: unknown, s: Settings): Tensor {
  const { x, y, probs, C } = checkInputs(op, input, target, s);
  const classDim = x.ndim === 1 ? 0 : 1;
  const logp = logSoftmax(x, classDim);
  // The weight as [C, 1, ...], to broadcast along the class dim of [N, C, d1, ...].
  const wView = s.weight ? s.weight.reshape([C, ...x.shape.slice(classDim + 1).map(() => 1)]) : undefined;
  const eps = s.labelSmoothing;
  if (probs) {
    // PyTorch's probability-target rule: smooth the target, weight per class, and divide the
    // sum by the number of samples (not by the weights) for 'mean'.
    const t = eps > 0 ? y.mul(1 - eps).add(eps / C) : y;
    const terms = wView ? logp.mul(t).mul(wView) : logp.mul(t);
    if (s.reduction === 'none') return terms.sum(classDim).neg();
    const total = terms.sum().neg();
    return s.reduction === 'sum' ? total : total.div(x.size / C);
  }
  const { loss, w } = nllTerms(logp, y, s);
  const nllOut = reduceWeighted(loss, w, s.reduction);
  if (eps === 0) return nllOut;
  // PyTorch's label smoothing: (1 − ε)·nll + ε/C·smooth, smooth = −Σ_c w_c·logp_c per sample,
  // zero at ignored targets, and for 'mean' divided by the same Σ weight[target] as the nll.
  const ignored = y.eq(s.ignoreIndex);
  const smooth = where(ignored, 0, (wView ? logp.mul(wView) : logp).sum(classDim).neg());
  const smoothOut = reduceWeighted(smooth, w, s.reduction);
  return nllOut.mul(1 - eps).add(smoothOut.mul(eps / C));
}

/**
 * Negative log likelihood of class-index targets (int32) given log-probabilities [N, C] (or [C],
 * or [N, C, d1, ...]), as `torch.nn.functional.nll_loss`: −weight[t]·input[t]; 'mean' divides by
 * Σ weight[t] over the targets not equal to ignoreIndex.
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NLLLossOptions = {}): Tensor {
  checkOptions('nllLoss', opts, nllRules);
  return nll('nllLoss', input, target, settings('nllLoss', opts));
}

/**
 * logSoftmax + nllLoss, as `torch.nn.functional.cross_entropy`: targets are class indices
 * (int32, the input's shape without the class dim) or class probabilities (float32, the input's
 * shape), with `weight`, `ignoreIndex`, `labelSmoothing` and PyTorch's weighted-mean rule.
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyLossOptions = {}): Tensor {
  checkOptions('crossEntropy', opts, ceRules);
  return crossEntropyOf('crossEntropy', input, target, settings('crossEntropy', opts));
}

/** Negative log likelihood on log-probabilities, as PyTorch's `nn.NLLLoss`. */
export class NLLLoss {
  /** The settings in use. */
  private readonly s: Settings;

  constructor(opts: NLLLossOptions = {}) {
    checkOptions('NLLLoss', opts, nllRules);
    this.s = settings('NLLLoss', opts);
  }

  /** The reduction in use. */
  get reduction(): Reduction {
    return this.s.reduction;
  }

  /** nllLoss(input, target). */
  forward(input: Tensor, target: Tensor): Tensor {
    return nll('NLLLoss', input, target, this.s);
  }
}

/** Softmax cross entropy on raw scores (logits), as PyTorch's `nn.CrossEntropyLoss`. */
export class CrossEntropyLoss {
  /** The settings in use. */
  private readonly s: Settings;

  constructor(opts: CrossEntropyLossOptions = {}) {
    checkOptions('CrossEntropyLoss', opts, ceRules);
    this.s = settings('CrossEntropyLoss', opts);
  }

  /** The reduction in use. */
  get reduction(): Reduction {
    return this.s.reduction;
  }

  /** crossEntropy(input, target). */
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropyOf('CrossEntropyLoss', input, target, this.s);
  }
}
