import type { DifferentiableOp } from '../opdef.js';
import { sumToShape } from '../record.js';
import { maskedFillForward, where, whereForward } from '../select.js';
import { factor } from './elementwise.js';

// The op table's entries for where and maskedFill: the gradient goes where the
// value came from, and the mask takes none.

/** where(cond, a, b), inputs [a, b, cond]. */
export const whereDef: DifferentiableOp<'where'> = {
  forward: whereForward,
  saves: ['mask'],
  // Each gradient is summed back to its input's shape: cond may broadcast a and b larger.
  backward: ({ g, inputs: [a, b, cond] }) => [
    a!.requiresGrad ? sumToShape(where(cond!, g, 0), a!.shape) : null,
    b!.requiresGrad ? sumToShape(where(cond!, 0, g), b!.shape) : null,
    null,
  ],
  explain: {
    formula: (n, S) => S.fn('where', n.inputs.map((t) => S.value(t)), n.out.shape, n.attrs),
    derivative: (n, k, S) => {
      if (k === 2) return undefined;
      const c = n.inputs[2]!;
      const cond = S.fn('ne0', [S.value(c)], c.shape);
      return factor(S, k === 0 ? cond : S.sub(S.num(1), cond), n.inputs[k]!.shape);
    },
  },
};

/** maskedFill(x, mask, value), inputs [x, mask]. */
export const maskedFillDef: DifferentiableOp<'maskedFill'> = {
  forward: maskedFillForward,
  saves: ['mask'],
  // A mask larger than x broadcasts the result (and its gradient) larger: sum back to x's shape.
  backward: ({ g, inputs: [x, mask] }) => [sumToShape(where(mask!, 0, g), x!.shape), null],
  explain: {
    formula: (n, S) => S.fn('maskedFill', n.inputs.map((t) => S.value(t)), n.out.shape, n.attrs),
    derivative: (n, k, S) => {
      if (k !== 0) return undefined;
      const m = n.inputs[1]!;
      return factor(S, S.sub(S.num(1), S.fn('ne0', [S.value(m)], m.shape)), n.inputs[0]!.shape);
    },
  },
};
