import type { Operand, Tensor } from '../../tensor.js';
import type { BackwardContext, DifferentiableOp, ExplainContext, Forward, OpDef, Symbols } from '../opdef.js';
import {
  add, binaryForward, clampForward, compare, cos, div, exp, log, mul, neg, pow, reciprocalForward, rsqrtForward, sin,
  squareForward, sub, unaryForward, type BinaryId, type UnaryId,
} from '../elementwise.js';
import { isScalar, sumToShape } from '../record.js';
import { scalarTensor, where } from '../select.js';
import { expand } from '../shape.js';

// The op table's entries for the elementwise ops: the forward each op calls,
// what its backward reads, its backward, and its local derivative for explain.

// ---- helpers shared by the binary entries ----------------------------------------

// The two operands of a binary op: its tensor inputs and the number its attrs hold.
function operands(ctx: BackwardContext<BinaryId>): [Operand, Operand] {
  const { scalar, scalarSide } = ctx.attrs;
  if (scalarSide === 'left') return [scalar!, ctx.inputs[0]!];
  if (scalarSide === 'right') return [ctx.inputs[0]!, scalar!];
  return [ctx.inputs[0]!, ctx.inputs[1]!];
}

// Gradients for a binary op, as a list over the tensor operands only (numbers get none),
// each summed back to its operand's shape (broadcasting made it larger).
function grads(a: Operand, b: Operand, ga: () => Tensor, gb: () => Tensor): (Tensor | null)[] {
  const out: (Tensor | null)[] = [];
  if (!isScalar(a)) out.push(a.requiresGrad ? sumToShape(ga(), a.shape) : null);
  if (!isScalar(b)) out.push(b.requiresGrad ? sumToShape(gb(), b.shape) : null);
  return out;
}

/** The operands as symbols, and which input index the first one is (-1 for a number). */
function symOperands<X>(n: ExplainContext<BinaryId>, S: Symbols<X>): { a: X; b: X; ia: number } {
  const { scalar, scalarSide } = n.attrs;
  if (scalarSide !== undefined) {
    const s = S.num(scalar!);
    const x = S.value(n.inputs[0]!);
    return scalarSide === 'left' ? { a: s, b: x, ia: -1 } : { a: x, b: s, ia: 0 };
  }
  return { a: S.value(n.inputs[0]!), b: S.value(n.inputs[1]!), ia: 0 };
}

/** The local derivative that scales the gradient by `f`, summed back to the input's shape. */
export function factor<X>(S: Symbols<X>, f: X, shape: readonly number[]): (G: X) => X {
  return (G) => S.sumTo(S.mul(G, f), shape);
}

// Zeros of g's shape on g's device, made there (a 0-d zero expanded): no upload.
function zerosOf(g: Tensor): Tensor {
  const zero = scalarTensor(g.backend('zeros'), 0);
  const z = expand(zero, g.shape);
  zero.dispose();
  return z;
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

// What binary ops save (shared arrays: autograd reads them for every node of every backward).
const SAVES_AB = ['a', 'b'] as const;
const SAVES_A = ['a'] as const;
const SAVES_B = ['b'] as const;
const SAVES_BA = ['b', 'a'] as const;
const SAVES_AB_OUT = ['a', 'b', 'output'] as const;

// maximum and minimum differ only in which comparison picks the winner.
function extremum<K extends 'maximum' | 'minimum'>(id: K): DifferentiableOp<K> {
  // Where a loses (a < b for maximum), a gets 0; where b loses, b does. The explanation's masks.
  const [aLoses, bLoses] = id === 'maximum' ? (['lt', 'gt'] as const) : (['gt', 'lt'] as const);
  const [first, second] = id === 'maximum' ? (['ge', 'lt'] as const) : (['le', 'gt'] as const);
  return {
    forward: binaryForward[id] as Forward<K>,
    saves: SAVES_AB,
    backward: (ctx) => {
      const [a, b] = operands(ctx);
      const half = tieSplit(ctx.g, a, b);
      return grads(a, b, () => where(compare(aLoses, a, b), 0, half()), () => where(compare(bLoses, a, b), 0, half()));
    },
    explain: {
      formula: (n, S) => {
        const { a, b } = symOperands(n, S);
        return S.fn(id, [a, b], n.out.shape);
      },
      derivative: (n, k, S) => {
        const { a, b, ia } = symOperands(n, S);
        return factor(S, S.fn(k === ia ? first : second, [a, b], n.out.shape), n.inputs[k]!.shape);
      },
    },
  };
}

// A unary op whose explanation is fn(x) and whose derivative is a factor.
function unary<K extends UnaryId>(
  id: K,
  saves: DifferentiableOp<K>['saves'],
  backward: (g: Tensor, x: Tensor, out: Tensor) => Tensor,
  derivative: <X>(S: Symbols<X>, x: X, y: X) => X,
): DifferentiableOp<K> {
  return {
    forward: unaryForward[id],
    saves,
    backward: ({ g, inputs, out }) => [backward(g, inputs[0]!, out)],
    explain: {
      formula: (n, S) => S.fn(id, [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
      derivative: (n, _k, S) => factor(S, derivative(S, S.value(n.inputs[0]!), S.value(n.out)), n.inputs[0]!.shape),
    },
  };
}

/** The binary elementwise entries; comparisons have no gradient and are never recorded. */
export const binaryDefs: { readonly [K in BinaryId]: OpDef<K> } = {
  add: {
    forward: binaryForward.add,
    saves: [],
    backward: (ctx) => {
      const [a, b] = operands(ctx);
      return grads(a, b, () => ctx.g, () => ctx.g);
    },
    explain: {
      formula: (n, S) => {
        const { a, b } = symOperands(n, S);
        return S.add(a, b);
      },
      derivative: (n, k, S) => factor(S, S.one(n.out.shape), n.inputs[k]!.shape),
    },
  },
  sub: {
    forward: binaryForward.sub,
    saves: [],
    backward: (ctx) => {
      const [a, b] = operands(ctx);
      return grads(a, b, () => ctx.g, () => neg(ctx.g));
    },
    explain: {
      formula: (n, S) => {
        const { a, b } = symOperands(n, S);
        return S.sub(a, b);
      },
      derivative: (n, k, S) => factor(S, k === symOperands(n, S).ia ? S.one(n.out.shape) : S.num(-1), n.inputs[k]!.shape),
    },
  },
  mul: {
    forward: binaryForward.mul,
    // Each operand's gradient reads the other one: x·2 saves the number (b), not x, so x
    // may change in place after it, and a second backward is refused, both as in PyTorch
    // (a number side names no tensor input: it has no version to check).
    saves: ({ scalarSide }) => (scalarSide === 'right' ? SAVES_B : scalarSide === 'left' ? SAVES_A : SAVES_BA),
    backward: (ctx) => {
      const [a, b] = operands(ctx);
      return grads(a, b, () => mul(ctx.g, b), () => mul(ctx.g, a));
    },
    explain: {
      formula: (n, S) => {
        const { a, b } = symOperands(n, S);
        return S.mul(a, b);
      },
      derivative: (n, k, S) => {
        const { a, b, ia } = symOperands(n, S);
        return factor(S, k === ia ? b : a, n.inputs[k]!.shape);
      },
    },
  },
  div: {
    forward: binaryForward.div,
    // x/2 reads only the number (saved, as PyTorch's DivBackward saves its divisor).
    saves: ({ scalarSide }) => (scalarSide === 'right' ? SAVES_B : SAVES_AB),
    // d(a/b)/da = 1/b, d(a/b)/db = -a / b², computed as PyTorch does, -g·((a/b)/b):
    // (g·a)/(b·b) would overflow at |b| = 1e30 and give NaN (0/0) at |b| = 1e-30.
    backward: (ctx) => {
      const [a, b] = operands(ctx);
      return grads(a, b, () => div(ctx.g, b), () => neg(mul(ctx.g, div(div(a, b), b))));
    },
    explain: {
      formula: (n, S) => {
        const { a, b } = symOperands(n, S);
        return S.div(a, b);
      },
      derivative: (n, k, S) => {
        const { a, b, ia } = symOperands(n, S);
        const shape = n.inputs[k]!.shape;
        return k === ia ? factor(S, S.div(S.num(1), b), shape) : factor(S, S.neg(S.div(a, S.pow(b, 2))), shape);
      },
    },
  },
  pow: {
    forward: binaryForward.pow,
    // b's gradient reads the output too.
    saves: ({ scalarSide }) => (scalarSide === 'right' ? SAVES_AB : SAVES_AB_OUT),
    backward: (ctx) => {
      const [a, b] = operands(ctx);
      const { g, out } = ctx;
      return grads(
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
        // as PyTorch's pow_backward_exponent: g · where(a == 0 and b >= 0, 0, a^b · ln a). g multiplies
        // after the select, so an Inf or NaN g there gives NaN, exactly as in PyTorch.
        () =>
          isScalar(a)
            ? a === 0
              ? mul(g, where(compare('ge', b, 0), 0, mul(out, -Infinity)))
              : mul(g, mul(out, Math.log(a)))
            : mul(g, where(mul(compare('eq', a, 0), compare('ge', b, 0)), 0, mul(out, log(a)))),
      );
    },
    explain: {
      formula: (n, S) => {
        const { a, b } = symOperands(n, S);
        return n.attrs.scalarSide === 'right' ? S.pow(a, n.attrs.scalar!) : S.fn('pow', [a, b], n.out.shape);
      },
      derivative: (n, k, S) => {
        const { a, b, ia } = symOperands(n, S);
        const shape = n.inputs[k]!.shape;
        if (k === ia) {
          const p = n.attrs.scalarSide === 'right' ? n.attrs.scalar! : undefined;
          const f = p !== undefined ? S.mul(b, S.pow(a, p - 1)) : S.mul(b, S.fn('pow', [a, S.sub(b, S.num(1))], n.out.shape));
          return factor(S, f, shape);
        }
        return factor(S, S.mul(S.value(n.out), S.fn('log', [a], S.shapeOf(a))), shape);
      },
    },
  },
  maximum: extremum('maximum'),
  minimum: extremum('minimum'),
  lt: { forward: binaryForward.lt, differentiable: false },
  gt: { forward: binaryForward.gt, differentiable: false },
  le: { forward: binaryForward.le, differentiable: false },
  ge: { forward: binaryForward.ge, differentiable: false },
  eq: { forward: binaryForward.eq, differentiable: false },
};

// 2/√π, erf's slope at 0.
const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** The unary elementwise entries. */
export const unaryDefs: { readonly [K in UnaryId]: DifferentiableOp<K> } = {
  neg: {
    forward: unaryForward.neg,
    saves: [],
    backward: ({ g }) => [neg(g)],
    explain: {
      formula: (n, S) => S.neg(S.value(n.inputs[0]!)),
      derivative: (n, _k, S) => factor(S, S.num(-1), n.inputs[0]!.shape),
    },
  },
  exp: unary('exp', ['output'], (g, _x, out) => mul(g, out), (_S, _x, y) => y),
  log: unary('log', ['a'], (g, x) => div(g, x), (S, x) => S.div(S.num(1), x)),
  sqrt: unary('sqrt', ['output'], (g, _x, out) => div(mul(g, 0.5), out), (S, _x, y) => S.div(S.num(1), S.mul(S.num(2), y))),
  // g·sign(x) with sign(0) = sign(NaN) = 0: a product, as PyTorch's abs_backward, so an Inf g
  // at x = 0 gives NaN there exactly as in PyTorch.
  abs: unary('abs', ['a'], (g, x) => mul(g, sub(compare('gt', x, 0), compare('lt', x, 0))), (S, x) => S.fn('sign', [x], S.shapeOf(x))),
  tanh: unary('tanh', ['output'], (g, _x, out) => mul(g, sub(1, mul(out, out))), (S, _x, y) => S.sub(S.num(1), S.pow(y, 2))),
  sigmoid: unary('sigmoid', ['output'], (g, _x, out) => mul(g, mul(out, sub(1, out))), (S, _x, y) => S.mul(y, S.sub(S.num(1), y))),
  // 0 where the output is <= 0 and g elsewhere (NaN included), selected by `where` as PyTorch's
  // threshold_backward (g·mask would turn an Inf g into NaN where the mask is 0). The
  // explanation tests the saved output too.
  relu: unary('relu', ['output'], (g, _x, out) => where(compare('le', out, 0), 0, g), (S, _x, y) => S.cmp(y, 'gt', 0)),
  // d sin x = cos x, d cos x = −sin x, as PyTorch's sin/cos backward.
  sin: unary('sin', ['a'], (g, x) => mul(g, cos(x)), (S, x) => S.fn('cos', [x], S.shapeOf(x))),
  cos: unary('cos', ['a'], (g, x) => mul(g, neg(sin(x))), (S, x) => S.neg(S.fn('sin', [x], S.shapeOf(x)))),
  // PyTorch: log1p g / (x + 1); expm1 g·(y + 1), from its output; erf g · 2/√π · e^(−x²).
  log1p: unary('log1p', ['a'], (g, x) => div(g, add(x, 1)), (S, x) => S.div(S.num(1), S.add(x, S.num(1)))),
  expm1: unary('expm1', ['output'], (g, _x, out) => mul(g, add(out, 1)), (S, _x, y) => S.add(y, S.num(1))),
  erf: unary('erf', ['a'], (g, x) => mul(g, mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI)), (S, x) => S.mul(S.num(TWO_OVER_SQRT_PI), S.fn('exp', [S.neg(S.pow(x, 2))], S.shapeOf(x)))),
  // Piecewise constant: a zero gradient (not none), as PyTorch's sign/floor/ceil/round backward.
  sign: unary('sign', [], (g) => zerosOf(g), (S) => S.num(0)),
  floor: unary('floor', [], (g) => zerosOf(g), (S) => S.num(0)),
  ceil: unary('ceil', [], (g) => zerosOf(g), (S) => S.num(0)),
  round: unary('round', [], (g) => zerosOf(g), (S) => S.num(0)),
};

// An op made of existing kernels whose gradient is a factor of x or of its output.
function composite<K extends 'reciprocal' | 'rsqrt' | 'square'>(
  forward: Forward<K>,
  saves: DifferentiableOp<K>['saves'],
  backward: (g: Tensor, x: Tensor, out: Tensor) => Tensor,
  formula: <X>(S: Symbols<X>, x: X) => X,
  derivative: <X>(S: Symbols<X>, x: X, y: X) => X,
): DifferentiableOp<K> {
  return {
    forward,
    saves,
    backward: ({ g, inputs, out }) => [backward(g, inputs[0]!, out)],
    explain: {
      formula: (n, S) => formula(S, S.value(n.inputs[0]!)),
      derivative: (n, _k, S) => factor(S, derivative(S, S.value(n.inputs[0]!), S.value(n.out)), n.inputs[0]!.shape),
    },
  };
}

/** reciprocal, rsqrt and square: their gradients as PyTorch computes them (from the output where it does). */
export const compositeDefs: { readonly [K in 'reciprocal' | 'rsqrt' | 'square']: DifferentiableOp<K> } = {
  // −g·(y·y), as PyTorch's reciprocal backward.
  reciprocal: composite(reciprocalForward, ['output'], (g, _x, y) => mul(neg(g), mul(y, y)), (S, x) => S.div(S.num(1), x), (S, _x, y) => S.neg(S.pow(y, 2))),
  // (−0.5·g)·y³, as PyTorch's rsqrt backward.
  rsqrt: composite(rsqrtForward, ['output'], (g, _x, y) => mul(mul(g, -0.5), pow(y, 3)), (S, x) => S.pow(x, -0.5), (S, _x, y) => S.mul(S.num(-0.5), S.pow(y, 3))),
  // g·(2x), as PyTorch's pow(x, 2) backward.
  square: composite(squareForward, ['a'], (g, x) => mul(g, mul(x, 2)), (S, x) => S.pow(x, 2), (S, x) => S.mul(S.num(2), x)),
};

/**
 * clamp's entry. The gradient passes where min <= x <= max and is 0 elsewhere (NaN included),
 * selected by `where` as PyTorch's clamp_backward (so at x == min it passes, unlike relu).
 */
export const clampDef: OpDef<'clamp'> = {
  forward: clampForward,
  saves: ['a'],
  backward: ({ g, inputs, attrs: { min, max } }) => {
    const x = inputs[0]!;
    let mask = min !== undefined ? compare('ge', x, min) : null;
    if (max !== undefined) {
      const upper = compare('le', x, max);
      mask = mask ? mul(mask, upper) : upper;
    }
    // The bounds' masks are 0/1, so their product is their logical and.
    return [where(mask!, g, 0)];
  },
  explain: {
    formula: (n, S) => S.fn('clamp', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => {
      const x = S.value(n.inputs[0]!);
      const { min: lo, max: hi } = n.attrs;
      let mask: ReturnType<typeof S.num> | undefined = lo !== undefined ? S.cmp(x, 'ge', lo) : undefined;
      if (hi !== undefined) mask = mask ? S.mul(mask, S.cmp(x, 'le', hi)) : S.cmp(x, 'le', hi);
      return factor(S, mask!, n.inputs[0]!.shape);
    },
  },
};
