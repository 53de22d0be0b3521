import { ArgumentError, checkArg, numberIn, showValue } from '@nn/core';

/** What a scheduler drives: an optimiser with a settable learning rate (SGD, Adam, AdamW). */
export interface HasLearningRate {
  /** The learning rate the next step uses. */
  lr: number;
}

/**
 * Base of the learning-rate schedulers, as `torch.optim.lr_scheduler.LRScheduler` for one
 * parameter group: at construction it records the optimiser's lr as the base lr (epoch 0);
 * each `step()` advances the epoch and sets `optimizer.lr` from the schedule's closed form.
 */
export abstract class LRScheduler {
  /** The optimiser whose lr this sets. */
  readonly optimizer: HasLearningRate;
  /** The lr at construction (PyTorch's `initial_lr`). */
  readonly baseLr: number;
  /** Steps taken so far (PyTorch's `last_epoch`, 0 after construction). */
  lastEpoch = 0;
  /** The lr the scheduler last set (PyTorch's `_last_lr`), so `getLastLr()` runs no schedule code. */
  private lastLr: number;

  constructor(optimizer: HasLearningRate, name: string) {
    if (optimizer === null || typeof optimizer !== 'object' || typeof optimizer.lr !== 'number') {
      throw new ArgumentError(name, `expected an optimiser with a learning rate (SGD, Adam, AdamW), got ${showValue(optimizer)}`);
    }
    this.optimizer = optimizer;
    this.baseLr = optimizer.lr;
    this.lastLr = optimizer.lr;
  }

  /** The schedule: the lr at `epoch` from the base lr. */
  protected abstract lrAt(epoch: number): number;

  /** Advance one epoch (call after `optimizer.step()`, as in PyTorch) and set the optimiser's lr. */
  step(): void {
    this.lastEpoch += 1;
    this.setLr(this.lrAt(this.lastEpoch));
  }

  /** @internal Set the optimiser's lr and remember it. */
  protected setLr(lr: number): void {
    this.optimizer.lr = lr;
    this.lastLr = lr;
  }

  /** The lr set by the last step, one per parameter group as PyTorch's `get_last_lr()` (nn has one group). */
  getLastLr(): number[] {
    return [this.lastLr];
  }
}

const positiveInt = numberIn(1, Infinity, true);
const finiteNumber = numberIn(-Infinity);

/** lr = base·gamma^⌊epoch / stepSize⌋, as `StepLR(optimizer, step_size, gamma=0.1)`. */
export class StepLR extends LRScheduler {
  /** Epochs between decays. */
  readonly stepSize: number;
  /** Decay factor. */
  readonly gamma: number;

  constructor(optimizer: HasLearningRate, stepSize: number, gamma = 0.1) {
    super(optimizer, 'StepLR');
    checkArg('StepLR', 'stepSize', stepSize, positiveInt);
    checkArg('StepLR', 'gamma', gamma, finiteNumber);
    this.stepSize = stepSize;
    this.gamma = gamma;
  }

  protected lrAt(epoch: number): number {
    return this.baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

/** lr = base·gamma^epoch, as `ExponentialLR(optimizer, gamma)`. */
export class ExponentialLR extends LRScheduler {
  /** Decay factor per epoch. */
  readonly gamma: number;

  constructor(optimizer: HasLearningRate, gamma: number) {
    super(optimizer, 'ExponentialLR');
    checkArg('ExponentialLR', 'gamma', gamma, finiteNumber);
    this.gamma = gamma;
  }

  protected lrAt(epoch: number): number {
    return this.baseLr * this.gamma ** epoch;
  }
}

/**
 * lr = etaMin + (base − etaMin)·(1 + cos(π·epoch / tMax)) / 2, as `CosineAnnealingLR(optimizer,
 * T_max, eta_min=0)` in its closed form (PyTorch's step() uses an equal recursive form; the
 * two differ by rounding only).
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Epochs of half a cosine period. */
  readonly tMax: number;
  /** The lowest lr. */
  readonly etaMin: number;

  constructor(optimizer: HasLearningRate, tMax: number, etaMin = 0) {
    super(optimizer, 'CosineAnnealingLR');
    checkArg('CosineAnnealingLR', 'tMax', tMax, positiveInt);
    checkArg('CosineAnnealingLR', 'etaMin', etaMin, finiteNumber);
    this.tMax = tMax;
    this.etaMin = etaMin;
  }

  protected lrAt(epoch: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}

/** lr = base·lrLambda(epoch), as `LambdaLR(optimizer, lr_lambda)`. */
export class LambdaLR extends LRScheduler {
  private readonly lrLambda: (epoch: number) => number;

  constructor(optimizer: HasLearningRate, lrLambda: (epoch: number) => number) {
    super(optimizer, 'LambdaLR');
    if (typeof lrLambda !== 'function') {
      throw new ArgumentError('LambdaLR', `lrLambda must be a function of the epoch giving a factor, e.g. (epoch) => 0.95 ** epoch, got ${showValue(lrLambda)}`);
    }
    this.lrLambda = lrLambda;
    // PyTorch's constructor applies lr_lambda(0) at once.
    this.setLr(this.lrAt(0));
  }

  protected lrAt(epoch: number): number {
    const f = this.lrLambda(epoch);
    if (typeof f !== 'number' || Number.isNaN(f)) {
      throw new ArgumentError('LambdaLR', `lrLambda(${epoch}) returned ${showValue(f)}; it must return a number (the factor on the base lr)`);
    }
    return this.baseLr * f;
  }
}
