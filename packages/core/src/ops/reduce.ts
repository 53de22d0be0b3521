import { ShapeError } from '../errors.js';
import { checkArg, checkDim, checkReduceDims, checkTensor, isBoolean } from '../validate.js';
import type { Tensor } from '../tensor.js';
import type { Forward, ReduceAttrs } from './opdef.js';
import { record, unrecorded } from './record.js';
import { reducedShape } from '../shape.js';

// Reductions. Their backward and explanation are their entries in defs/reduce.ts.

// The dims a reduction runs over, as PyTorch: none given or [] means all, a repeated dim is an error.
// A scalar accepts dim 0 or -1 and has nothing to reduce.
function axesOf(op: string, x: Tensor, dim: number | readonly number[] | undefined, keepdim: boolean): number[] {
  if (typeof keepdim !== 'boolean') checkArg(op, 'keepdim', keepdim, isBoolean);
  const axes = checkReduceDims(op, dim, x.ndim);
  return x.ndim === 0 ? [] : axes;
}

// What a reduction records: the dims when given (graphs show them), keepdim when it matters.
function reduceAttrs(dim: unknown, axes: number[], keepdim: boolean): ReduceAttrs {
  if (dim !== undefined) return { dim: axes, keepdim };
  return keepdim ? { keepdim } : {};
}

/** @internal The dims a recorded reduction ran over: those in attrs, or all of `shape`. */
export function reducedAxes(shape: readonly number[], attrs: ReduceAttrs): number[] {
  return attrs.dim ?? shape.map((_, i) => i);
}

/** @internal The forward of sum: a copy when there is nothing to reduce (a scalar). */
export const sumForward: Forward<'sum'> = (be, [x], attrs) => {
  const axes = reducedAxes(x!.shape, attrs);
  return axes.length === 0 ? be.copy(x!, x!.shape) : be.reduce('sum', x!, axes, attrs.keepdim ?? false);
};

/** @internal The forward of mean: the sum, times 1/count. */
export const meanForward: Forward<'mean'> = (be, [x], attrs) => {
  const axes = reducedAxes(x!.shape, attrs);
  let count = 1;
  for (const a of axes) count *= x!.shape[a]!;
  const s = be.reduce('sum', x!, axes, attrs.keepdim ?? false);
  const h = be.scalar('mul', s, 1 / count, false);
  be.free(s);
  return h;
};

/** @internal The forward of amax. */
export const amaxForward: Forward<'amax'> = (be, [x], attrs) => be.reduce('max', x!, reducedAxes(x!.shape, attrs), attrs.keepdim ?? false);

/** Sum of all elements, or along `dim`. */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const axes = axesOf('sum', x, dim, keepdim);
  // A scalar has nothing to reduce: its sum is a copy, recorded without attrs.
  const attrs = axes.length === 0 && x.ndim === 0 ? {} : reduceAttrs(dim, axes, keepdim);
  return record('sum', sumForward(x.backend('sum'), [x.handle('sum')], attrs), [x], attrs);
}

/** Mean of all elements, or along `dim`. */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const axes = axesOf('mean', x, dim, keepdim);
  const attrs = reduceAttrs(dim, axes, keepdim);
  return record('mean', meanForward(x.backend('mean'), [x.handle('mean')], attrs), [x], attrs);
}

/** @internal The forward of amin (x.min()). */
export const aminForward: Forward<'amin'> = (be, [x], attrs) => be.reduce('min', x!, reducedAxes(x!.shape, attrs), attrs.keepdim ?? false);

// max, min, argmax and argmin have no identity: over an empty dimension there is no value
// (or index) to return, so they refuse it (PyTorch raises too).
function refuseEmpty(op: string, x: Tensor, axes: readonly number[], dimGiven: boolean): void {
  for (const a of axes) {
    if (x.shape[a] === 0) {
      throw new ShapeError(
        op,
        `cannot reduce over dim ${a} of ${x.describe()}: it has size 0 and ${op} has no identity; ` +
          `reduce only over non-empty dims${dimGiven ? '' : `, e.g. ${op}(dim) with a dim of non-zero size`}, or check numel() first`,
      );
    }
  }
}

/** Minimum along `dim` (or of all); the gradient is split evenly among ties, as `torch.amin`. */
export function amin(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  checkTensor('min', x, 'the input');
  const axes = axesOf('min', x, dim, keepdim);
  refuseEmpty('min', x, axes, dim !== undefined);
  const attrs = reduceAttrs(dim, axes, keepdim);
  // Its id is amin (binary min is 'minimum'); the node shows 'min', what the caller wrote.
  return record('amin', aminForward(x.backend('min'), [x.handle('min')], attrs), [x], attrs, 'min');
}

/**
 * Index of the largest element along `dim` (int32), or of the flattened tensor when no dim
 * is given, as `torch.argmax`: ties give the first index, a NaN counts as the largest (the first NaN).
 */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argReduce('argmax', x, dim, keepdim);
}

/** Index of the smallest element along `dim` (int32), or of the flattened tensor, as `torch.argmin` (ties: first; NaN counts as the smallest). */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argReduce('argmin', x, dim, keepdim);
}

// argmax/argmin: one reduction kernel, an int32 result, never recorded (an index has no gradient).
function argReduce(op: 'argmax' | 'argmin', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  checkTensor(op, x, 'the input');
  if (typeof keepdim !== 'boolean') checkArg(op, 'keepdim', keepdim, isBoolean);
  // One dim (PyTorch's argmax takes no list); none means the flattened tensor's index.
  const axes = dim === undefined ? x.shape.map((_, i) => i) : x.ndim === 0 ? (checkDim(op, dim, 0), []) : [checkDim(op, dim, x.ndim)];
  refuseEmpty(op, x, axes, dim !== undefined);
  const be = x.backend(op);
  // A scalar (or nothing to reduce) has one element: its index is 0.
  if (axes.length === 0) return unrecorded(op, be.fromArray(new Float32Array(1), reducedShape(x.shape, [], keepdim)), [x], 'int32');
  return unrecorded(op, be.reduce(op, x.handle(op), axes, keepdim), [x], 'int32');
}

/** Maximum along `dim` (or of all); the gradient is split evenly among ties, as `torch.amax`. */
export function amax(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const axes = axesOf('max', x, dim, keepdim);
  refuseEmpty('max', x, axes, dim !== undefined);
  const attrs = reduceAttrs(dim, axes, keepdim);
  // The caller wrote x.max(): the node shows 'max'; its id is amax (binary max is 'maximum').
  return record('amax', amaxForward(x.backend('max'), [x.handle('max')], attrs), [x], attrs, 'max');
}
