import type { DifferentiableOp } from '../opdef.js';
import { sumToShape } from '../record.js';
import { cloneForward, expandForward, permute, permuteForward, reshape, reshapeForward, t, tForward } from '../shape.js';

// The op table's entries for the shape ops. Their forwards live in ops/shape.ts
// (views of the same buffer); their gradients only move the gradient around.

/** reshape: the gradient is reshaped back. */
export const reshapeDef: DifferentiableOp<'reshape'> = {
  forward: reshapeForward,
  saves: [],
  backward: ({ g, inputs }) => [reshape(g, inputs[0]!.shape)],
  explain: {
    formula: (n, S) => S.fn('reshape', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => (G) => S.fn('reshape', [G], n.inputs[0]!.shape),
  },
};

// The permutation that undoes `dims`.
function inverseOf(dims: readonly number[]): number[] {
  const inverse = new Array<number>(dims.length);
  dims.forEach((p, i) => (inverse[p] = i));
  return inverse;
}

/** permute: the gradient is permuted back. */
export const permuteDef: DifferentiableOp<'permute'> = {
  forward: permuteForward,
  saves: [],
  backward: ({ g, attrs }) => [permute(g, inverseOf(attrs.dims))],
  explain: {
    formula: (n, S) => S.fn('permute', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => (G) => S.fn('permute', [G], n.inputs[0]!.shape, { dims: inverseOf(n.attrs.dims) }),
  },
};

/** t: the gradient is transposed back. */
export const tDef: DifferentiableOp<'t'> = {
  forward: tForward,
  saves: [],
  backward: ({ g }) => [t(g)],
  explain: {
    formula: (n, S) => S.T(S.value(n.inputs[0]!)),
    derivative: (_n, _k, S) => (G) => S.T(G),
  },
};

/** expand: the gradient is summed over the repeated dims. */
export const expandDef: DifferentiableOp<'expand'> = {
  forward: expandForward,
  saves: [],
  backward: ({ g, inputs }) => [sumToShape(g, inputs[0]!.shape)],
  explain: {
    formula: (n, S) => S.fn('expand', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => (G) => S.sumTo(G, n.inputs[0]!.shape),
  },
};

/** clone: the gradient passes unchanged. */
export const cloneDef: DifferentiableOp<'clone'> = {
  forward: cloneForward,
  saves: [],
  backward: ({ g }) => [g],
  explain: {
    formula: (n, S) => S.fn('clone', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => (G) => S.sumTo(S.mul(G, S.one(n.out.shape)), n.inputs[0]!.shape),
  },
};
