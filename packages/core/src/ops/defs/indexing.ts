import { Tensor } from '../../tensor.js';
import { sameShape, type Shape } from '../../shape.js';
import type { DifferentiableOp } from '../opdef.js';
import { gatherChecked, gatherForward, scatterAddChecked, scatterAddForward } from '../indexing.js';
import { sliceScatter, zerosHandle } from '../slicing.js';

// The op table's entries for gather (and indexSelect, a gather with a spread
// index) and scatterAdd: each one's gradient is the other. The index takes none.

/** @internal Zeros of `shape` on `like`'s device (a fresh 0-d buffer seen expanded). */
function zerosOf(like: Tensor, shape: Shape): Tensor {
  return new Tensor(zerosHandle(like.backend('zeros'), shape));
}

/** @internal The backward of gather: the gradient added back at the positions the index read (repeats accumulate). */
export function gatherBackward(g: Tensor, shape: Shape, dim: number, index: Tensor): Tensor {
  const zeros = zerosOf(g, shape);
  try {
    return scatterAddChecked(zeros, dim, index, g);
  } finally {
    zeros.dispose();
  }
}

/**
 * @internal The backward of scatterAdd for src: the gradient read where each src element
 * went, zero-padded at the end of each dim to src's shape where src is larger than the index.
 */
export function scatterAddSrcBackward(g: Tensor, srcShape: Shape, dim: number, index: Tensor): Tensor {
  let out = gatherChecked(g, dim, index);
  for (let d = 0; d < srcShape.length && !sameShape(out.shape, srcShape); d++) {
    if (out.shape[d] === srcShape[d]) continue;
    const zeros = zerosOf(g, out.shape.map((n, i) => (i === d ? srcShape[d]! : n)));
    const padded = sliceScatter(zeros, out, d, 0, out.shape[d]!);
    zeros.dispose();
    out.dispose();
    out = padded;
  }
  return out;
}

/** gather(x, dim, index), inputs [x, index]: x's gradient is scatterAdd of the gradient at the index. */
export const gatherDef: DifferentiableOp<'gather'> = {
  forward: gatherForward,
  saves: ['b'],
  backward: ({ g, inputs: [x, index], attrs }) => [gatherBackward(g, x!.shape, attrs.dim, index!), null],
  explain: {
    formula: (n, S) => S.fn('gather', n.inputs.map((t) => S.value(t)), n.out.shape, n.attrs),
    derivative: (n, k, S) => (k === 0 ? (G) => S.fn('gatherBackward', [G, S.value(n.inputs[1]!)], n.inputs[0]!.shape, n.attrs) : undefined),
  },
};

/** scatterAdd(x, dim, index, src), inputs [x, index, src]: x's gradient passes, src's is gathered at the index. */
export const scatterAddDef: DifferentiableOp<'scatterAdd'> = {
  forward: scatterAddForward,
  saves: ['b'],
  backward: ({ g, inputs: [x, index, src], attrs }) => [
    x!.requiresGrad ? g : null,
    null,
    src!.requiresGrad ? scatterAddSrcBackward(g, src!.shape, attrs.dim, index!) : null,
  ],
  explain: {
    formula: (n, S) => S.fn('scatterAdd', n.inputs.map((t) => S.value(t)), n.out.shape, n.attrs),
    derivative: (n, k, S) => {
      if (k === 0) return (G) => G;
      if (k === 1) return undefined;
      return (G) => S.fn('scatterAddSrcBackward', [G, S.value(n.inputs[1]!)], n.inputs[2]!.shape, n.attrs);
    },
  },
};
