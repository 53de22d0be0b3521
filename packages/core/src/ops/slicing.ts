import type { Handle } from '../backend.js';
import { ShapeError } from '../errors.js';
import { fmtShape, sameShape, sizeOf, stridesOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkDim, checkTensor, showValue } from '../validate.js';
import { sliceView } from '../view.js';
import { scalarHandle } from './constant.js';
import type { Forward, SliceAttrs } from './opdef.js';
import { record, sameDevice } from './record.js';
import { reshape, viewOf } from './shape.js';

// Narrow, slice, squeeze, unsqueeze, flatten, split and chunk: views of the
// input's buffer (no kernel), as in PyTorch; and slice_scatter, their backward's
// padding (the gradient of a slice is zero outside it).

// A whole number argument, or a ShapeError naming op and what it is.
function whole(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ShapeError(op, `${name} must be a whole number, got ${showValue(v)}`);
  return v;
}

/** `length` elements of `dim` from `start` (negative counts from the end), as `torch.narrow`: a view. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  checkTensor('narrow', x, 'the input');
  if (x.ndim === 0) throw new ShapeError('narrow', `cannot narrow a 0-d tensor ${x.describe()}; reshape it to [1] first`);
  const d = checkDim('narrow', dim, x.ndim);
  const n = x.shape[d]!;
  let s = whole('narrow', 'start', start);
  const len = whole('narrow', 'length', length);
  if (s < -n || s > n) throw new ShapeError('narrow', `start ${start} is out of range for dim ${dim} of size ${n} of ${fmtShape(x.shape)} (valid: ${-n}..${n})`);
  if (s < 0) s += n;
  if (len < 0 || s + len > n) {
    throw new ShapeError('narrow', `start ${s} + length ${len} exceeds dim ${dim} of size ${n} of ${fmtShape(x.shape)}; take at most ${n - s} elements from ${s}`);
  }
  return viewOf('slice', x, { dim: d, start: s, end: s + len, step: 1 }, sliceForward, 'narrow');
}

/**
 * Python's `x[:, start:end:step]` along `dim`: a view. Missing bounds take the
 * whole dim; negative ones count from the end, and bounds past either end are
 * clamped, as Python slicing (so `slice(0, -100, 100)` is empty, not an error).
 */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  checkTensor('slice', x, 'the input');
  if (x.ndim === 0) throw new ShapeError('slice', `cannot slice a 0-d tensor ${x.describe()}; reshape it to [1] first`);
  const d = checkDim('slice', dim, x.ndim);
  return viewOf('slice', x, sliceAttrs('slice', d, x.shape[d]!, start, end, step), sliceForward);
}

/** @internal Python's slice bounds for a dim of size n, normalised to 0 <= start <= end <= n. */
export function sliceAttrs(op: string, dim: number, n: number, start?: number | null, end?: number | null, step = 1): SliceAttrs {
  const st = whole(op, 'step', step);
  if (st <= 0) throw new ShapeError(op, `step must be positive, got ${st} (PyTorch has no negative steps either); use flip(${dim}) to reverse a dim`);
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const s = start === undefined || start === null ? 0 : clamp(whole(op, 'start', start));
  const e = end === undefined || end === null ? n : clamp(whole(op, 'end', end));
  return { dim, start: s, end: Math.max(s, e), step: st };
}

/** The number of elements a normalised slice takes. */
export function sliceLength(a: SliceAttrs): number {
  return Math.ceil((a.end - a.start) / a.step);
}

/** Drop size-1 dims: all of them, or those of `dim` (a number or list) that are 1, as `torch.squeeze`: a view. */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  checkTensor('squeeze', x, 'the input');
  const asked = dim === undefined ? x.shape.map((_, i) => i) : (Array.isArray(dim) ? dim : [dim]).map((v) => checkDim('squeeze', v, x.ndim));
  // A named dim of another size stays, as PyTorch (no error); a 0-d tensor has no dim to drop.
  const dims = [...new Set(asked)].filter((d) => x.ndim > 0 && x.shape[d] === 1).sort((a, b) => a - b);
  return viewOf('squeeze', x, { dims }, squeezeForward);
}

/** Insert a size-1 dim at `dim` (-(ndim+1)..ndim), as `torch.unsqueeze`: a view. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor('unsqueeze', x, 'the input');
  return viewOf('unsqueeze', x, { dim: checkDim('unsqueeze', dim, x.ndim + 1) }, unsqueezeForward);
}

/** Merge dims `startDim..endDim` into one, as `torch.flatten` (a view when the tensor is row-major, else a copy). */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor('flatten', x, 'the input');
  if (x.ndim === 0) return reshape(x, [1]);
  const s = checkDim('flatten', startDim, x.ndim);
  const e = checkDim('flatten', endDim, x.ndim);
  if (s > e) throw new ShapeError('flatten', `startDim ${startDim} comes after endDim ${endDim} for ${fmtShape(x.shape)}; give startDim <= endDim`);
  return reshape(x, [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/**
 * Views of consecutive pieces along `dim`, as `torch.split`: pieces of `sizeOrSections`
 * elements (the last may be smaller), or of the sizes listed (they must add up to the dim's size).
 */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  checkTensor('split', x, 'the input');
  if (x.ndim === 0) throw new ShapeError('split', `cannot split a 0-d tensor ${x.describe()}; reshape it to [1] first`);
  const d = checkDim('split', dim, x.ndim);
  const n = x.shape[d]!;
  let sizes: number[];
  if (Array.isArray(sizeOrSections)) {
    sizes = sizeOrSections.map((v) => whole('split', 'a section size', v));
    const total = sizes.reduce((a, b) => a + b, 0);
    if (sizes.some((v) => v < 0) || total !== n) {
      throw new ShapeError('split', `section sizes [${sizes.join(', ')}] must be ≥ 0 and add up to ${n}, the size of dim ${dim} of ${fmtShape(x.shape)}; they add up to ${total}`);
    }
  } else {
    const size = whole('split', 'the split size', sizeOrSections);
    if (size < 0 || (size === 0 && n > 0)) throw new ShapeError('split', `the split size must be positive for dim ${dim} of size ${n}, got ${size}`);
    // PyTorch: a dim of size 0 gives one empty piece.
    sizes = [];
    for (let s = 0; s < n || sizes.length === 0; s += Math.max(size, 1)) sizes.push(Math.min(size, n - s));
  }
  let start = 0;
  return sizes.map((len) => {
    const piece = narrow(x, d, start, len);
    start += len;
    return piece;
  });
}

/** Split into `chunks` views of ceil(size / chunks) elements along `dim` (fewer when the dim runs out), as `torch.chunk`. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  checkTensor('chunk', x, 'the input');
  const c = whole('chunk', 'chunks', chunks);
  if (c <= 0) throw new ShapeError('chunk', `chunks must be at least 1, got ${c}`);
  if (x.ndim === 0) throw new ShapeError('chunk', `cannot chunk a 0-d tensor ${x.describe()}; reshape it to [1] first`);
  const d = checkDim('chunk', dim, x.ndim);
  const n = x.shape[d]!;
  // PyTorch: an empty dim gives `chunks` empty pieces.
  if (n === 0) return Array.from({ length: c }, () => narrow(x, d, 0, 0));
  return split(x, Math.ceil(n / c), dim);
}

/**
 * `x` with `src` written over `x[:, start:end:step]` along `dim`, as
 * `torch.slice_scatter`: a new tensor (x is unchanged). The backward of
 * narrow and slice is this with zeros for x.
 */
export function sliceScatter(x: Tensor, src: Tensor, dim = 0, start?: number | null, end?: number | null, step = 1): Tensor {
  checkTensor('sliceScatter', x, 'the input');
  checkTensor('sliceScatter', src, 'src');
  const be = sameDevice('sliceScatter', x, src);
  if (x.ndim === 0) throw new ShapeError('sliceScatter', `cannot slice a 0-d tensor ${x.describe()}; reshape it to [1] first`);
  const d = checkDim('sliceScatter', dim, x.ndim);
  const attrs = sliceAttrs('sliceScatter', d, x.shape[d]!, start, end, step);
  const want = [...x.shape];
  want[d] = sliceLength(attrs);
  if (!sameShape(src.shape, want)) {
    throw new ShapeError('sliceScatter', `src ${src.describe()} must have the slice's shape ${fmtShape(want)} (dim ${dim} of ${fmtShape(x.shape)} from ${attrs.start} to ${attrs.end} step ${attrs.step})`);
  }
  return record('sliceScatter', sliceScatterForward(be, [x.handle('sliceScatter'), src.handle('sliceScatter')], attrs), [x, src], attrs);
}

/** @internal The forward of narrow and slice: a view with dim `dim` cut and its stride times step. */
export const sliceForward: Forward<'slice'> = (be, [h], a) => be.retain(h!, sliceView(h!, a.dim, a.start, sliceLength(a), a.step));

/** @internal The forward of squeeze: the view without the dropped size-1 dims. */
export const squeezeForward: Forward<'squeeze'> = (be, [h], { dims }) => {
  const keep = h!.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  return be.retain(h!, { shape: keep.map((i) => h!.shape[i]!), strides: keep.map((i) => h!.strides[i]!), offset: h!.offset });
};

/** @internal The forward of unsqueeze: the view with a size-1 dim inserted (its stride never moves, any value serves). */
export const unsqueezeForward: Forward<'unsqueeze'> = (be, [h], { dim }) => {
  const shape = [...h!.shape];
  const strides = [...h!.strides];
  shape.splice(dim, 0, 1);
  strides.splice(dim, 0, dim < h!.shape.length ? h!.strides[dim]! * h!.shape[dim]! : 1);
  return be.retain(h!, { shape, strides, offset: h!.offset });
};

/** @internal The forward of sliceScatter: x read row-major, the slice's elements replaced by src's (one kernel). */
export const sliceScatterForward: Forward<'sliceScatter'> = (be, [x, src], a) =>
  be.asStridedScatter(x!, src!, sliceView({ shape: x!.shape, strides: stridesOf(x!.shape), offset: 0 }, a.dim, a.start, sliceLength(a), a.step));

/**
 * @internal Zeros of `shape` as a new handle: a fresh 0-d +0 (one scalar kernel on the cached -0)
 * seen expanded with stride 0, so no full-size buffer is made; kernels read it as a whole tensor.
 */
export function zerosHandle(be: Parameters<Forward<'slice'>>[0], shape: readonly number[]): Handle {
  const z = scalarHandle(be, 0);
  const v = be.retain(z, { shape: [...shape], strides: shape.map(() => 0), offset: 0 });
  be.free(z);
  return v;
}
