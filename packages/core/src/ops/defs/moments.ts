import { reducedShape } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import type { DifferentiableOp, OpAttrs, Symbols } from '../opdef.js';
import { compare, div, mul, sub } from '../elementwise.js';
import { countOf, stdForward, varForward } from '../moments.js';
import { mean } from '../reduce.js';
import { where } from '../select.js';
import { reshape } from '../shape.js';

// The op table's entries for var and std: PyTorch's var_backward and std_backward.

// (2 / (N − correction)) · g · (x − mean(x)), g lined up with x's dims, as PyTorch's var_backward.
function varBackward(g: Tensor, x: Tensor, { dim, correction, keepdim }: OpAttrs['var']): Tensor {
  if (x.ndim === 0) return mul(mul(g, 2 / (1 - correction)), sub(x, x));
  const axes = dim ?? x.shape.map((_, i) => i);
  const gk = keepdim ? g : reshape(g, reducedShape(x.shape, axes, true));
  return mul(mul(gk, 2 / (countOf(x.shape, axes) - correction)), sub(x, mean(x, axes, true)));
}

// The same, as symbols.
function symVarBackward<X>(S: Symbols<X>, G: X, x: Tensor, { dim, correction }: OpAttrs['var']): X {
  const xs = S.value(x);
  if (x.ndim === 0) return S.mul(S.num(2 / (1 - correction)), S.mul(G, S.sub(xs, xs)));
  const axes = dim ?? x.shape.map((_, i) => i);
  const keptShape = reducedShape(x.shape, axes, true);
  const spread = (v: X): X => S.fn('expand', [S.fn('reshape', [v], keptShape)], x.shape);
  const centered = S.sub(xs, spread(S.fn('mean', [xs], keptShape, { dim: axes, keepdim: true })));
  return S.mul(S.num(2 / (countOf(x.shape, axes) - correction)), S.mul(spread(G), centered));
}

/** var: 2·g·(x − mean) / (N − correction). */
export const varDef: DifferentiableOp<'var'> = {
  forward: varForward,
  saves: ['a'],
  backward: ({ g, inputs, attrs }) => [varBackward(g, inputs[0]!, attrs)],
  explain: {
    formula: (n, S) => S.fn('var', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => (G) => symVarBackward(S, G, n.inputs[0]!, n.attrs),
  },
};

/** std: var's gradient of g / (2·std), 0 where std is 0 (PyTorch's std_backward, not Inf·0 = NaN). */
export const stdDef: DifferentiableOp<'std'> = {
  forward: stdForward,
  saves: ['a', 'output'],
  backward: ({ g, inputs, attrs, out }) => [varBackward(where(compare('eq', out, 0), 0, div(g, mul(out, 2))), inputs[0]!, attrs)],
  explain: {
    formula: (n, S) => S.fn('std', [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => (G) => symVarBackward(S, S.div(G, S.mul(S.num(2), S.value(n.out))), n.inputs[0]!, n.attrs),
  },
};
