import { reducedShape } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import type { DifferentiableOp, Symbols } from '../opdef.js';
import { exp, mul, sub } from '../elementwise.js';
import { sum } from '../reduce.js';
import { reshape } from '../shape.js';
import { logSoftmaxForward, logsumexpForward, softmaxForward } from '../softmax.js';

// The op table's entries for softmax, logSoftmax and logsumexp. Each backward is
// PyTorch's, from the saved output, in a few tensor ops (no Jacobian is formed).

// Σ along dims, kept as 1s, as symbols (explain), broadcast back to `shape`.
function symSumKept<X>(S: Symbols<X>, G: X, shape: readonly number[], dims: number[]): X {
  if (shape.length === 0) return G;
  return S.fn('expand', [S.fn('sum', [G], reducedShape(shape, dims, true), { dim: dims, keepdim: true })], shape);
}

// A reduced value lined up with the input's dims (reshaped to the kept shape), as symbols.
function symKept<X>(S: Symbols<X>, G: X, shape: readonly number[], dims: number[]): X {
  if (shape.length === 0) return G;
  return S.fn('expand', [S.fn('reshape', [G], reducedShape(shape, dims, true))], shape);
}

/** softmax: y ⊙ (g − Σ g ⊙ y), as PyTorch's _softmax_backward_data. */
export const softmaxDef: DifferentiableOp<'softmax'> = {
  forward: softmaxForward,
  saves: ['output'],
  backward: ({ g, attrs: { dim }, out }) => [mul(out, sub(g, sum(mul(g, out), dim, true)))],
  explain: {
    formula: (n, S) => S.fn('softmax', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => {
      const y = S.value(n.out);
      return (G) => S.mul(y, S.sub(G, symSumKept(S, S.mul(G, y), n.out.shape, [n.attrs.dim])));
    },
  },
};

/** logSoftmax: g − e^y ⊙ Σ g, as PyTorch's _log_softmax_backward_data. */
export const logSoftmaxDef: DifferentiableOp<'logSoftmax'> = {
  forward: logSoftmaxForward,
  saves: ['output'],
  backward: ({ g, attrs: { dim }, out }) => [sub(g, mul(exp(out), sum(g, dim, true)))],
  explain: {
    formula: (n, S) => S.fn('logSoftmax', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => {
      const y = S.value(n.out);
      return (G) => S.sub(G, S.mul(S.fn('exp', [y], n.out.shape), symSumKept(S, G, n.out.shape, [n.attrs.dim])));
    },
  },
};

// A reduced tensor with its reduced dims back as 1s (nothing to do with keepdim or a 0-d input).
function kept(t: Tensor, x: Tensor, dims: number[], keepdim: boolean): Tensor {
  return keepdim || x.ndim === 0 ? t : reshape(t, reducedShape(x.shape, dims, true));
}

/** logsumexp: g ⊙ e^(x − y), the softmax of x scaled by g, as PyTorch's logsumexp_backward. */
export const logsumexpDef: DifferentiableOp<'logsumexp'> = {
  forward: logsumexpForward,
  saves: ['a', 'output'],
  backward: ({ g, inputs, attrs: { dim, keepdim }, out }) => {
    const x = inputs[0]!;
    return [mul(kept(g, x, dim, keepdim), exp(sub(x, kept(out, x, dim, keepdim))))];
  },
  explain: {
    formula: (n, S) => S.fn('logsumexp', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => {
      const x = n.inputs[0]!;
      const xs = S.value(x);
      const y = symKept(S, S.value(n.out), x.shape, n.attrs.dim);
      return (G) => S.mul(symKept(S, G, x.shape, n.attrs.dim), S.fn('exp', [S.sub(xs, y)], x.shape));
    },
  },
};
