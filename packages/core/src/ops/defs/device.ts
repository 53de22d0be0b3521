import type { DifferentiableOp } from '../opdef.js';
import { to, toForward } from '../device.js';

/** The op table's entry for to (and toAsync): the gradient is copied back to the input's device. */
export const toDef: DifferentiableOp<'to'> = {
  forward: toForward,
  saves: [],
  backward: ({ g, attrs }) => [to(g, attrs.from)],
  explain: {
    formula: (n, S) => S.fn('to', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => (G) => S.fn('to', [G], n.inputs[0]!.shape, { to: n.attrs.from }),
  },
};
