/** Base class of every error nn throws; `kind` tells which family it belongs to. */
export class NNError extends Error {
  /** The family: shape, device, dtype, state, numeric, format or argument. */
  readonly kind: 'shape' | 'device' | 'dtype' | 'state' | 'numeric' | 'format' | 'argument';
  /** The op that raised it (e.g. `mm`), when there is one. */
  readonly op: string | undefined;
  constructor(kind: NNError['kind'], op: string | undefined, message: string) {
    super(op ? `${op}: ${message}` : message);
    this.kind = kind;
    this.op = op;
    // The class name as text, not new.target.name: a minifier renames classes, and
    // `err.name` (what a stack trace prints first) would read `b` in a bundle.
    this.name = ERROR_NAMES[kind];
  }
}

const ERROR_NAMES: Record<NNError['kind'], string> = {
  shape: 'ShapeError',
  device: 'DeviceError',
  dtype: 'DTypeError',
  state: 'StateError',
  numeric: 'NumericError',
  format: 'FormatError',
  argument: 'ArgumentError',
};

/** Shapes that do not fit the op (mm inner sizes, broadcasting, reshape sizes). */
export class ShapeError extends NNError {
  constructor(op: string | undefined, message: string) {
    super('shape', op, message);
  }
}

/** Tensors on different devices, an unknown device, or a device that cannot do what was asked. */
export class DeviceError extends NNError {
  constructor(op: string | undefined, message: string) {
    super('device', op, message);
  }
}

/** Data that is not float32-compatible (nn tensors are float32 only). */
export class DTypeError extends NNError {
  constructor(op: string | undefined, message: string) {
    super('dtype', op, message);
  }
}

/** Misuse of a tensor's state: disposed tensors, in-place on a leaf that requires grad, backward twice. */
export class StateError extends NNError {
  constructor(op: string | undefined, message: string) {
    super('state', op, message);
  }
}

/** A NaN or Inf produced while `checkNumerics` is on; names the first op that produced it. */
export class NumericError extends NNError {
  constructor(op: string | undefined, message: string) {
    super('numeric', op, message);
  }
}

/** A malformed or unsupported file (e.g. `.npy`). */
export class FormatError extends NNError {
  constructor(op: string | undefined, message: string) {
    super('format', op, message);
  }
}

/**
 * An argument or option of the wrong type or outside what it accepts (a string learning rate, an unknown
 * option key, `arange`'s step of 0, `x.add(undefined)`): what plain-JavaScript callers get instead of a TypeError.
 */
export class ArgumentError extends NNError {
  constructor(op: string | undefined, message: string) {
    super('argument', op, message);
  }
}
