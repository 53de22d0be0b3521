import type { View } from './backend.js';
import { sizeOf, stridesOf, type Shape } from './shape.js';

// Views are numbers over a shared buffer (see View in backend.ts): these
// helpers compute them for the view ops and tell backends when a view is a
// plain row-major block, which every kernel can read as a flat array.

/** The view of a fresh row-major buffer of `shape`. */
export function rowMajorView(shape: Shape): View {
  return { shape: [...shape], strides: stridesOf(shape), offset: 0 };
}

/** True when `v` reads its buffer as one row-major block from element 0 (sizes of 1 may have any stride). */
export function isContiguous(v: View): boolean {
  if (v.offset !== 0) return false;
  let want = 1;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    const n = v.shape[d]!;
    if (n !== 1 && v.strides[d] !== want) return false;
    want *= n;
  }
  return true;
}

/**
 * True when `v` reaches each element of a block of `sizeOf(v.shape)` buffer
 * elements from its offset exactly once, in some order of its dims (a row-major
 * block or a permutation of one): such a view can be written through.
 */
export function isDense(v: View): boolean {
  if (isPlainRowMajor(v)) return true;
  const dims = v.shape.map((n, d) => ({ n, s: v.strides[d]! })).filter((x) => x.n !== 1);
  dims.sort((a, b) => b.s - a.s);
  let want = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    if (dims[i]!.s !== want) return false;
    want *= dims[i]!.n;
  }
  return true;
}

// Row-major from its offset with no empty dim: the layout nearly every tensor has, which
// isDense and isNonOverlapping accept here without sorting its dims (which allocates).
function isPlainRowMajor(v: View): boolean {
  let want = 1;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    const n = v.shape[d]!;
    if (n === 0 || (n !== 1 && v.strides[d] !== want)) return false;
    want *= n;
  }
  return true;
}

/** `x` with its dims reordered: output dim i is input dim perm[i]. */
export function permuteView(x: View, perm: readonly number[]): View {
  const shape = new Array<number>(perm.length);
  const strides = new Array<number>(perm.length);
  for (let i = 0; i < perm.length; i++) {
    shape[i] = x.shape[perm[i]!]!;
    strides[i] = x.strides[perm[i]!]!;
  }
  return { shape, strides, offset: x.offset };
}

/** `x` broadcast to `shape` (NumPy rules): repeated and new leading dims get stride 0. */
export function expandView(x: View, shape: Shape): View {
  const lead = shape.length - x.shape.length;
  const strides = shape.map((n, i) => {
    if (i < lead) return 0;
    const d = i - lead;
    return x.shape[d] === 1 && n !== 1 ? 0 : x.strides[d]!;
  });
  return { shape: [...shape], strides, offset: x.offset };
}

/** A contiguous `x` seen as `shape` of the same size (reshape without a copy). */
export function reshapeView(x: View, shape: Shape): View {
  if (sizeOf(shape) !== sizeOf(x.shape)) throw new Error(`reshapeView: ${sizeOf(x.shape)} elements cannot be seen as [${shape.join(', ')}]`);
  return { shape: [...shape], strides: stridesOf(shape), offset: x.offset };
}

/** True when `x` is row-major from its offset (a reshape of it is a view); unlike isContiguous, the offset may be anything. */
export function isRowMajor(x: View): boolean {
  // isContiguous's test without its offset check (and without copying x to drop it).
  let want = 1;
  for (let d = x.shape.length - 1; d >= 0; d--) {
    const n = x.shape[d]!;
    if (n !== 1 && x.strides[d] !== want) return false;
    want *= n;
  }
  return true;
}

/**
 * True when `v` reaches no buffer element twice (and has no negative stride): its dims of size > 1,
 * sorted by stride, each step over more than the whole span of the dims inside it. Narrow and slice
 * views of a dense block are such views (they may skip elements); an expanded view is not.
 */
export function isNonOverlapping(v: View): boolean {
  if (isPlainRowMajor(v)) return true;
  const dims = v.shape.map((n, d) => ({ n, s: v.strides[d]! })).filter((x) => x.n > 1);
  dims.sort((a, b) => a.s - b.s);
  let span = 0;
  for (const { n, s } of dims) {
    if (s <= span) return false;
    span += (n - 1) * s;
  }
  return true;
}

/** `x` with dim `dim` cut to `length` elements from `start`, every `step`-th (narrow and slice: a view). */
export function sliceView(x: View, dim: number, start: number, length: number, step: number): View {
  const shape = [...x.shape];
  shape[dim] = length;
  const strides = [...x.strides];
  strides[dim] = x.strides[dim]! * step;
  return { shape, strides, offset: x.offset + start * x.strides[dim]! };
}
