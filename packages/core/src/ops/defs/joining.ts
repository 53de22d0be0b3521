import type { Tensor } from '../../tensor.js';
import type { DifferentiableOp } from '../opdef.js';
import { catForward, flip, flipForward, repeatForward } from '../joining.js';
import { sum } from '../reduce.js';
import { reshape } from '../shape.js';
import { narrow } from '../slicing.js';

// The op table's entries for cat, flip and repeat: their gradients undo the
// joining (each input's piece of the gradient), the reversal, or the tiling.

/** cat: each input's gradient is its piece of the output's gradient (a narrow view). */
export const catDef: DifferentiableOp<'cat'> = {
  forward: catForward,
  saves: [],
  backward: ({ g, inputs, attrs: { dim, sizes } }) => {
    let start = 0;
    return inputs.map((t, k) => {
      const piece = t.requiresGrad ? narrow(g, dim, start, sizes[k]!) : null;
      start += sizes[k]!;
      return piece;
    });
  },
  explain: {
    formula: (n, S) => S.fn('cat', n.inputs.map((t) => S.value(t)), n.out.shape, n.attrs),
    derivative: (n, k, S) => {
      const start = n.attrs.sizes.slice(0, k).reduce((a, b) => a + b, 0);
      const attrs = { dim: n.attrs.dim, start, end: start + n.attrs.sizes[k]!, step: 1 };
      return (G) => S.fn('slice', [G], n.inputs[k]!.shape, attrs);
    },
  },
};

/** flip: the gradient is flipped back. */
export const flipDef: DifferentiableOp<'flip'> = {
  forward: flipForward,
  saves: [],
  backward: ({ g, attrs }) => [flip(g, attrs.dims)],
  explain: {
    formula: (n, S) => S.fn('flip', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => (G) => S.fn('flip', [G], n.inputs[0]!.shape, n.attrs),
  },
};

/** @internal The backward of repeat: the gradient's copies of each block summed into one. */
export function sumRepeats(g: Tensor, shape: readonly number[], sizes: readonly number[]): Tensor {
  const lead = sizes.length - shape.length;
  const own = [...sizes.slice(0, lead).map(() => 1), ...shape];
  // The output seen as [r0, s0, r1, s1, …]: the copies of dim i run along axis 2i.
  const wide = reshape(g, own.flatMap((n, i) => [sizes[i]!, n]));
  if (own.length === 0) return wide;
  return reshape(sum(wide, own.map((_, i) => 2 * i)), shape);
}

/** repeat: the gradient is summed over the repeated blocks. */
export const repeatDef: DifferentiableOp<'repeat'> = {
  forward: repeatForward,
  saves: [],
  backward: ({ g, inputs, attrs }) => [sumRepeats(g, inputs[0]!.shape, attrs.sizes)],
  explain: {
    formula: (n, S) => S.fn('repeat', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => (G) => S.fn('sumRepeats', [G], n.inputs[0]!.shape, n.attrs),
  },
};
