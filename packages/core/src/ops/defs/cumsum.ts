import { reducedShape } from '../../shape.js';
import type { DifferentiableOp } from '../opdef.js';
import { cumsumForward, cumsumOp } from '../cumsum.js';

// The op table's entry for cumsum: the gradient of a running sum is the running sum
// from the end (PyTorch's reversed_cumsum), one kernel in the other direction.

/** cumsum: its gradient is the cumsum of g in the other direction. */
export const cumsumDef: DifferentiableOp<'cumsum'> = {
  forward: cumsumForward,
  saves: [],
  backward: ({ g, attrs: { dim, reverse } }) => [cumsumOp(g, dim, !reverse)],
  explain: {
    formula: (n, S) => S.fn('cumsum', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => {
      const { dim, reverse } = n.attrs;
      const shape = n.out.shape;
      if (reverse || shape.length === 0) return (G) => S.fn('cumsum', [G], shape, { dim });
      // Σ from the end = the total − the running sum + the element itself (explain has no reverse cumsum).
      return (G) => {
        const total = S.fn('expand', [S.fn('sum', [G], reducedShape(shape, [dim], true), { dim: [dim], keepdim: true })], shape);
        return S.add(S.sub(total, S.fn('cumsum', [G], shape, { dim })), G);
      };
    },
  },
};
