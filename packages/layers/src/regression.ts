import { checkOptions, numberIn, oneOf, where, type Tensor } from '@nn/core';
import { checkPair, reduceLoss, type Reduction } from './reduction.js';

const reduction = oneOf('mean', 'sum', 'none');

/** Options of `L1Loss` and `l1Loss`. */
export interface L1LossOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

/** |input − target| reduced, as `torch.nn.functional.l1_loss`; shapes must match. */
export function l1Loss(input: Tensor, target: Tensor, opts: L1LossOptions = {}): Tensor {
  checkOptions('l1Loss', opts, { reduction });
  return l1('l1Loss', input, target, opts.reduction ?? 'mean');
}

function l1(op: string, input: Tensor, target: Tensor, r: Reduction): Tensor {
  const [x, y] = checkPair(op, input, target);
  return reduceLoss(x.sub(y).abs(), r);
}

/** Options of `HuberLoss` and `huberLoss`. */
export interface HuberLossOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
  /** Where the loss turns from quadratic to linear (default 1, must be > 0). */
  delta?: number;
}

const positive = (what: string): { accepts: string; ok: (v: unknown) => boolean } => ({
  accepts: `a finite number > 0 (${what})`,
  ok: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0,
});

/**
 * 0.5·d² where |d| < delta, else delta·(|d| − 0.5·delta), with d = input − target, reduced, as
 * `torch.nn.functional.huber_loss`; the two pieces are chosen with `where`, so each gradient
 * is the selected piece's.
 */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberLossOptions = {}): Tensor {
  checkOptions('huberLoss', opts, { reduction, delta: positive('default 1') });
  return huber('huberLoss', input, target, opts.reduction ?? 'mean', opts.delta ?? 1);
}

function huber(op: string, input: Tensor, target: Tensor, r: Reduction, delta: number): Tensor {
  const [x, y] = checkPair(op, input, target);
  const d = x.sub(y);
  const a = d.abs();
  const loss = where(a.lt(delta), d.mul(d).mul(0.5), a.sub(0.5 * delta).mul(delta));
  return reduceLoss(loss, r);
}

/** Options of `SmoothL1Loss` and `smoothL1Loss`. */
export interface SmoothL1LossOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
  /** Where the loss turns from quadratic to linear (default 1, ≥ 0; 0 is the L1 loss). */
  beta?: number;
}

/**
 * 0.5·d²/beta where |d| < beta, else |d| − 0.5·beta, reduced, as
 * `torch.nn.functional.smooth_l1_loss` (huberLoss / beta; beta = 0 is l1Loss, as PyTorch).
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1LossOptions = {}): Tensor {
  checkOptions('smoothL1Loss', opts, { reduction, beta: numberIn(0) });
  return smoothL1('smoothL1Loss', input, target, opts.reduction ?? 'mean', opts.beta ?? 1);
}

function smoothL1(op: string, input: Tensor, target: Tensor, r: Reduction, beta: number): Tensor {
  const [x, y] = checkPair(op, input, target);
  const d = x.sub(y);
  const a = d.abs();
  const loss = beta === 0 ? a : where(a.lt(beta), d.mul(d).mul(0.5 / beta), a.sub(0.5 * beta));
  return reduceLoss(loss, r);
}

/** Mean absolute error, as PyTorch's `nn.L1Loss`. */
export class L1Loss {
  /** The reduction in use. */
  readonly reduction: Reduction;

  constructor(opts: L1LossOptions = {}) {
    checkOptions('L1Loss', opts, { reduction });
    this.reduction = opts.reduction ?? 'mean';
  }

  /** l1Loss(input, target). */
  forward(input: Tensor, target: Tensor): Tensor {
    return l1('L1Loss', input, target, this.reduction);
  }
}

/** Quadratic near 0, linear beyond delta, as PyTorch's `nn.HuberLoss`. */
export class HuberLoss {
  /** The reduction in use. */
  readonly reduction: Reduction;
  /** The quadratic/linear threshold. */
  readonly delta: number;

  constructor(opts: HuberLossOptions = {}) {
    checkOptions('HuberLoss', opts, { reduction, delta: positive('default 1') });
    this.reduction = opts.reduction ?? 'mean';
    this.delta = opts.delta ?? 1;
  }

  /** huberLoss(input, target). */
  forward(input: Tensor, target: Tensor): Tensor {
    return huber('HuberLoss', input, target, this.reduction, this.delta);
  }
}

/** Huber loss divided by beta, as PyTorch's `nn.SmoothL1Loss`. */
export class SmoothL1Loss {
  /** The reduction in use. */
  readonly reduction: Reduction;
  /** The quadratic/linear threshold. */
  readonly beta: number;

  constructor(opts: SmoothL1LossOptions = {}) {
    checkOptions('SmoothL1Loss', opts, { reduction, beta: numberIn(0) });
    this.reduction = opts.reduction ?? 'mean';
    this.beta = opts.beta ?? 1;
  }

  /** smoothL1Loss(input, target). */
  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1('SmoothL1Loss', input, target, this.reduction, this.beta);
  }
}
