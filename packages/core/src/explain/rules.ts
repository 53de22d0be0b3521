import { reducedShape, sameShape, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import * as E from './expr.js';
import type { Expr } from './expr.js';

/**
 * The chain rule, one op at a time: for every op the library records, its
 * forward formula and the local derivative for each input. This is the one
 * table the graphs and explainGradient read; it mirrors ops/* (whose backward
 * closures are what autograd runs) and explainGradient checks the two agree.
 */

/** How a local derivative acts on the incoming gradient G. */
export interface LocalDerivative {
  /** The gradient sent to the input, given the output's gradient G. */
  grad: (G: Expr) => Expr;
}

/** Ops explainGradient understands (every op in ops/* that records a backward). */
export const EXPLAINED_OPS = [
  'add', 'sub', 'mul', 'div', 'pow', 'max', 'min', 'neg', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'clamp',
  'mm', 'matmul', 't', 'permute', 'reshape', 'expand', 'clone', 'sum', 'mean', 'maskedFill', 'where', 'to',
] as const;

interface Operands {
  a: Expr;
  b: Expr;
  /** Index in node.inputs of a and b, or -1 for a scalar operand. */
  ia: number;
  ib: number;
}

// Binary ops record only their tensor operands; the scalar sits in attrs.
function operands(t: Tensor): Operands {
  const node = t._node!;
  const attrs = node.attrs;
  if (typeof attrs['scalar'] === 'number') {
    const s = E.num(attrs['scalar']);
    const x = E.value(node.inputs[0]!);
    return attrs['scalarSide'] === 'left' ? { a: s, b: x, ia: -1, ib: 0 } : { a: x, b: s, ia: 0, ib: -1 };
  }
  return { a: E.value(node.inputs[0]!), b: E.value(node.inputs[1]!), ia: 0, ib: 1 };
}

/**
 * Products made by matmulT carry their transposes as attrs, whatever name the
 * caller gave them (`mm`, `matmul`, @nn/layers' `Linear`): all follow one rule.
 */
function opOf(t: Tensor): string {
  const node = t._node!;
  if (node.inputs.length === 2 && typeof node.attrs['transA'] === 'boolean' && typeof node.attrs['transB'] === 'boolean') return 'mm';
  return node.op;
}

function isBinary(t: Tensor): boolean {
  const node = t._node!;
  return node.inputs.length === 2 || typeof node.attrs['scalar'] === 'number';
}

/** The formula that made `t` (`h_relu · w2`, `clamp(h, min=0)`), or undefined for a leaf. */
export function forwardFormula(t: Tensor): Expr | undefined {
  const node = t._node;
  if (!node) return undefined;
  const ins = node.inputs.map(E.value);
  const x = ins[0]!;
  const attrs = node.attrs;
  switch (opOf(t)) {
    case 'add':
    case 'sub':
    case 'mul':
    case 'div': {
      const { a, b } = operands(t);
      return ({ add: E.add, sub: E.sub, mul: E.mul, div: E.div } as const)[node.op as 'add' | 'sub' | 'mul' | 'div'](a, b);
    }
    case 'pow': {
      const { a, b } = operands(t);
      return b.kind === 'num' ? E.pow(a, b.value) : E.fn('pow', [a, b], t.shape);
    }
    case 'max':
    case 'min':
      if (isBinary(t)) {
        const { a, b } = operands(t);
        return E.fn(node.op === 'max' ? 'maximum' : 'minimum', [a, b], t.shape);
      }
      return E.fn('max', [x], t.shape, attrs);
    case 'mm':
    case 'matmul': {
      const a = attrs['transA'] ? E.T(ins[0]!) : ins[0]!;
      const b = attrs['transB'] ? E.T(ins[1]!) : ins[1]!;
      return E.mm(a, b);
    }
    case 't':
      return E.T(x);
    case 'neg':
      return E.neg(x);
    default:
      return E.fn(node.op, ins, t.shape, attrs);
  }
}

/** Sum a broadcast gradient back to the input's shape (nothing to do when the shapes match). */
function sumTo(G: Expr, shape: Shape): Expr {
  if (sameShape(G.shape, shape)) return G;
  return E.fn('sumTo', [G], shape);
}

function factor(f: Expr, shape: Shape): LocalDerivative {
  return { grad: (G) => sumTo(E.mul(G, f), shape) };
}

// Ops whose derivative moves the gradient around rather than scaling it.
function rearrange(grad: (G: Expr) => Expr): LocalDerivative {
  return { grad };
}

/**
 * The local derivative of `out` with respect to its input number `k`, or
 * undefined for an op this table does not know (the graph then shows `?`).
 */
export function localDerivative(out: Tensor, k: number): LocalDerivative | undefined {
  const node = out._node;
  if (!node) return undefined;
  const input = node.inputs[k]!;
  const shape = input.shape;
  const x = E.value(input);
  const y = E.value(out);
  const attrs = node.attrs;
  switch (opOf(out)) {
    case 'add':
      return factor(E.one(out.shape), shape);
    case 'sub': {
      const { ia } = operands(out);
      return factor(k === ia ? E.one(out.shape) : E.num(-1), shape);
    }
    case 'mul': {
      const { a, b, ia } = operands(out);
      return factor(k === ia ? b : a, shape);
    }
    case 'div': {
      const { a, b, ia } = operands(out);
      // d(a/b)/da = 1/b, d(a/b)/db = −a/b²
      return k === ia ? factor(E.div(E.num(1), b), shape) : factor(E.neg(E.div(a, E.pow(b, 2))), shape);
    }
    case 'pow': {
      const { a, b, ia } = operands(out);
      if (k === ia) {
        const f = b.kind === 'num' ? E.mul(b, E.pow(a, b.value - 1)) : E.mul(b, E.fn('pow', [a, E.sub(b, E.num(1))], out.shape));
        return factor(f, shape);
      }
      return factor(E.mul(y, E.fn('log', [a], a.shape)), shape);
    }
    case 'max':
    case 'min': {
      if (!isBinary(out)) {
        const dims = (attrs['dim'] as number[] | undefined) ?? shape.map((_, i) => i);
        return rearrange((G) =>
          E.mul(E.fn('expand', [E.fn('reshape', [G], reducedShape(shape, dims, true))], shape), E.fn('maxMask', [x], shape, { dim: dims })),
        );
      }
      const { a, b, ia } = operands(out);
      const [first, second] = node.op === 'max' ? ['ge', 'lt'] : ['le', 'gt'];
      return factor(E.fn(k === ia ? first! : second!, [a, b], out.shape), shape);
    }
    case 'neg':
      return factor(E.num(-1), shape);
    case 'exp':
      return factor(y, shape);
    case 'log':
      return factor(E.div(E.num(1), x), shape);
    case 'sqrt':
      return factor(E.div(E.num(1), E.mul(E.num(2), y)), shape);
    case 'abs':
      return factor(E.fn('sign', [x], shape), shape);
    case 'tanh':
      return factor(E.sub(E.num(1), E.pow(y, 2)), shape);
    case 'sigmoid':
      return factor(E.mul(y, E.sub(E.num(1), y)), shape);
    case 'relu':
      // ops/elementwise.ts tests the saved output, as PyTorch's threshold_backward.
      return factor(E.cmp(y, 'gt', 0), shape);
    case 'clamp': {
      const lo = attrs['min'] as number | undefined;
      const hi = attrs['max'] as number | undefined;
      let mask: Expr | undefined = lo !== undefined ? E.cmp(x, 'ge', lo) : undefined;
      if (hi !== undefined) mask = mask ? E.mul(mask, E.cmp(x, 'le', hi)) : E.cmp(x, 'le', hi);
      return factor(mask!, shape);
    }
    case 'mm':
    case 'matmul': {
      // C = A'·B' with A' = A or Aᵀ: dA' = G·B'ᵀ and dB' = A'ᵀ·G.
      const ta = attrs['transA'] === true;
      const tb = attrs['transB'] === true;
      const a = ta ? E.T(E.value(node.inputs[0]!)) : E.value(node.inputs[0]!);
      const b = tb ? E.T(E.value(node.inputs[1]!)) : E.value(node.inputs[1]!);
      if (k === 0) {
        return rearrange((G) => (ta ? E.T(E.mm(G, E.T(b))) : E.mm(G, E.T(b))));
      }
      return rearrange((G) => (tb ? E.T(E.mm(E.T(a), G)) : E.mm(E.T(a), G)));
    }
    case 't':
      return rearrange((G) => E.T(G));
    case 'permute': {
      const dims = attrs['dims'] as number[];
      const inverse = new Array<number>(dims.length);
      dims.forEach((p, i) => (inverse[p] = i));
      return rearrange((G) => E.fn('permute', [G], shape, { dims: inverse }));
    }
    case 'reshape':
      return rearrange((G) => E.fn('reshape', [G], shape));
    case 'expand':
      return rearrange((G) => sumTo(G, shape));
    case 'clone':
      return factor(E.one(out.shape), shape);
    case 'to':
      return rearrange((G) => E.fn('to', [G], shape, { to: attrs['from'] }));
    case 'sum':
    case 'mean': {
      const dims = (attrs['dim'] as number[] | undefined) ?? shape.map((_, i) => i);
      const count = dims.reduce((n, d) => n * shape[d]!, 1);
      const spread = (G: Expr): Expr => E.fn('expand', [E.fn('reshape', [G], reducedShape(shape, dims, true))], shape);
      if (node.op === 'sum') return rearrange(spread);
      return rearrange((G) => E.mul(E.num(1 / count), spread(G)));
    }
    case 'maskedFill': {
      if (k !== 0) return undefined;
      return factor(E.sub(E.num(1), E.fn('ne0', [E.value(node.inputs[1]!)], node.inputs[1]!.shape)), shape);
    }
    case 'where': {
      if (k === 2) return undefined;
      const cond = E.fn('ne0', [E.value(node.inputs[2]!)], node.inputs[2]!.shape);
      return factor(k === 0 ? cond : E.sub(E.num(1), cond), shape);
    }
    default:
      return undefined;
  }
}
