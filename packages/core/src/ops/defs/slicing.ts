import { Tensor } from '../../tensor.js';
import type { Shape } from '../../shape.js';
import type { DifferentiableOp, SliceAttrs } from '../opdef.js';
import { reshape } from '../shape.js';
import { slice, sliceForward, sliceScatter, sliceScatterForward, squeezeForward, unsqueezeForward, zerosHandle } from '../slicing.js';

// The op table's entries for the slicing views and slice_scatter. A slice's
// gradient is zero outside the slice: it is padded back with slice_scatter.

/** @internal `g` written into zeros of `shape` at the slice `a` (the backward of narrow and slice). */
export function padSlice(g: Tensor, shape: Shape, a: SliceAttrs): Tensor {
  const zeros = new Tensor(zerosHandle(g.backend('slice'), shape));
  try {
    return sliceScatter(zeros, g, a.dim, a.start, a.end, a.step);
  } finally {
    zeros.dispose();
  }
}

/** narrow and slice: the gradient is padded back with zeros outside the slice. */
export const sliceDef: DifferentiableOp<'slice'> = {
  forward: sliceForward,
  saves: [],
  backward: ({ g, inputs, attrs }) => [padSlice(g, inputs[0]!.shape, attrs)],
  explain: {
    formula: (n, S) => S.fn('slice', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => (G) => S.fn('padSlice', [G], n.inputs[0]!.shape, n.attrs),
  },
};

/** squeeze: the gradient gets the size-1 dims back. */
export const squeezeDef: DifferentiableOp<'squeeze'> = {
  forward: squeezeForward,
  saves: [],
  backward: ({ g, inputs }) => [reshape(g, inputs[0]!.shape)],
  explain: {
    formula: (n, S) => S.fn('squeeze', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => (G) => S.fn('reshape', [G], n.inputs[0]!.shape),
  },
};

/** unsqueeze: the gradient loses the new dim. */
export const unsqueezeDef: DifferentiableOp<'unsqueeze'> = {
  forward: unsqueezeForward,
  saves: [],
  backward: ({ g, inputs }) => [reshape(g, inputs[0]!.shape)],
  explain: {
    formula: (n, S) => S.fn('unsqueeze', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => (G) => S.fn('reshape', [G], n.inputs[0]!.shape),
  },
};

/** sliceScatter(x, src): x's gradient is zero on the slice (src replaced it there), src's is the gradient's slice. */
export const sliceScatterDef: DifferentiableOp<'sliceScatter'> = {
  forward: sliceScatterForward,
  saves: [],
  backward: ({ g, inputs: [x, src], attrs: a }) => {
    let gx: Tensor | null = null;
    if (x!.requiresGrad) {
      const zeros = new Tensor(zerosHandle(g.backend('sliceScatter'), src!.shape));
      gx = sliceScatter(g, zeros, a.dim, a.start, a.end, a.step);
      zeros.dispose();
    }
    return [gx, src!.requiresGrad ? slice(g, a.dim, a.start, a.end, a.step) : null];
  },
  explain: {
    formula: (n, S) => S.fn('sliceScatter', n.inputs.map((t) => S.value(t)), n.out.shape, n.attrs),
    derivative: (n, k, S) =>
      k === 0 ? (G) => S.fn('zeroSlice', [G], n.out.shape, n.attrs) : (G) => S.fn('slice', [G], n.inputs[1]!.shape, n.attrs),
  },
};
