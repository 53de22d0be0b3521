import { reducedShape, sameShape } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import type { DifferentiableOp, ExplainContext, Symbols } from '../opdef.js';
import { compare, div, mul } from '../elementwise.js';
import { amaxForward, aminForward, meanForward, reducedAxes, sum, sumForward } from '../reduce.js';
import { expand, reshape } from '../shape.js';

// The op table's entries for the reductions.

// A reduced result with its reduced dims as 1s (a reshape only when keepdim dropped them).
function keptDims(t: Tensor, x: Tensor, axes: number[]): Tensor {
  const kept = reducedShape(x.shape, axes, true);
  return sameShape(t.shape, kept) ? t : reshape(t, kept);
}

// Line the reduced gradient up with the input, then broadcast.
function spread(g: Tensor, x: Tensor, axes: number[]): Tensor {
  return expand(keptDims(g, x, axes), x.shape);
}

// The same spread, as symbols: expand(reshape(G)).
function symSpread<X>(S: Symbols<X>, G: X, shape: readonly number[], dims: number[]): X {
  return S.fn('expand', [S.fn('reshape', [G], reducedShape(shape, dims, true))], shape);
}

// The dims the explanation shows: those recorded, or all of the input's.
function dimsOf(n: ExplainContext<'sum' | 'mean' | 'amax' | 'amin'>): number[] {
  return reducedAxes(n.inputs[0]!.shape, n.attrs);
}

/** sum: the gradient is spread back over the reduced dims. */
export const sumDef: DifferentiableOp<'sum'> = {
  forward: sumForward,
  saves: [],
  backward: ({ g, inputs, attrs }) => {
    const x = inputs[0]!;
    const axes = reducedAxes(x.shape, attrs);
    // A scalar's sum is a copy: its gradient passes unchanged.
    return [axes.length === 0 ? g : spread(g, x, axes)];
  },
  explain: {
    formula: (n, S) => S.fn('sum', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => (G) => symSpread(S, G, n.inputs[0]!.shape, dimsOf(n)),
  },
};

/** mean: the gradient over the count, spread back. */
export const meanDef: DifferentiableOp<'mean'> = {
  forward: meanForward,
  saves: [],
  backward: ({ g, inputs, attrs }) => {
    const x = inputs[0]!;
    const axes = reducedAxes(x.shape, attrs);
    let count = 1;
    for (const a of axes) count *= x.shape[a]!;
    return [spread(mul(g, 1 / count), x, axes)];
  },
  explain: {
    formula: (n, S) => S.fn('mean', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => {
      const shape = n.inputs[0]!.shape;
      const dims = dimsOf(n);
      const count = dims.reduce((c, d) => c * shape[d]!, 1);
      return (G) => S.mul(S.num(1 / count), symSpread(S, G, shape, dims));
    },
  },
};

/** amax (x.max()): the gradient is split evenly among the elements equal to the max, as torch.amax. */
export const amaxDef: DifferentiableOp<'amax'> = {
  forward: amaxForward,
  saves: ['a', 'output'],
  backward: ({ g, inputs, attrs, out }) => {
    const x = inputs[0]!;
    const axes = reducedAxes(x.shape, attrs);
    const mask = compare('eq', x, keptDims(out, x, axes));
    const ties = sum(mask, axes, true);
    return [mul(spread(g, x, axes), div(mask, ties))];
  },
  explain: {
    // Shown as max (what the caller wrote), the reduction of max(x, dim).
    formula: (n, S) => S.fn('max', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => {
      const shape = n.inputs[0]!.shape;
      const dims = dimsOf(n);
      return (G) => S.mul(symSpread(S, G, shape, dims), S.fn('maxMask', [S.value(n.inputs[0]!)], shape, { dim: dims }));
    },
  },
};

/**
 * amin (x.min()): the gradient is split evenly among the elements equal to the min, as torch.amin
 * (torch's min(dim) gives all of it to the first index it returns; nn's min(dim) is amin's).
 */
export const aminDef: DifferentiableOp<'amin'> = {
  forward: aminForward,
  saves: ['a', 'output'],
  backward: ({ g, inputs, attrs, out }) => {
    const x = inputs[0]!;
    const axes = reducedAxes(x.shape, attrs);
    const mask = compare('eq', x, keptDims(out, x, axes));
    const ties = sum(mask, axes, true);
    return [mul(spread(g, x, axes), div(mask, ties))];
  },
  explain: {
    formula: (n, S) => S.fn('min', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => {
      const shape = n.inputs[0]!.shape;
      const dims = dimsOf(n);
      return (G) => S.mul(symSpread(S, G, shape, dims), S.fn('minMask', [S.value(n.inputs[0]!)], shape, { dim: dims }));
    },
  },
};
