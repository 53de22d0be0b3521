import { ShapeError } from '../errors.js';
import { fmtShape, normDim, sizeOf, broadcastShapes, sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { result, sumToShape } from './record.js';
import { checkReshapeSizes, checkShape } from '../validate.js';

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
  const inShape = x.shape;
  return result('reshape', x.backend('reshape').copy(x.handle('reshape'), target), [x], {
    attrs: { shape: target },
    backward: (g) => [reshape(g, inShape)],
  });
}

/** Reorder dimensions: output dim i is input dim dims[i]. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (!Array.isArray(dims)) throw new ShapeError('permute', `expected the dims as numbers or an array, e.g. permute(1, 0), got ${String(dims)}`);
  if (dims.length !== x.ndim) {
    throw new ShapeError('permute', `needs ${x.ndim} dims for ${fmtShape(x.shape)}, got [${dims.map(String).join(', ')}]; give each dim once, e.g. permute(${[...x.shape.keys()].reverse().join(', ')})`);
  }
  const perm = dims.map((d) => normDim('permute', d, x.ndim));
  if (new Set(perm).size !== perm.length) throw new ShapeError('permute', `a dim appears multiple times in [${dims.join(', ')}]; give each dim once`);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return result('permute', x.backend('permute').permute(x.handle('permute'), perm), [x], {
    attrs: { dims: perm },
    backward: (g) => [permute(g, inverse)],
  });
}

/** Transpose of a 2-D tensor, as `torch.t` (0-D and 1-D are returned as copies). */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new ShapeError('t', `expects a tensor of at most 2 dims, got ${fmtShape(x.shape)}; use .transpose(d0, d1) or .permute()`);
  if (x.ndim < 2) return clone(x);
  return result('t', x.backend('t').permute(x.handle('t'), [1, 0]), [x], {
    backward: (g) => [t(g)],
  });
}

/** Swap two dimensions. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const perm = x.shape.map((_, i) => i);
  const a = normDim('transpose', dim0, x.ndim);
  const b = normDim('transpose', dim1, x.ndim);
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
  const inShape = x.shape;
  return result('expand', x.backend('expand').expand(x.handle('expand'), target), [x], {
    attrs: { shape: target },
    backward: (g) => [sumToShape(g, inShape)],
  });
}

/** A copy that stays in the graph (gradient passes through unchanged). */
export function clone(x: Tensor): Tensor {
  return result('clone', x.backend('clone').copy(x.handle('clone'), x.shape), [x], {
    backward: (g) => [g],
  });
}
