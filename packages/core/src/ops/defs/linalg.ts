import type { DifferentiableOp } from '../opdef.js';
import { matmulT, mmForward } from '../linalg.js';

/**
 * The op table's entry for every matrix product (mm, matmul, @nn/layers' Linear):
 * C = op(A)·op(B). The backward uses the transposed forms so it never materialises
 * a transpose: for C = A·B, dA = G·Bᵀ and dB = Aᵀ·G.
 */
export const mmDef: DifferentiableOp<'mm'> = {
  forward: mmForward,
  saves: ['a', 'b'],
  backward: ({ g, inputs: [a, b], attrs: { transA, transB } }) => [
    a!.requiresGrad ? (transA ? matmulT(b!, g, transB, true) : matmulT(g, b!, false, !transB)) : null,
    b!.requiresGrad ? (transB ? matmulT(g, a!, true, transA) : matmulT(a!, g, !transA, false)) : null,
  ],
  explain: {
    formula: (n, S) => {
      const a = S.value(n.inputs[0]!);
      const b = S.value(n.inputs[1]!);
      return S.mm(n.attrs.transA ? S.T(a) : a, n.attrs.transB ? S.T(b) : b);
    },
    derivative: (n, k, S) => {
      // C = A'·B' with A' = A or Aᵀ: dA' = G·B'ᵀ and dB' = A'ᵀ·G.
      const { transA: ta, transB: tb } = n.attrs;
      const a = ta ? S.T(S.value(n.inputs[0]!)) : S.value(n.inputs[0]!);
      const b = tb ? S.T(S.value(n.inputs[1]!)) : S.value(n.inputs[1]!);
      if (k === 0) return (G) => (ta ? S.T(S.mm(G, S.T(b))) : S.mm(G, S.T(b)));
      return (G) => (tb ? S.T(S.mm(S.T(a), G)) : S.mm(S.T(a), G));
    },
  },
};
