import { ShapeError } from '../errors.js';
import { fmtShape, sizeOf, broadcastShapes, sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { Forward, OpAttrs } from './opdef.js';
import { NO_ATTRS, record } from './record.js';
import { expandView, isRowMajor, permuteView, reshapeView } from '../view.js';
import { checkDim, checkReshapeSizes, checkShape } from '../validate.js';

/** Same data in a new shape (one size may be -1). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  // Sizes are checked before any product is taken: -2 and -3 must not pass as 6 elements.
  const target = [...checkReshapeSizes('reshape', shape)];
  const free = target.indexOf(-1);
  if (free >= 0) {
    const rest = sizeOf(target.filter((_, i) => i !== free));
    if (rest === 0 || x.size % rest !== 0) {
      throw new ShapeError('reshape', `cannot infer -1 in ${fmtShape(shape)} for ${x.size} elements of ${fmtShape(x.shape)}`);
    }
    target[free] = x.size / rest;
  }
  if (sizeOf(target) !== x.size) {
    throw new ShapeError(
      'reshape',
      `shape ${fmtShape(shape)} holds ${sizeOf(target)} elements but ${x.describe()} has ${x.size}; the sizes must multiply to the same number`,
    );
  }
  const attrs = { shape: target };
  if (isRowMajor(x.handle('reshape'))) return viewOf('reshape', x, attrs, reshapeForward);
  return record('reshape', reshapeForward(x.backend('reshape'), [x.handle('reshape')], attrs), [x], attrs);
}

/** Reorder dimensions: output dim i is input dim dims[i]. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (!Array.isArray(dims)) throw new ShapeError('permute', `expected the dims as numbers or an array, e.g. permute(1, 0), got ${String(dims)}`);
  if (dims.length !== x.ndim) {
    throw new ShapeError('permute', `needs ${x.ndim} dims for ${fmtShape(x.shape)}, got [${dims.map(String).join(', ')}]; give each dim once, e.g. permute(${[...x.shape.keys()].reverse().join(', ')})`);
  }
  const perm = dims.map((d) => checkDim('permute', d, x.ndim));
  if (new Set(perm).size !== perm.length) throw new ShapeError('permute', `a dim appears multiple times in [${dims.join(', ')}]; give each dim once`);
  return viewOf('permute', x, { dims: perm }, permuteForward);
}

/** Transpose of a 2-D tensor, as `torch.t` (0-D and 1-D are returned as copies). */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new ShapeError('t', `expects a tensor of at most 2 dims, got ${fmtShape(x.shape)}; use .transpose(d0, d1) or .permute()`);
  if (x.ndim < 2) return clone(x);
  return viewOf('t', x, NO_ATTRS, tForward);
}

/** Swap two dimensions. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const perm = x.shape.map((_, i) => i);
  const a = checkDim('transpose', dim0, x.ndim);
  const b = checkDim('transpose', dim1, x.ndim);
  // A scalar has one (virtual) dim: swapping it with itself is a copy, as in PyTorch.
  if (x.ndim === 0) return clone(x);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** Broadcast to `shape` (sizes of 1 repeat; new leading dims are added). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (Array.isArray(shape) && shape.length < x.ndim) {
    throw new ShapeError(
      'expand',
      `the number of sizes given (${shape.length}) must be at least the number of dims of ${x.describe()} (${x.ndim}); give one size per dim, -1 to keep one`,
    );
  }
  // -1 keeps an existing size; a new leading dim has no size to keep (PyTorch refuses it too).
  const lead = Array.isArray(shape) ? shape.length - x.ndim : 0;
  for (let i = 0; i < lead; i++) {
    if (shape[i] === -1) {
      throw new ShapeError(
        'expand',
        `the size -1 at dim ${i} of ${fmtShape(shape)} is a new leading dim of ${x.describe()}, which has no size to keep; ` +
          `-1 keeps an existing size only (the last ${x.ndim} dims here) — give the new dim its size`,
      );
    }
  }
  const target = Array.isArray(shape) ? shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead]! : d)) : shape;
  checkShape('expand', target, 'size');
  const out = broadcastShapes('expand', x.shape, target);
  if (!sameShape(out, target)) {
    throw new ShapeError('expand', `cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  }
  return viewOf('expand', x, { shape: [...target] }, expandForward);
}

/**
 * A copy that stays in the graph (gradient passes through unchanged). It
 * shares x's buffer, copy-on-write: buffers are never written after they are
 * made, and an in-place op on the clone writes a new buffer and repoints the
 * clone (a clone is no view: x never sees its changes), so no kernel runs.
 */
export function clone(x: Tensor): Tensor {
  return record('clone', cloneForward(x.backend('clone'), [x.handle('clone')], NO_ATTRS), [x], NO_ATTRS);
}

/**
 * @internal A view of `x` (same buffer, new shape/strides/offset): no kernel,
 * no new buffer. It joins x's family, so in-place ops on either write through
 * to the other and bump their one version counter, as in PyTorch.
 */
export function viewOf<K extends 'reshape' | 'permute' | 't' | 'expand' | 'slice' | 'squeeze' | 'unsqueeze'>(
  id: K,
  x: Tensor,
  attrs: OpAttrs[K],
  forward: Forward<K>,
  op: string = id,
): Tensor {
  x._ownDenseData(op);
  const out = record(id, forward(x.backend(op), [x.handle(op)], attrs), [x], attrs, op);
  out._shareStorage(x);
  return out;
}

// The forwards of the shape ops (the op table's entries, defs/shape.ts, point at these).

/** @internal The forward of reshape: a row-major tensor is a view in any shape of its size; any other layout (a transpose, an expand) has no such view, so it is copied (as PyTorch's reshape). */
export const reshapeForward: Forward<'reshape'> = (be, [h], { shape }) => (isRowMajor(h!) ? be.retain(h!, reshapeView(h!, shape)) : be.copy(h!, shape));

/** @internal The forward of permute: a view with its dims reordered. */
export const permuteForward: Forward<'permute'> = (be, [h], { dims }) => be.retain(h!, permuteView(h!, dims));

/** @internal The forward of t: a view with the two dims swapped. */
export const tForward: Forward<'t'> = (be, [h]) => be.retain(h!, permuteView(h!, SWAP));

// t's permutation (one array for every call).
const SWAP: readonly number[] = [1, 0];

/** @internal The forward of expand: a view with stride 0 on the repeated dims. */
export const expandForward: Forward<'expand'> = (be, [h], { shape }) => be.retain(h!, expandView(h!, shape));

/** @internal The forward of clone: one more reference to the same buffer (copy-on-write, see clone). */
export const cloneForward: Forward<'clone'> = (be, [h]) => be.retain(h!, h!);
