import type { Backend, Handle } from '../backend.js';
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkArg, checkOptions, checkTensor, oneOf, showValue, type OptionRule } from '../validate.js';
import type { Forward, OpAttrs } from './opdef.js';
import { record } from './record.js';

// The activations with a parameter (leakyRelu, elu, gelu, softplus): each forward is a
// few existing kernels, written as PyTorch's cpu kernels compute them (so edge values and
// rounding follow PyTorch's), recorded as one op under its own id. Their backward and
// explanation are their entries in defs/activation.ts.

/** A finite number (NaN or ±Inf as a slope, alpha or beta gives NaN everywhere: refused). */
const isFinite: OptionRule = { accepts: 'a finite number', ok: (v) => typeof v === 'number' && Number.isFinite(v) };

/** 1/√2 and √(2/π), as PyTorch's gelu kernels spell them (M_SQRT1_2; M_SQRT2·M_2_SQRTPI·0.5). */
export const SQRT1_2 = Math.SQRT1_2;
/** √(2/π): the tanh form's scale. */
export const GELU_TANH_BETA = Math.SQRT2 * (2 / Math.sqrt(Math.PI)) * 0.5;
/** The tanh form's cubic coefficient. */
export const GELU_TANH_KAPPA = 0.044715;

// Run `steps` in order, each a kernel on the handles made so far; free every intermediate.
function chain(be: Backend, steps: ((made: Handle[]) => Handle)[], keep: number): Handle {
  const made: Handle[] = [];
  try {
    for (const step of steps) made.push(step(made));
  } catch (e) {
    for (const h of made) be.free(h);
    throw e;
  }
  made.forEach((h, i) => i !== keep && be.free(h));
  return made[keep]!;
}

/** @internal leaky_relu: x > 0 ? x : x·slope (NaN stays NaN). */
export const leakyReluForward: Forward<'leakyRelu'> = (be, [x], { negativeSlope }) =>
  chain(be, [() => be.scalar('gt', x!, 0, false), () => be.scalar('mul', x!, negativeSlope, false), ([m, xs]) => be.where(m!, x!, xs!)], 2);

/** @internal elu: x <= 0 ? α·expm1(x) : x, as PyTorch's (expm1 keeps small negatives exact). */
export const eluForward: Forward<'elu'> = (be, [x], { alpha }) =>
  chain(
    be,
    [() => be.scalar('le', x!, 0, false), () => be.unary('expm1', x!), ([, e]) => be.scalar('mul', e!, alpha, false), ([m, , ae]) => be.where(m!, ae!, x!)],
    3,
  );

/**
 * @internal gelu: exact x·0.5·(1 + erf(x/√2)), or the tanh form 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))),
 * in PyTorch's order of operations.
 */
export const geluForward: Forward<'gelu'> = (be, [x], { approximate }) => {
  if (approximate === 'tanh') {
    return chain(
      be,
      [
        () => be.binary('mul', x!, x!),
        ([x2]) => be.binary('mul', x2!, x!),
        ([, x3]) => be.scalar('mul', x3!, GELU_TANH_KAPPA, false),
        ([, , kx3]) => be.binary('add', x!, kx3!),
        ([, , , s]) => be.scalar('mul', s!, GELU_TANH_BETA, false),
        ([, , , , inner]) => be.unary('tanh', inner!),
        ([, , , , , t]) => be.scalar('add', t!, 1, false),
        () => be.scalar('mul', x!, 0.5, false),
        ([, , , , , , t1, hx]) => be.binary('mul', hx!, t1!),
      ],
      8,
    );
  }
  return chain(
    be,
    [
      () => be.scalar('mul', x!, SQRT1_2, false),
      ([xs]) => be.unary('erf', xs!),
      ([, e]) => be.scalar('add', e!, 1, false),
      () => be.scalar('mul', x!, 0.5, false),
      ([, , e1, hx]) => be.binary('mul', hx!, e1!),
    ],
    4,
  );
};

/** @internal softplus: x·β > threshold ? x : log1p(exp(x·β)) / β, PyTorch's rule (linear past the threshold). */
export const softplusForward: Forward<'softplus'> = (be, [x], { beta, threshold }) =>
  chain(
    be,
    [
      () => be.scalar('mul', x!, beta, false),
      ([xb]) => be.scalar('gt', xb!, threshold, false),
      ([xb]) => be.unary('exp', xb!),
      ([, , e]) => be.unary('log1p', e!),
      ([, , , l]) => be.scalar('div', l!, beta, false),
      ([, m, , , d]) => be.where(m!, x!, d!),
    ],
    5,
  );

function activation<K extends 'leakyRelu' | 'elu' | 'gelu' | 'softplus'>(id: K, forward: Forward<K>, x: Tensor, attrs: OpAttrs[K]): Tensor {
  return record(id, forward(x.backend(id), [x.handle(id)], attrs), [x], attrs);
}

/** max(0, x) + negativeSlope·min(0, x), as torch.nn.functional.leaky_relu (default slope 0.01). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  checkTensor('leakyRelu', x, 'the input');
  checkArg('leakyRelu', 'negativeSlope', negativeSlope, isFinite);
  return activation('leakyRelu', leakyReluForward, x, { negativeSlope });
}

/** x for x > 0, alpha·(e^x − 1) otherwise, as torch.nn.functional.elu (default alpha 1). */
export function elu(x: Tensor, alpha = 1): Tensor {
  checkTensor('elu', x, 'the input');
  checkArg('elu', 'alpha', alpha, isFinite);
  return activation('elu', eluForward, x, { alpha });
}

const geluOptions = { approximate: oneOf('none', 'tanh') };

/**
 * x·Φ(x) with Φ the standard normal's CDF, as torch.nn.functional.gelu: exact (erf) by
 * default, or `{ approximate: 'tanh' }` for the tanh form.
 */
export function gelu(x: Tensor, options: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  checkTensor('gelu', x, 'the input');
  if (typeof options === 'string') {
    throw new ArgumentError('gelu', `expected the options as an object, got the string ${showValue(options)}; write gelu({ approximate: '${String(options)}' })`);
  }
  checkOptions('gelu', options, geluOptions);
  return activation('gelu', geluForward, x, { approximate: options?.approximate ?? 'none' });
}

/**
 * log(1 + e^(βx)) / β, and x itself where βx > threshold, as torch.nn.functional.softplus
 * (defaults β = 1, threshold = 20).
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  checkTensor('softplus', x, 'the input');
  checkArg('softplus', 'beta', beta, isFinite);
  if (beta === 0) throw new ArgumentError('softplus', 'beta must not be 0 (softplus divides by it); the usual value is 1');
  checkArg('softplus', 'threshold', threshold, { accepts: 'a number', ok: (v) => typeof v === 'number' && !Number.isNaN(v) });
  return activation('softplus', softplusForward, x, { beta, threshold });
}
