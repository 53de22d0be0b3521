import type { BinaryOp, ReduceOp, UnaryOp } from '@nn/core';
import { broadcastShapes, broadcastStrides, reducedShape, sizeOf, stridesOf, type Shape } from '@nn/core';

// Plain loops over Float32Array: the reference every other backend is tested
// against, so clarity beats cleverness here (matmul excepted: it is the hot spot).

/** Elementwise function of one value. */
export const unaryFns: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  // NaN stays NaN, as torch.relu (x > 0 ? x : 0 would turn it into 0).
  relu: (x) => (x <= 0 ? 0 : x),
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
};

/**
 * C's pow, which PyTorch's follows: JS Math.pow differs only where |base| is 1,
 * giving NaN for 1^NaN and (±1)^±Inf where IEEE 754 and PyTorch give 1.
 */
export function pow(a: number, b: number): number {
  if (a === 1 || (a === -1 && (b === Infinity || b === -Infinity))) return 1;
  return Math.pow(a, b);
}

/**
 * PyTorch's `tensor ** scalar`: it computes exponent 0.5 as sqrt and −0.5 as
 * 1/sqrt, which differ from pow at −Inf (NaN, not Inf or 0) and at −0
 * ((−0)^−0.5 is −Inf). A tensor exponent, even of one element, is plain pow.
 */
export function powScalar(x: number, s: number): number {
  if (s === 0.5) return Math.sqrt(x);
  if (s === -0.5) return 1 / Math.sqrt(x);
  return pow(x, s);
}

/** Elementwise function of two values; comparisons give 1 or 0. */
export const binaryFns: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow,
  // NaN propagates, as torch.maximum/minimum.
  max: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
  min: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
  lt: (a, b) => (a < b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  eq: (a, b) => (a === b ? 1 : 0),
};

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

/** Reduce over sorted axes, into `out` when given (its length is the product of the kept dims). */
export function reduce(op: ReduceOp, x: Float32Array, shape: Shape, axes: readonly number[], out?: Float32Array): Float32Array {
  const outShape = reducedShape(shape, axes, true);
  out = (out ?? new Float32Array(sizeOf(outShape))).fill(op === 'sum' ? 0 : -Infinity);
  const strides = broadcastStrides(outShape, shape);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  if (op === 'sum') {
    // Accumulate in float64 (JS numbers) per output, then round once: closer to
    // PyTorch's pairwise float32 sums than naive float32 accumulation.
    const acc = new Float64Array(out.length);
    for (let i = 0; i < x.length; i++) {
      acc[o] += x[i]!;
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]!++;
        o += strides[d]!;
        if (idx[d]! < shape[d]!) break;
        o -= strides[d]! * shape[d]!;
        idx[d] = 0;
      }
    }
    for (let i = 0; i < out.length; i++) out[i] = acc[i]!;
    return out;
  }
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v > out[o]! || v !== v) out[o] = v;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      o += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      o -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
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
