import { ArgumentError, checkArg, checkOptions, checkTensor, gelu, isNumber, leakyRelu, logSoftmax, oneOf, showValue, sigmoid, softmax, tanh, type Tensor } from '@nn/core';
import { Module } from './module.js';

/** tanh(x) elementwise, as PyTorch's `nn.Tanh`. */
export class Tanh extends Module {
  /** tanh(x). */
  forward(x: Tensor): Tensor {
    checkTensor('Tanh', x, 'input');
    return tanh(x);
  }

  override toString(): string {
    return 'Tanh()';
  }
}

/** 1 / (1 + e^−x) elementwise, as PyTorch's `nn.Sigmoid`. */
export class Sigmoid extends Module {
  /** σ(x). */
  forward(x: Tensor): Tensor {
    checkTensor('Sigmoid', x, 'input');
    return sigmoid(x);
  }

  override toString(): string {
    return 'Sigmoid()';
  }
}

/** Options of `GELU`. */
export interface GELUOptions {
  /** 'none' (exact, with erf; the default) or 'tanh' (the tanh approximation), as PyTorch's `approximate`. */
  approximate?: 'none' | 'tanh';
}

/** x·Φ(x), as PyTorch's `nn.GELU` (exact by default, `{ approximate: 'tanh' }` for the tanh form). */
export class GELU extends Module {
  /** 'none' or 'tanh'. */
  readonly approximate: 'none' | 'tanh';

  constructor(opts: GELUOptions = {}) {
    super();
    if (typeof opts === 'string') throw new ArgumentError('GELU', `expected options, got the string ${showValue(opts)}; write new GELU({ approximate: '${String(opts)}' })`);
    checkOptions('GELU', opts, { approximate: oneOf('none', 'tanh') });
    this.approximate = opts.approximate ?? 'none';
  }

  /** gelu(x). */
  forward(x: Tensor): Tensor {
    checkTensor('GELU', x, 'input');
    return gelu(x, { approximate: this.approximate });
  }

  override toString(): string {
    return `GELU(approximate='${this.approximate}')`;
  }
}

/** max(0, x) + negativeSlope·min(0, x), as PyTorch's `nn.LeakyReLU` (default slope 0.01). */
export class LeakyReLU extends Module {
  /** The slope for x < 0. */
  readonly negativeSlope: number;

  constructor(negativeSlope = 0.01) {
    super();
    checkArg('LeakyReLU', 'negativeSlope', negativeSlope, { accepts: 'a finite number, e.g. 0.01', ok: (v) => isNumber.ok(v) && Number.isFinite(v) });
    this.negativeSlope = negativeSlope;
  }

  /** leaky_relu(x). */
  forward(x: Tensor): Tensor {
    checkTensor('LeakyReLU', x, 'input');
    return leakyRelu(x, this.negativeSlope);
  }

  override toString(): string {
    return `LeakyReLU(negative_slope=${this.negativeSlope})`;
  }
}

/** The dim argument of Softmax and LogSoftmax: required, as PyTorch's implicit-dim form is deprecated. */
function checkSoftmaxDim(op: string, dim: unknown): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) {
    throw new ArgumentError(op, `needs the dim to normalise over as a whole number, e.g. new ${op}(1) for [batch, classes], got ${showValue(dim)}`);
  }
  return dim;
}

/** e^x / Σ e^x along `dim`, as PyTorch's `nn.Softmax(dim)`. */
export class Softmax extends Module {
  /** The dim the outputs sum to 1 along. */
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = checkSoftmaxDim('Softmax', dim);
  }

  /** softmax(x, dim). */
  forward(x: Tensor): Tensor {
    checkTensor('Softmax', x, 'input');
    return softmax(x, this.dim);
  }

  override toString(): string {
    return `Softmax(dim=${this.dim})`;
  }
}

/** log(softmax(x, dim)), computed stably, as PyTorch's `nn.LogSoftmax(dim)`. */
export class LogSoftmax extends Module {
  /** The dim normalised over. */
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = checkSoftmaxDim('LogSoftmax', dim);
  }

  /** logSoftmax(x, dim). */
  forward(x: Tensor): Tensor {
    checkTensor('LogSoftmax', x, 'input');
    return logSoftmax(x, this.dim);
  }

  override toString(): string {
    return `LogSoftmax(dim=${this.dim})`;
  }
}
