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

// amax and amin share their gradient: split evenly among the elements equal to the extreme
// (torch.amax/amin). They differ only in the forward, the name shown (what the caller wrote:
// max or min) and the mask symbol explain draws for the tied elements.
function extremumDef<K extends 'amax' | 'amin'>(
  forward: DifferentiableOp<K>['forward'],
  shown: 'max' | 'min',
  mask: 'maxMask' | 'minMask',
): DifferentiableOp<K> {
  return {
    forward,
    saves: ['a', 'output'],
    backward: ({ g, inputs, attrs, out }) => {
      const x = inputs[0]!;
      const axes = reducedAxes(x.shape, attrs);
      const hits = compare('eq', x, keptDims(out, x, axes));
      const ties = sum(hits, axes, true);
      return [mul(spread(g, x, axes), div(hits, ties))];
    },
    explain: {
      // Shown as max/min, the reduction of max(x, dim)/min(x, dim).
      formula: (n, S) => S.fn(shown, [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
      derivative: (n, _k, S) => {
        const shape = n.inputs[0]!.shape;
        const dims = dimsOf(n);
        return (G) => S.mul(symSpread(S, G, shape, dims), S.fn(mask, [S.value(n.inputs[0]!)], shape, { dim: dims }));
      },
    },
  };
}

/** amax (x.max()): the gradient is split evenly among the elements equal to the max, as torch.amax. */
export const amaxDef: DifferentiableOp<'amax'> = extremumDef<'amax'>(amaxForward, 'max', 'maxMask');

/**
 * amin (x.min()): the gradient is split evenly among the elements equal to the min, as torch.amin
 * (torch's min(dim) gives all of it to the first index it returns; nn's min(dim) is amin's).
 */
export const aminDef: DifferentiableOp<'amin'> = extremumDef<'amin'>(aminForward, 'min', 'minMask');
