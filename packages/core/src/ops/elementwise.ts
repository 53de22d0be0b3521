import type { BinaryOp, UnaryOp } from '../backend.js';
import { broadcastShapes } from '../shape.js';
import { Tensor, type Operand } from '../tensor.js';
import { isScalar, result, sameDevice, sumToShape, type OpSpec } from './record.js';
import { scalarTensor, where } from './select.js';
import { expand } from './shape.js';
import { ArgumentError } from '../errors.js';
import { checkOperand, checkOptions, checkTensor, isNumber } from '../validate.js';

const clampBounds = { min: isNumber, max: isNumber };

// `spec` builds what autograd records (only when it records); null for ops without a gradient.
function binaryOp(op: BinaryOp, a: Operand, b: Operand, spec: ((a: Tensor | number, b: Tensor | number) => OpSpec) | null): Tensor {
  checkOperand(op, a, 'the first operand');
  checkOperand(op, b, 'the second operand');
  if (isScalar(a) && isScalar(b)) throw new ArgumentError(op, `at least one operand must be a Tensor, got the numbers ${a} and ${b}; make one with tensor(...)`);
  if (isScalar(b)) {
    const ta = a as Tensor;
    const be = ta.backend(op);
    return result(op, be.scalar(op, ta.handle(op), b, false), [ta], spec ? () => spec(ta, b) : {});
  }
  if (isScalar(a)) {
    const be = b.backend(op);
    return result(op, be.scalar(op, b.handle(op), a, true), [b], spec ? () => spec(a, b) : {});
  }
  const be = sameDevice(op, a, b);
  broadcastShapes(op, a.shape, b.shape);
  return result(op, be.binary(op, a.handle(op), b.handle(op)), [a, b], spec ? () => spec(a, b) : {});
}

// Gradients for a binary op, as a list over the tensor operands only (scalars get none).
function grads(a: Operand, b: Operand, ga: () => Tensor, gb: () => Tensor): (Tensor | null)[] {
  const out: (Tensor | null)[] = [];
  if (!isScalar(a)) out.push(a.requiresGrad ? sumToShape(ga(), a.shape) : null);
  if (!isScalar(b)) out.push(b.requiresGrad ? sumToShape(gb(), b.shape) : null);
  return out;
}

function attrsOf(a: Operand, b: Operand): Record<string, unknown> {
  if (isScalar(a)) return { scalar: a, scalarSide: 'left' };
  if (isScalar(b)) return { scalar: b, scalarSide: 'right' };
  return {};
}

/** a + b with broadcasting. */
export function add(a: Operand, b: Operand): Tensor {
  return binaryOp('add', a, b, (a, b) => ({
    attrs: attrsOf(a, b),
    backward: (g) => grads(a, b, () => g, () => g),
  }));
}

/** a - b with broadcasting. */
export function sub(a: Operand, b: Operand): Tensor {
  return binaryOp('sub', a, b, (a, b) => ({
    attrs: attrsOf(a, b),
    backward: (g) => grads(a, b, () => g, () => neg(g)),
  }));
}

/** a * b with broadcasting. */
export function mul(a: Operand, b: Operand): Tensor {
  return binaryOp('mul', a, b, (a, b) => ({
    attrs: attrsOf(a, b),
    saves: [...(isScalar(b) ? [] : ['b']), ...(isScalar(a) ? [] : ['a'])],
    backward: (g) => grads(a, b, () => mul(g, b), () => mul(g, a)),
  }));
}

/** a / b with broadcasting. */
export function div(a: Operand, b: Operand): Tensor {
  return binaryOp('div', a, b, (a, b) => ({
    attrs: attrsOf(a, b),
    saves: isScalar(b) ? [] : ['a', 'b'],
    // d(a/b)/db = -a / b²
    backward: (g) => grads(a, b, () => div(g, b), () => neg(div(mul(g, a), mul(b, b)))),
  }));
}

/** a ** b with broadcasting. */
export function pow(a: Operand, b: Operand): Tensor {
  return binaryOp('pow', a, b, (a, b) => ({
    attrs: attrsOf(a, b),
    // b's gradient reads the output too.
    saves: ['a', 'b', ...(isScalar(b) ? [] : ['output'])],
    backward: (g, out) =>
      grads(
        a,
        b,
        // d(a^b)/da = b·a^(b−1), but 0 where b == 0 (a^0 is constant, even at a = 0 where 0·0^−1
        // would be NaN), as PyTorch's pow_backward.
        () =>
          isScalar(b)
            ? b === 0
              ? zerosOf(g)
              : mul(g, mul(pow(a, b - 1), b))
            : where(compare('eq', b, 0), 0, mul(g, mul(b, pow(a, sub(b, 1))))),
        // d(a^b)/db = a^b · ln a, but 0 where a == 0 and b >= 0 (ln 0 = −Inf would give NaN or −Inf),
        // as PyTorch's pow_backward_exponent.
        () =>
          isScalar(a)
            ? a === 0
              ? where(compare('ge', b, 0), 0, mul(mul(g, out), -Infinity))
              : mul(mul(g, out), Math.log(a))
            : where(mul(compare('eq', a, 0), compare('ge', b, 0)), 0, mul(g, mul(out, log(a)))),
      ),
  }));
}

/**
 * The gradient of maximum/minimum before the loser's share is cut: g, halved where a == b.
 * As PyTorch: a tie splits it 0.5/0.5, a NaN in either operand sends it to both,
 * and the loser gets 0 by `where`, never by multiplying with a mask (0·Inf is NaN).
 * Made once, on first use, for both operands.
 */
function tieSplit(g: Tensor, a: Operand, b: Operand): () => Tensor {
  let split: Tensor | undefined;
  return () => (split ??= where(compare('eq', a, b), mul(g, 0.5), g));
}

// Zeros of g's shape on g's device, made there (a 0-d zero expanded): no upload.
function zerosOf(g: Tensor): Tensor {
  const zero = scalarTensor(g.backend('zeros'), 0);
  const z = expand(zero, g.shape);
  zero.dispose();
  return z;
}

/** Elementwise maximum. */
export function maximum(a: Operand, b: Operand): Tensor {
  return binaryOp('max', a, b, (a, b) => ({
    attrs: attrsOf(a, b),
    saves: ['a', 'b'],
    backward: (g) => {
      const half = tieSplit(g, a, b);
      return grads(a, b, () => where(compare('lt', a, b), 0, half()), () => where(compare('gt', a, b), 0, half()));
    },
  }));
}

/** Elementwise minimum. */
export function minimum(a: Operand, b: Operand): Tensor {
  return binaryOp('min', a, b, (a, b) => ({
    attrs: attrsOf(a, b),
    saves: ['a', 'b'],
    backward: (g) => {
      const half = tieSplit(g, a, b);
      return grads(a, b, () => where(compare('gt', a, b), 0, half()), () => where(compare('lt', a, b), 0, half()));
    },
  }));
}

/** Comparison mask (1 where true, 0 elsewhere); not differentiable. */
export function compare(op: 'lt' | 'gt' | 'le' | 'ge' | 'eq', a: Operand, b: Operand): Tensor {
  // Masks carry no gradient, so nothing is recorded for them.
  return binaryOp(op, a, b, null);
}

function unaryOp(op: UnaryOp, x: Tensor, spec: OpSpec): Tensor {
  checkTensor(op, x, 'the input');
  return result(op, x.backend(op).unary(op, x.handle(op)), [x], spec);
}

/** -x. */
export function neg(x: Tensor): Tensor {
  return unaryOp('neg', x, { backward: (g) => [neg(g)] });
}
/** e^x. */
export function exp(x: Tensor): Tensor {
  return unaryOp('exp', x, { saves: ['output'], backward: (g, out) => [mul(g, out)] });
}
/** ln x. */
export function log(x: Tensor): Tensor {
  return unaryOp('log', x, { saves: ['a'], backward: (g) => [div(g, x)] });
}
/** √x. */
export function sqrt(x: Tensor): Tensor {
  return unaryOp('sqrt', x, { saves: ['output'], backward: (g, out) => [div(mul(g, 0.5), out)] });
}
/**
 * |x|. The gradient is g·sign(x) with sign(0) = sign(NaN) = 0: a product, as PyTorch's
 * abs_backward, so an Inf g at x = 0 gives NaN there exactly as in PyTorch.
 */
export function abs(x: Tensor): Tensor {
  return unaryOp('abs', x, { saves: ['a'], backward: (g) => [mul(g, sub(compare('gt', x, 0), compare('lt', x, 0)))] });
}
/** tanh x. */
export function tanh(x: Tensor): Tensor {
  return unaryOp('tanh', x, { saves: ['output'], backward: (g, out) => [mul(g, sub(1, mul(out, out)))] });
}
/** 1 / (1 + e^-x). */
export function sigmoid(x: Tensor): Tensor {
  return unaryOp('sigmoid', x, { saves: ['output'], backward: (g, out) => [mul(g, mul(out, sub(1, out)))] });
}
/**
 * max(x, 0), NaN staying NaN as in PyTorch. The gradient is 0 where the output is <= 0 and g
 * elsewhere (NaN included), selected by `where` as PyTorch's threshold_backward (g·mask would
 * turn an Inf g into NaN where the mask is 0).
 */
export function relu(x: Tensor): Tensor {
  return unaryOp('relu', x, { saves: ['output'], backward: (g, out) => [where(compare('le', out, 0), 0, g)] });
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
  const be = x.backend('clamp');
  let h = x.handle('clamp');
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
  return result('clamp', h, [x], {
    attrs: { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) },
    saves: ['a'],
    backward: (g) => {
      let mask = min !== undefined ? compare('ge', x, min) : null;
      if (max !== undefined) {
        const upper = compare('le', x, max);
        mask = mask ? mul(mask, upper) : upper;
      }
      // The bounds' masks are 0/1, so their product is their logical and.
      return [where(mask!, g, 0)];
    },
  });
}
