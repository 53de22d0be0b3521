import type { Backend, Handle } from '../backend.js';
import { ArgumentError } from '../errors.js';
import { reducedShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkArg, checkDim, checkReduceDims, checkTensor, isBoolean } from '../validate.js';
import { reshapeView } from '../view.js';
import { freeOnThrow, keepOnly, onRank1 } from './alongdim.js';
import type { Forward } from './opdef.js';
import { record } from './record.js';

// softmax, logSoftmax and logsumexp along a dim, numerically stable as PyTorch's: the
// row's max is subtracted before exp, so logits of ±1e4 neither overflow nor vanish.
// Their backward and explanation are their entries in defs/softmax.ts.

/** The largest float32: |m| beyond it is ±Inf (no Infinity literal reaches every GPU compiler). */
const FLT_MAX = 3.4028234663852886e38;

// The start softmax and logSoftmax share, each handle tracked: m = the max along `dim` (kept),
// s = x − m, e = e^s (in [0, 1], so no logit overflows exp), z = Σ e along `dim` (kept).
function shiftedExp(be: Backend, v: Handle, dim: number, track: (h: Handle) => Handle): [m: Handle, s: Handle, e: Handle, z: Handle] {
  const m = track(be.reduce('max', v, [dim], true));
  const s = track(be.binary('sub', v, m));
  const e = track(be.unary('exp', s));
  const z = track(be.reduce('sum', e, [dim], true));
  return [m, s, e, z];
}

/** @internal softmax: e^(x − max) / Σ e^(x − max) along `dim` (a row with a NaN, or all −Inf, is NaN, as PyTorch's). */
export const softmaxForward: Forward<'softmax'> = (be, [x], { dim }) =>
  onRank1(be, x!, [], (v) =>
    freeOnThrow(be, (track) => {
      const [m, s, e, z] = shiftedExp(be, v, dim, track);
      return keepOnly(be, [m, s, e, z, be.binary('div', e, z)], 4);
    }),
  );

/** @internal logSoftmax: (x − max) − log Σ e^(x − max) along `dim`; a −Inf entry gives −Inf, an all −Inf row NaN. */
export const logSoftmaxForward: Forward<'logSoftmax'> = (be, [x], { dim }) =>
  onRank1(be, x!, [], (v) =>
    freeOnThrow(be, (track) => {
      const [m, s, e, z] = shiftedExp(be, v, dim, track);
      const l = track(be.unary('log', z));
      return keepOnly(be, [m, s, e, z, l, be.binary('sub', s, l)], 5);
    }),
  );

/**
 * @internal logsumexp: log Σ e^(x − m) + m along `dim`, with m the max, or 0 where the max is ±Inf
 * (PyTorch's rule: an all −Inf row gives −Inf, a +Inf entry +Inf, not Inf − Inf = NaN).
 */
export const logsumexpForward: Forward<'logsumexp'> = (be, [x], { dim, keepdim }) =>
  onRank1(be, x!, [], (v) =>
    freeOnThrow(be, (track) => {
      const m = track(be.reduce('max', v, dim, true));
      const a = track(be.unary('abs', m));
      const inf = track(be.scalar('gt', a, FLT_MAX, false));
      // 0 where the max is infinite, made from the mask (0·mask is 0): no upload.
      const zero = track(be.scalar('mul', inf, 0, false));
      const mf = track(be.where(inf, zero, m));
      const s = track(be.binary('sub', v, mf));
      const e = track(be.unary('exp', s));
      const z = track(be.reduce('sum', e, dim, keepdim));
      const l = track(be.unary('log', z));
      const mk = track(keepdim ? be.retain(mf, mf) : be.retain(mf, reshapeView(mf, reducedShape(v.shape, dim, false))));
      return keepOnly(be, [m, a, inf, zero, mf, s, e, z, l, mk, be.binary('add', l, mk)], 10);
    }),
  );

/** softmax along `dim` (required, as in PyTorch): e^x / Σ e^x, computed without overflow. */
export function softmax(x: Tensor, dim: number): Tensor {
  checkTensor('softmax', x, 'the input');
  const attrs = { dim: dimOf('softmax', x, dim) };
  return record('softmax', softmaxForward(x.backend('softmax'), [x.handle('softmax')], attrs), [x], attrs);
}

/** log(softmax(x, dim)), computed as x − max − log Σ e^(x − max): exact where softmax would round to 0. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  checkTensor('logSoftmax', x, 'the input');
  const attrs = { dim: dimOf('logSoftmax', x, dim) };
  return record('logSoftmax', logSoftmaxForward(x.backend('logSoftmax'), [x.handle('logSoftmax')], attrs), [x], attrs);
}

/** log Σ e^x along `dim` (a dim or a list of dims, required as in PyTorch), without overflow. */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  checkTensor('logsumexp', x, 'the input');
  if (dim === undefined) throw new ArgumentError('logsumexp', 'give the dim to reduce, e.g. logsumexp(x, 1) or logsumexp(x, [0, 1]) for all of a matrix');
  if (typeof keepdim !== 'boolean') checkArg('logsumexp', 'keepdim', keepdim, isBoolean);
  const axes = checkReduceDims('logsumexp', dim, x.ndim);
  const attrs = { dim: axes.length === 0 && x.ndim === 0 ? [0] : axes, keepdim };
  return record('logsumexp', logsumexpForward(x.backend('logsumexp'), [x.handle('logsumexp')], attrs), [x], attrs);
}

// The one dim softmax runs along; PyTorch's implicit dim (deprecated there) is not offered.
function dimOf(op: string, x: Tensor, dim: number): number {
  if (dim === undefined) throw new ArgumentError(op, `give the dim to normalise over, e.g. ${op}(x, -1) for the last dim (PyTorch's implicit dim is deprecated)`);
  return checkDim(op, dim, x.ndim);
}
