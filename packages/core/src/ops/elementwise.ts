import type { BinaryOp, Handle, UnaryOp } from '../backend.js';
import { broadcastShapes, sameShape } from '../shape.js';
import type { Operand, Tensor } from '../tensor.js';
import { isScalar, NO_ATTRS, record, sameDevice, unrecorded } from './record.js';
import type { Forward, OpAttrs, ScalarAttrs } from './opdef.js';
import { ArgumentError } from '../errors.js';
import { checkOperand, checkOptions, checkTensor, isNumber } from '../validate.js';

// Elementwise ops: each public function checks its arguments, calls its forward
// (exported: the op table's entry points at the same function) and records.
// Their backward and explanation are their entries in defs/elementwise.ts.

const clampBounds = { min: isNumber, max: isNumber };

/** The kernel each binary op id runs (`maximum` is the kernel `max`); errors name the op by it, as before. */
const BINARY_KERNEL = {
  add: 'add', sub: 'sub', mul: 'mul', div: 'div', pow: 'pow', maximum: 'max', minimum: 'min',
  lt: 'lt', gt: 'gt', le: 'le', ge: 'ge', eq: 'eq',
} as const satisfies Record<string, BinaryOp>;

/** Ids of the binary elementwise ops. */
export type BinaryId = keyof typeof BINARY_KERNEL;

/** Ids of the unary elementwise ops: the backend's unary kernels. */
export type UnaryId = (typeof UNARY_IDS)[number];

// One binary kernel call: two tensors, or a tensor and the number in attrs (on its side).
function binaryKernel(kernel: BinaryOp): Forward<BinaryId> {
  return (b, [x, y], attrs: ScalarAttrs) =>
    attrs.scalarSide === undefined ? b.binary(kernel, x!, y!) : b.scalar(kernel, x!, attrs.scalar!, attrs.scalarSide === 'left');
}

/** @internal The forward of each binary op, as its op-table entry names it. */
export const binaryForward = Object.fromEntries(
  Object.entries(BINARY_KERNEL).map(([id, kernel]) => [id, binaryKernel(kernel)]),
) as { readonly [K in BinaryId]: Forward<K> };

/** The ids of the unary elementwise ops (`exp`, `tanh`, `sin`...): each is a public op of the same name. */
export const UNARY_IDS = [
  'neg', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'sin', 'cos',
  'log1p', 'expm1', 'erf', 'sign', 'floor', 'ceil', 'round',
] as const satisfies readonly UnaryOp[];

/** @internal The forward of each unary op: the backend's unary kernel of the same name. */
export const unaryForward = Object.fromEntries(
  UNARY_IDS.map((id) => [id, ((b, [x]) => b.unary(id, x!)) as Forward<UnaryId>]),
) as { readonly [K in UnaryId]: Forward<K> };

// Attrs of a tensor–tensor op are shared; a number operand gets its own.
const TENSORS: ScalarAttrs = Object.freeze({});

function binaryOp(id: BinaryId, a: Operand, b: Operand, recorded: boolean): Tensor {
  const op = BINARY_KERNEL[id];
  checkOperand(op, a, 'the first operand');
  checkOperand(op, b, 'the second operand');
  if (isScalar(a) && isScalar(b)) throw new ArgumentError(op, `at least one operand must be a Tensor, got the numbers ${a} and ${b}; make one with tensor(...)`);
  let inputs: Tensor[];
  let handles: Handle[];
  let attrs: ScalarAttrs;
  if (isScalar(b)) {
    inputs = [a as Tensor];
    handles = [(a as Tensor).handle(op)];
    attrs = { scalar: b, scalarSide: 'right' };
  } else if (isScalar(a)) {
    inputs = [b];
    handles = [b.handle(op)];
    attrs = { scalar: a, scalarSide: 'left' };
  } else {
    sameDevice(op, a, b);
    // Equal shapes (the usual case) always broadcast; only others are worked out (and refused).
    if (!sameShape(a.shape, b.shape)) broadcastShapes(op, a.shape, b.shape);
    inputs = [a, b];
    handles = [a.handle(op), b.handle(op)];
    attrs = TENSORS;
  }
  const h = binaryForward[id](inputs[0]!.backend(op), handles, attrs);
  return recorded ? record(id, h, inputs, attrs) : unrecorded(op, h, inputs);
}

/** a + b with broadcasting. */
export function add(a: Operand, b: Operand): Tensor {
  return binaryOp('add', a, b, true);
}

/** a - b with broadcasting. */
export function sub(a: Operand, b: Operand): Tensor {
  return binaryOp('sub', a, b, true);
}

/** a * b with broadcasting. */
export function mul(a: Operand, b: Operand): Tensor {
  return binaryOp('mul', a, b, true);
}

/** a / b with broadcasting. */
export function div(a: Operand, b: Operand): Tensor {
  return binaryOp('div', a, b, true);
}

/** a ** b with broadcasting. */
export function pow(a: Operand, b: Operand): Tensor {
  return binaryOp('pow', a, b, true);
}

/** Elementwise maximum. */
export function maximum(a: Operand, b: Operand): Tensor {
  return binaryOp('maximum', a, b, true);
}

/** Elementwise minimum. */
export function minimum(a: Operand, b: Operand): Tensor {
  return binaryOp('minimum', a, b, true);
}

/** Comparison mask (1 where true, 0 elsewhere); not differentiable. */
export function compare(op: 'lt' | 'gt' | 'le' | 'ge' | 'eq', a: Operand, b: Operand): Tensor {
  // Masks carry no gradient, so nothing is recorded for them.
  return binaryOp(op, a, b, false);
}

function unaryOp(id: UnaryId, x: Tensor): Tensor {
  checkTensor(id, x, 'the input');
  return record(id, unaryForward[id](x.backend(id), [x.handle(id)], NO_ATTRS), [x], NO_ATTRS);
}

/** -x. */
export function neg(x: Tensor): Tensor {
  return unaryOp('neg', x);
}
/** e^x. */
export function exp(x: Tensor): Tensor {
  return unaryOp('exp', x);
}
/** ln x. */
export function log(x: Tensor): Tensor {
  return unaryOp('log', x);
}
/** √x. */
export function sqrt(x: Tensor): Tensor {
  return unaryOp('sqrt', x);
}
/**
 * |x|. The gradient is g·sign(x) with sign(0) = sign(NaN) = 0: a product, as PyTorch's
 * abs_backward, so an Inf g at x = 0 gives NaN there exactly as in PyTorch.
 */
export function abs(x: Tensor): Tensor {
  return unaryOp('abs', x);
}
/** tanh x. */
export function tanh(x: Tensor): Tensor {
  return unaryOp('tanh', x);
}
/** 1 / (1 + e^-x). */
export function sigmoid(x: Tensor): Tensor {
  return unaryOp('sigmoid', x);
}
/**
 * max(x, 0), NaN staying NaN as in PyTorch. The gradient is 0 where the output is <= 0 and g
 * elsewhere (NaN included), selected by `where` as PyTorch's threshold_backward (g·mask would
 * turn an Inf g into NaN where the mask is 0).
 */
export function relu(x: Tensor): Tensor {
  return unaryOp('relu', x);
}
/** sin x (radians). */
export function sin(x: Tensor): Tensor {
  return unaryOp('sin', x);
}
/** cos x (radians). */
export function cos(x: Tensor): Tensor {
  return unaryOp('cos', x);
}
/** ln(1 + x), accurate for small x (where `x.add(1).log()` loses every digit), as torch.log1p. */
export function log1p(x: Tensor): Tensor {
  return unaryOp('log1p', x);
}
/** e^x − 1, accurate for small x (where `x.exp().sub(1)` loses every digit), as torch.expm1. */
export function expm1(x: Tensor): Tensor {
  return unaryOp('expm1', x);
}
/** The error function, as torch.erf. */
export function erf(x: Tensor): Tensor {
  return unaryOp('erf', x);
}
/** −1, 0 or 1 by the sign of x; 0 for ±0 and NaN, and a zero gradient, as torch.sign. */
export function sign(x: Tensor): Tensor {
  return unaryOp('sign', x);
}
/** The largest integer <= x; its gradient is 0, as torch.floor. */
export function floor(x: Tensor): Tensor {
  return unaryOp('floor', x);
}
/** The smallest integer >= x; its gradient is 0, as torch.ceil. */
export function ceil(x: Tensor): Tensor {
  return unaryOp('ceil', x);
}
/** The nearest integer, ties to even (round(2.5) = 2), as torch.round; its gradient is 0. */
export function round(x: Tensor): Tensor {
  return unaryOp('round', x);
}

/** @internal The forward of reciprocal: 1 / x, one scalar kernel. */
export const reciprocalForward: Forward<'reciprocal'> = (be, [x]) => be.scalar('div', x!, 1, true);
/** @internal The forward of rsqrt: x ** −0.5, which every backend computes as 1 / √x in one kernel. */
export const rsqrtForward: Forward<'rsqrt'> = (be, [x]) => be.scalar('pow', x!, -0.5, false);
/** @internal The forward of square: x · x. */
export const squareForward: Forward<'square'> = (be, [x]) => be.binary('mul', x!, x!);

// An op made of existing kernels, recorded under its own id (the graph shows `reciprocal`, not `div`).
function composite<K extends 'reciprocal' | 'rsqrt' | 'square'>(id: K, forward: Forward<K>, x: Tensor): Tensor {
  checkTensor(id, x, 'the input');
  return record(id, forward(x.backend(id), [x.handle(id)], NO_ATTRS), [x], NO_ATTRS);
}

/** 1 / x, as torch.reciprocal (its gradient −g/x² is computed from the output, −g·y·y). */
export function reciprocal(x: Tensor): Tensor {
  return composite('reciprocal', reciprocalForward, x);
}
/** 1 / √x, as torch.rsqrt (rsqrt(0) = Inf, rsqrt(−0) = −Inf, negatives NaN). */
export function rsqrt(x: Tensor): Tensor {
  return composite('rsqrt', rsqrtForward, x);
}
/** x², as torch.square. */
export function square(x: Tensor): Tensor {
  return composite('square', squareForward, x);
}

/**
 * Limit x to [min, max]. Gradient passes where min <= x <= max and is 0 elsewhere (NaN included),
 * selected by `where` as PyTorch's clamp_backward (so at x == min it passes, unlike relu).
 */
export function clamp(x: Tensor, bounds: { min?: number; max?: number }): Tensor {
  checkTensor('clamp', x, 'the input');
  if (typeof bounds === 'number') throw new ArgumentError('clamp', `expected the bounds as an object, got the number ${bounds}; write clamp({ min: ${bounds} }) or clamp({ max: ${bounds} })`);
  checkOptions('clamp', bounds, clampBounds);
  const { min, max } = bounds ?? {};
  if (min === undefined && max === undefined) throw new ArgumentError('clamp', 'give at least one of min and max, e.g. clamp({ min: 0 })');
  const attrs = { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  return record('clamp', clampForward(x.backend('clamp'), [x.handle('clamp')], attrs), [x], attrs);
}

/** @internal The forward of clamp: a max with the lower bound, then a min with the upper. */
export const clampForward: Forward<'clamp'> = (be, [x], { min, max }) => {
  let h = x!;
  let owned = false;
  if (min !== undefined) {
    h = be.scalar('max', h, min, false);
    owned = true;
  }
  if (max !== undefined) {
    const h2 = be.scalar('min', h, max, false);
    if (owned) be.free(h);
    h = h2;
  }
  return h;
};
