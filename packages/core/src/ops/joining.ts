import type { Handle } from '../backend.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { fmtShape, sizeOf, stridesOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkDim, checkTensor, showValue } from '../validate.js';
import { expandView, isRowMajor, reshapeView } from '../view.js';
import type { Forward } from './opdef.js';
import { ownIntermediates, record, sameDevice } from './record.js';
import { unsqueeze, zerosHandle } from './slicing.js';

// cat, stack, flip and repeat: results that join or reorder whole blocks of their
// inputs. Each is a new buffer (no view can say it), made from the Backend's
// general kernels (asStridedScatter, gather, copy) rather than kernels of their own.

// The tensors argument of cat and stack: a non-empty array of tensors on one device.
function checkList(op: string, tensors: unknown): Tensor[] {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new ArgumentError(op, `expected a non-empty array of tensors, got ${showValue(tensors)}; e.g. ${op}([a, b], 0)`);
  }
  tensors.forEach((t, i) => checkTensor(op, t, `tensors[${i}]`));
  return tensors as Tensor[];
}

/** Join tensors along an existing dim `dim` (the other sizes must match), as `torch.cat`. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  const list = checkList('cat', tensors);
  const first = list[0]!;
  const be = sameDevice('cat', ...list);
  if (first.ndim === 0) throw new ShapeError('cat', `0-d tensors cannot be joined along a dim; use stack(), or reshape them to [1]`);
  const d = checkDim('cat', dim, first.ndim);
  list.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((n, j) => j !== d && n !== first.shape[j])) {
      throw new ShapeError(
        'cat',
        `tensors[${i}] ${fmtShape(t.shape)} does not match tensors[0] ${fmtShape(first.shape)}: every size but dim ${dim}'s must be equal, with as many dims`,
      );
    }
  });
  const attrs = { dim: d, sizes: list.map((t) => t.shape[d]!) };
  return record('cat', catForward(be, list.map((t) => t.handle('cat')), attrs), list, attrs);
}

/** Join same-shaped tensors along a new dim `dim`, as `torch.stack`. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  const list = checkList('stack', tensors);
  const first = list[0]!;
  list.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((n, j) => n !== first.shape[j])) {
      throw new ShapeError('stack', `tensors[${i}] ${fmtShape(t.shape)} does not match tensors[0] ${fmtShape(first.shape)}: stack needs equal shapes`);
    }
  });
  const d = checkDim('stack', dim, first.ndim + 1);
  sameDevice('stack', ...list);
  const pieces = list.map((t) => unsqueeze(t, d));
  let out: Tensor | undefined;
  try {
    out = cat(pieces, d);
  } finally {
    // The size-1 views live as long as the recorded result that reads them.
    ownIntermediates(out, pieces);
  }
  return out!;
}

/** Reverse the order of elements along each of `dims`, as `torch.flip` (a copy, as in PyTorch). */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  checkTensor('flip', x, 'the input');
  const list = typeof dims === 'number' ? [dims] : dims;
  if (!Array.isArray(list)) throw new ShapeError('flip', `expected dims as a number or an array of numbers, got ${showValue(dims)}`);
  const norm = list.map((v) => checkDim('flip', v, x.ndim));
  if (new Set(norm).size !== norm.length) throw new ShapeError('flip', `a dim appears more than once in [${list.join(', ')}]; give each dim once`);
  // A 0-d tensor has one (virtual) dim of size 1: flipping it changes nothing.
  const attrs = { dims: x.ndim === 0 ? [] : norm.sort((a, b) => a - b) };
  return record('flip', flipForward(x.backend('flip'), [x.handle('flip')], attrs), [x], attrs);
}

/**
 * Tile `x`: `sizes[i]` copies along dim i (more sizes than dims add leading dims), as
 * `torch.Tensor.repeat`. Not `torch.repeat_interleave`: whole blocks repeat, not elements.
 */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  checkTensor('repeat', x, 'the input');
  if (!Array.isArray(sizes) || sizes.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
    throw new ShapeError('repeat', `sizes must be whole numbers ≥ 0, got ${showValue(sizes)}`);
  }
  if (sizes.length < x.ndim) {
    throw new ShapeError('repeat', `needs at least one size per dim of ${fmtShape(x.shape)} (${x.ndim}), got ${sizes.length}: [${sizes.join(', ')}]; give 1 for a dim that does not repeat`);
  }
  const attrs = { sizes: [...sizes] };
  return record('repeat', repeatForward(x.backend('repeat'), [x.handle('repeat')], attrs), [x], attrs);
}

/**
 * @internal The forward of cat: each input written into its place of a zero output by one
 * asStridedScatter. That is one kernel per input, each writing the whole output: fine
 * for the few tensors cat usually joins; a kernel of its own would do it in one.
 */
export const catForward: Forward<'cat'> = (be, inputs, { dim, sizes }) => {
  const shape = [...inputs[0]!.shape];
  shape[dim] = sizes.reduce((a, b) => a + b, 0);
  const strides = stridesOf(shape);
  let acc = zerosHandle(be, shape);
  let start = 0;
  try {
    inputs.forEach((h, k) => {
      if (sizeOf(h.shape) > 0) {
        const next = be.asStridedScatter(acc, h, { shape: h.shape, strides, offset: start * strides[dim]! });
        be.free(acc);
        acc = next;
      }
      start += sizes[k]!;
    });
  } catch (e) {
    // A failed kernel (a lost device, a full memory): the partial result is no one's to free.
    be.free(acc);
    throw e;
  }
  return fresh(be, acc, shape);
};

// `h` as a fresh row-major result: itself when a kernel made it, else its copy (the zeros view of an empty cat).
function fresh(be: Parameters<Forward<'cat'>>[0], h: Handle, shape: readonly number[]): Handle {
  if (h.strides.every((s, i) => s === stridesOf(shape)[i]) && h.offset === 0 && sizeOf(shape) === sizeOf(h.shape)) return h;
  const out = be.copy(h, [...shape]);
  be.free(h);
  return out;
}

/** @internal The forward of flip: one gather per flipped dim, its index n-1…0 laid along that dim (a stride-0 view). */
export const flipForward: Forward<'flip'> = (be, [x], { dims }) => {
  let acc = be.copy(x!, x!.shape);
  if (sizeOf(x!.shape) === 0) return acc;
  for (const d of dims) {
    const n = x!.shape[d]!;
    if (n <= 1) continue;
    const reversed = be.fromArray(Float32Array.from({ length: n }, (_, i) => n - 1 - i), [n]);
    const index = be.retain(reversed, { shape: x!.shape, strides: x!.shape.map((_, i) => (i === d ? 1 : 0)), offset: 0 });
    be.free(reversed);
    let next: Handle;
    try {
      next = be.gather(acc, d, index);
    } finally {
      be.free(index);
      be.free(acc);
    }
    acc = next;
  }
  return acc;
};

/**
 * @internal The forward of repeat: x seen as [1, s0, 1, s1, …] (a view when row-major),
 * expanded to [r0, s0, r1, s1, …] (stride 0 on the copies), then copied as the output shape.
 */
export const repeatForward: Forward<'repeat'> = (be, [x], { sizes }) => {
  const lead = sizes.length - x!.shape.length;
  const own = [...sizes.slice(0, lead).map(() => 1), ...x!.shape];
  const paired = own.flatMap((n) => [1, n]);
  const wide = own.flatMap((n, i) => [sizes[i]!, n]);
  const seen = isRowMajor(x!) ? be.retain(x!, reshapeView(x!, paired)) : be.copy(x!, paired);
  const spread = be.retain(seen, expandView(seen, wide));
  be.free(seen);
  try {
    return be.copy(spread, own.map((n, i) => n * sizes[i]!));
  } finally {
    be.free(spread);
  }
};
