import { ShapeError } from '../errors.js';
import { checkArg, checkReduceDims, isBoolean } from '../validate.js';
import type { Tensor } from '../tensor.js';
import type { Forward, ReduceAttrs } from './opdef.js';
import { record } from './record.js';

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

/** Maximum along `dim` (or of all); the gradient is split evenly among ties, as `torch.amax`. */
export function amax(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const axes = axesOf('max', x, dim, keepdim);
  // max has no identity: over an empty dimension there is no value to return (PyTorch raises too).
  for (const a of axes) {
    if (x.shape[a] === 0) {
      throw new ShapeError(
        'max',
        `cannot reduce over dim ${a} of ${x.describe()}: it has size 0 and max has no identity; ` +
          `reduce only over non-empty dims${dim === undefined ? ', e.g. max(dim) with a dim of non-zero size' : ''}, or check numel() first`,
      );
    }
  }
  const attrs = reduceAttrs(dim, axes, keepdim);
  // The caller wrote x.max(): the node shows 'max'; its id is amax (binary max is 'maximum').
  return record('amax', amaxForward(x.backend('max'), [x.handle('max')], attrs), [x], attrs, 'max');
}
