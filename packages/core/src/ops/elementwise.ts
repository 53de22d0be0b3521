import type { BinaryOp, Handle, UnaryOp } from '../backend.js';
import { broadcastShapes } from '../shape.js';
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
export const UNARY_IDS = ['neg', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'sin', 'cos'] as const satisfies readonly UnaryOp[];

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
    broadcastShapes(op, a.shape, b.shape);
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
