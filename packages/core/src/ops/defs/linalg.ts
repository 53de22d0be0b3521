import type { DifferentiableOp, Symbols } from '../opdef.js';
import type { Shape } from '../../shape.js';
import { bmmForward, matmulT, mmForward } from '../linalg.js';
import { sumToShape } from '../record.js';

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

/**
 * The op table's entry for a batched product (matmul of N-d operands, bmm):
 * C = op(A)·op(B) for each batch entry, the batch dims broadcast. The backward is
 * the same transposed products as mm's, batched, each summed back over the batch
 * dims its input was broadcast along (sumToShape): a weight shared by every batch
 * entry gets the sum of their gradients.
 */
export const bmmDef: DifferentiableOp<'bmm'> = {
  forward: bmmForward,
  saves: ['a', 'b'],
  backward: ({ g, inputs: [a, b], attrs: { transA, transB } }) => [
    a!.requiresGrad ? sumToShape(transA ? matmulT(b!, g, transB, true) : matmulT(g, b!, false, !transB), a!.shape) : null,
    b!.requiresGrad ? sumToShape(transB ? matmulT(g, a!, true, transA) : matmulT(a!, g, !transA, false), b!.shape) : null,
  ],
  explain: {
    // `mT` is PyTorch's name for the transpose of the last two dims.
    formula: (n, S) => {
      const a = S.value(n.inputs[0]!);
      const b = S.value(n.inputs[1]!);
      return S.fn('matmul', [n.attrs.transA ? mT(S, a) : a, n.attrs.transB ? mT(S, b) : b], n.out.shape);
    },
    derivative: (n, k, S) => {
      // As mm's: C = A'·B' with A' = A or Aᵀ gives dA' = G·B'ᵀ and dB' = A'ᵀ·G, summed over broadcast batch dims.
      const { transA: ta, transB: tb } = n.attrs;
      const [ia, ib] = [n.inputs[0]!, n.inputs[1]!];
      const a = ta ? mT(S, S.value(ia)) : S.value(ia);
      const b = tb ? mT(S, S.value(ib)) : S.value(ib);
      if (k === 0) return (G) => S.sumTo(ta ? mT(S, product(S, G, mT(S, b))) : product(S, G, mT(S, b)), ia.shape);
      return (G) => S.sumTo(tb ? mT(S, product(S, mT(S, a), G)) : product(S, mT(S, a), G), ib.shape);
    },
  },
};

// The transpose of a batch of matrices (its last two dims), as a symbol.
function mT<X>(S: Symbols<X>, x: X): X {
  const s = S.shapeOf(x);
  return S.fn('mT', [x], [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!]);
}

// A batched product as a symbol (evaluated by explain as matmul).
function product<X>(S: Symbols<X>, x: X, y: X): X {
  return S.fn('matmul', [x, y], batchedShape(S.shapeOf(x), S.shapeOf(y)));
}

// The shape of a batched product of shapes a and b (batch dims broadcast).
function batchedShape(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length) - 2;
  const batch: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - 2 - n + i] ?? 1;
    const db = b[b.length - 2 - n + i] ?? 1;
    batch.push(da === 1 ? db : da);
  }
  return [...batch, a[a.length - 2]!, b[b.length - 1]!];
}
