import type { DifferentiableOp, OpAttrs, Symbols } from '../opdef.js';
import {
  eluForward, GELU_TANH_BETA, GELU_TANH_KAPPA, geluForward, leakyReluForward, softplusForward, SQRT1_2,
} from '../activation.js';
import { add, compare, div, erf, exp, mul, sub, tanh } from '../elementwise.js';
import { where } from '../select.js';
import { factor } from './elementwise.js';

// The op table's entries for the activations with a parameter. Each backward is
// PyTorch's (leaky_relu_backward, elu_backward, gelu_backward, softplus_backward),
// written with tensor ops; gradients that select use `where`, never a 0/1 product.

/** 1/√(2π): the normal density's scale, PyTorch's kBeta of gelu_backward (M_2_SQRTPI·M_SQRT1_2·0.5). */
const INV_SQRT_2PI = (2 / Math.sqrt(Math.PI)) * Math.SQRT1_2 * 0.5;

// The explanation: the op applied to x with its attrs, and G times its local derivative.
function explained<K extends 'leakyRelu' | 'elu' | 'gelu' | 'softplus'>(
  id: K,
  derivative: <X>(S: Symbols<X>, x: X, attrs: OpAttrs[K]) => X,
): DifferentiableOp<K>['explain'] {
  return {
    formula: (n, S) => S.fn(id, [S.value(n.inputs[0]!)], n.out.shape, n.attrs),
    derivative: (n, _k, S) => factor(S, derivative(S, S.value(n.inputs[0]!), n.attrs), n.inputs[0]!.shape),
  };
}

/** leaky_relu: g where x > 0, g·slope elsewhere (NaN included). */
export const leakyReluDef: DifferentiableOp<'leakyRelu'> = {
  forward: leakyReluForward,
  saves: ['a'],
  backward: ({ g, inputs, attrs }) => [where(compare('gt', inputs[0]!, 0), g, mul(g, attrs.negativeSlope))],
  explain: explained('leakyRelu', (S, x, { negativeSlope }) => S.add(S.mul(S.cmp(x, 'gt', 0), S.num(1 - negativeSlope)), S.num(negativeSlope))),
};

/** elu: g where x > 0, g·α·e^x elsewhere, NaN included (PyTorch's elu_backward from the input: NaN gives NaN). */
export const eluDef: DifferentiableOp<'elu'> = {
  forward: eluForward,
  saves: ['a'],
  backward: ({ g, inputs, attrs }) => {
    const x = inputs[0]!;
    return [where(compare('gt', x, 0), g, mul(mul(g, attrs.alpha), exp(x)))];
  },
  explain: explained('elu', (S, x, { alpha }) =>
    S.add(S.cmp(x, 'gt', 0), S.mul(S.cmp(x, 'le', 0), S.mul(S.num(alpha), S.fn('exp', [x], S.shapeOf(x)))))),
};

/**
 * gelu: g·(Φ(x) + x·φ(x)) exactly, or the tanh form's derivative, both in PyTorch's
 * order of operations (gelu_backward).
 */
export const geluDef: DifferentiableOp<'gelu'> = {
  forward: geluForward,
  saves: ['a'],
  backward: ({ g, inputs, attrs }) => {
    const x = inputs[0]!;
    if (attrs.approximate === 'tanh') {
      const x2 = mul(x, x);
      const inner = mul(add(x, mul(mul(x2, x), GELU_TANH_KAPPA)), GELU_TANH_BETA);
      const t = tanh(inner);
      const left = mul(x, 0.5);
      const leftDerivative = mul(add(t, 1), 0.5);
      const innerDerivative = mul(add(mul(x2, 3 * GELU_TANH_KAPPA), 1), GELU_TANH_BETA);
      const rightDerivative = mul(mul(left, sub(1, mul(t, t))), innerDerivative);
      return [mul(g, add(leftDerivative, rightDerivative))];
    }
    const cdf = mul(add(erf(mul(x, SQRT1_2)), 1), 0.5);
    const pdf = mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI);
    return [mul(g, add(cdf, mul(x, pdf)))];
  },
  explain: explained('gelu', (S, x, { approximate }) => {
    const shape = S.shapeOf(x);
    if (approximate === 'tanh') {
      const t = S.fn('tanh', [S.mul(S.num(GELU_TANH_BETA), S.add(x, S.mul(S.num(GELU_TANH_KAPPA), S.pow(x, 3))))], shape);
      const dInner = S.mul(S.num(GELU_TANH_BETA), S.add(S.num(1), S.mul(S.num(3 * GELU_TANH_KAPPA), S.pow(x, 2))));
      return S.add(S.mul(S.num(0.5), S.add(S.num(1), t)), S.mul(S.mul(S.num(0.5), x), S.mul(S.sub(S.num(1), S.pow(t, 2)), dInner)));
    }
    const cdf = S.mul(S.num(0.5), S.add(S.num(1), S.fn('erf', [S.mul(S.num(SQRT1_2), x)], shape)));
    const pdf = S.mul(S.num(INV_SQRT_2PI), S.fn('exp', [S.mul(S.num(-0.5), S.pow(x, 2))], shape));
    return S.add(cdf, S.mul(x, pdf));
  }),
};

/** softplus: g where βx > threshold, else g·z/(z + 1) with z = e^(βx) (PyTorch's softplus_backward). */
export const softplusDef: DifferentiableOp<'softplus'> = {
  forward: softplusForward,
  saves: ['a'],
  backward: ({ g, inputs, attrs: { beta, threshold } }) => {
    const xb = mul(inputs[0]!, beta);
    const z = exp(xb);
    return [where(compare('gt', xb, threshold), g, div(mul(g, z), add(z, 1)))];
  },
  explain: explained('softplus', (S, x, { beta, threshold }) => {
    const xb = S.mul(S.num(beta), x);
    return S.add(S.cmp(xb, 'gt', threshold), S.mul(S.cmp(xb, 'le', threshold), S.fn('sigmoid', [xb], S.shapeOf(x))));
  }),
};
