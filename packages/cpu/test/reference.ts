import type { BinaryOp, ReduceOp, UnaryOp } from '@nn/core';
import { broadcastShapes, broadcastStrides, reducedShape, sizeOf, stridesOf, type Shape } from '@nn/core';
import { binaryFns, powScalar, unaryFns } from '../src/math.js';

// The test oracle of the cpu backend: one plain loop per kernel over
// Float32Array, written for clarity, never for speed. It is not shipped and the
// backend never calls it; the tests compare the fast path (src/loops.ts, the
// wasm kernels) with it, broadcasting, strides and transposes included. The
// per-element math is src/math.ts, shared, and pinned by the conformance cases.

/** out[i] = f(x[i]). */
export function unary(op: UnaryOp, x: Float32Array): Float32Array {
  const f = unaryFns[op];
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
  return out;
}

/** out[i] = f(x[i], s) or f(s, x[i]). */
export function scalar(op: BinaryOp, x: Float32Array, s: number, reversed: boolean): Float32Array {
  const out = new Float32Array(x.length);
  const f = op === 'pow' && !reversed ? powScalar : binaryFns[op];
  if (reversed) for (let i = 0; i < x.length; i++) out[i] = f(s, x[i]!);
  else for (let i = 0; i < x.length; i++) out[i] = f(x[i]!, s);
  return out;
}

/** Walk every index of `outShape`, calling `visit(outIndex, offsets...)` with broadcast offsets into each input. */
function broadcastWalk(outShape: Shape, inShapes: Shape[], visit: (i: number, offs: number[]) => void): void {
  const rank = outShape.length;
  const strides = inShapes.map((s) => broadcastStrides(s, outShape));
  const n = sizeOf(outShape);
  const idx = new Array<number>(rank).fill(0);
  const offs = new Array<number>(inShapes.length).fill(0);
  for (let i = 0; i < n; i++) {
    visit(i, offs);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < offs.length; k++) offs[k]! += strides[k]![d]!;
      if (idx[d]! < outShape[d]!) break;
      for (let k = 0; k < offs.length; k++) offs[k]! -= strides[k]![d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

/** Elementwise op with NumPy broadcasting. */
export function binary(op: BinaryOp, a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape): { data: Float32Array; shape: number[] } {
  const shape = broadcastShapes(op, aShape, bShape);
  const out = new Float32Array(sizeOf(shape));
  const f = binaryFns[op];
  broadcastWalk(shape, [aShape, bShape], (i, o) => {
    out[i] = f(a[o[0]!]!, b[o[1]!]!);
  });
  return { data: out, shape };
}

/** mask != 0 ? a : b with broadcasting. */
export function where(m: Float32Array, mShape: Shape, a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape): { data: Float32Array; shape: number[] } {
  const shape = broadcastShapes('where', mShape, aShape, bShape);
  const out = new Float32Array(sizeOf(shape));
  broadcastWalk(shape, [mShape, aShape, bShape], (i, o) => {
    out[i] = m[o[0]!] !== 0 ? a[o[1]!]! : b[o[2]!]!;
  });
  return { data: out, shape };
}

/** Broadcast x to shape. */
export function expand(x: Float32Array, xShape: Shape, shape: Shape): Float32Array {
  const out = new Float32Array(sizeOf(shape));
  broadcastWalk(shape, [xShape], (i, o) => {
    out[i] = x[o[0]!]!;
  });
  return out;
}

/**
 * Reduce over sorted axes, keeping them as size-1 dims: each input element
 * adds into (or raises) the output element at its index with the reduced
 * axes set to 0. Sums accumulate in float64 and round once, as the backend.
 */
export function reduce(op: ReduceOp, x: Float32Array, shape: Shape, axes: readonly number[]): Float32Array {
  const outShape = reducedShape(shape, axes, true);
  const inStrides = stridesOf(shape);
  const outStrides = stridesOf(outShape);
  const blockStrides = stridesOf(axes.map((a) => shape[a]!));
  const acc = new Float64Array(sizeOf(outShape)).fill(op === 'sum' ? 0 : op === 'min' || op === 'argmin' ? Infinity : -Infinity);
  const arg = new Float64Array(acc.length);
  for (let i = 0; i < x.length; i++) {
    // o: the output element; r: the index within the reduced block (row-major over the axes).
    let o = 0;
    let r = 0;
    for (let d = 0; d < shape.length; d++) {
      const k = axes.indexOf(d);
      const id = Math.floor(i / inStrides[d]!) % shape[d]!;
      if (k >= 0) r += id * blockStrides[k]!;
      else o += id * outStrides[d]!;
    }
    const v = x[i]!;
    if (op === 'sum') acc[o]! += v;
    // NaN wins, as torch.max/min: once stored, no comparison replaces it.
    else if (op === 'max') { if (v > acc[o]! || v !== v) acc[o] = v; }
    else if (op === 'min') { if (v < acc[o]! || v !== v) acc[o] = v; }
    // argmax/argmin: the first of ties and the first NaN (i visits r in increasing order).
    else if (!Number.isNaN(acc[o]!) && (v !== v || (op === 'argmax' ? v > acc[o]! : v < acc[o]!))) {
      acc[o] = v;
      arg[o] = r;
    }
  }
  return Float32Array.from(op === 'argmax' || op === 'argmin' ? arg : acc);
}

/** Output dim i is input dim perm[i]. */
export function permute(x: Float32Array, shape: Shape, perm: readonly number[]): { data: Float32Array; shape: number[] } {
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = stridesOf(shape);
  const out = new Float32Array(x.length);
  const strides = perm.map((p) => inStrides[p]!);
  const rank = outShape.length;
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = x[off]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      off += strides[d]!;
      if (idx[d]! < outShape[d]!) break;
      off -= strides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/**
 * C = op(A)·op(B), m×k by k×n. The i-k-j loop order streams rows of B and C,
 * so the inner loop is contiguous whatever the transposes (B is transposed
 * once into a scratch copy when needed).
 */
export function matmul(a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape, transA: boolean, transB: boolean): { data: Float32Array; shape: number[] } {
  const m = transA ? aShape[1]! : aShape[0]!;
  const k = transA ? aShape[0]! : aShape[1]!;
  const n = transB ? bShape[0]! : bShape[1]!;
  const bt = transB ? permute(b, bShape, [1, 0]).data : b; // now k×n
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let p = 0; p < k; p++) {
      // No zero skipping: 0·Inf and 0·NaN are NaN, as in PyTorch.
      const av = transA ? a[p * m + i]! : a[i * k + p]!;
      const brow = p * n;
      for (let j = 0; j < n; j++) out[row + j]! += av * bt[brow + j]!;
    }
  }
  return { data: out, shape: [m, n] };
}
