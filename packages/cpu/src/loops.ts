import type { BinaryOp, ReduceOp, Shape, UnaryOp } from '@nn/core';
import { broadcastStrides, reducedShape, sizeOf, stridesOf } from '@nn/core';
import { binaryFns, powScalar, unaryFns } from './math.js';

// The TypeScript kernels of the cpu backend, one per op, each writing into a
// caller-provided array (a recycled block), with a plain loop per common op:
// one call per element through a function table costs several times more
// than the arithmetic. The tests hold every result to the plain oracle in
// test/reference.ts, bit for bit.

/** out[i] = op(x[i]). */
export function unaryInto(op: UnaryOp, x: Float32Array, out: Float32Array): void {
  const n = out.length;
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i]!;
      return;
    case 'relu':
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        // −0 stays −0 and NaN stays NaN, as unaryFns.relu.
        out[i] = v < 0 ? 0 : v;
      }
      return;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!);
      return;
    default: {
      const f = unaryFns[op];
      for (let i = 0; i < n; i++) out[i] = f(x[i]!);
    }
  }
}

/** out[i] = op(x[i], s), or op(s, x[i]) when reversed. */
export function scalarInto(op: BinaryOp, x: Float32Array, s: number, reversed: boolean, out: Float32Array): void {
  const n = out.length;
  // max and min are not among the commutative ones: at a tie (−0 vs 0) they keep the first operand.
  if (!reversed || op === 'add' || op === 'mul' || op === 'eq') {
    // Commutative ops and the unreversed forms.
    switch (op) {
      case 'add':
        for (let i = 0; i < n; i++) out[i] = x[i]! + s;
        return;
      case 'sub':
        for (let i = 0; i < n; i++) out[i] = x[i]! - s;
        return;
      case 'mul':
        for (let i = 0; i < n; i++) out[i] = x[i]! * s;
        return;
      case 'div':
        for (let i = 0; i < n; i++) out[i] = x[i]! / s;
        return;
      case 'max':
        if (s !== s) out.fill(NaN);
        else
          for (let i = 0; i < n; i++) {
            const v = x[i]!;
            out[i] = v !== v ? NaN : v < s ? s : v;
          }
        return;
      case 'min':
        if (s !== s) out.fill(NaN);
        else
          for (let i = 0; i < n; i++) {
            const v = x[i]!;
            out[i] = v !== v ? NaN : v > s ? s : v;
          }
        return;
      case 'pow':
        if (s === 2) for (let i = 0; i < n; i++) out[i] = x[i]! * x[i]!;
        else if (s === 1) out.set(x);
        else for (let i = 0; i < n; i++) out[i] = powScalar(x[i]!, s);
        return;
      case 'lt':
        for (let i = 0; i < n; i++) out[i] = x[i]! < s ? 1 : 0;
        return;
      case 'gt':
        for (let i = 0; i < n; i++) out[i] = x[i]! > s ? 1 : 0;
        return;
      case 'le':
        for (let i = 0; i < n; i++) out[i] = x[i]! <= s ? 1 : 0;
        return;
      case 'ge':
        for (let i = 0; i < n; i++) out[i] = x[i]! >= s ? 1 : 0;
        return;
      case 'eq':
        for (let i = 0; i < n; i++) out[i] = x[i]! === s ? 1 : 0;
        return;
    }
  }
  if (op === 'sub') {
    for (let i = 0; i < n; i++) out[i] = s - x[i]!;
    return;
  }
  const f = binaryFns[op];
  for (let i = 0; i < n; i++) out[i] = f(s, x[i]!);
}

/** out[i] = op(a[i], b[i]) for arrays of one size. */
function sameShapeInto(op: BinaryOp, a: Float32Array, b: Float32Array, out: Float32Array): void {
  const n = out.length;
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
      return;
    case 'sub':
      for (let i = 0; i < n; i++) out[i] = a[i]! - b[i]!;
      return;
    case 'mul':
      for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
      return;
    case 'div':
      for (let i = 0; i < n; i++) out[i] = a[i]! / b[i]!;
      return;
    case 'gt':
      for (let i = 0; i < n; i++) out[i] = a[i]! > b[i]! ? 1 : 0;
      return;
    case 'lt':
      for (let i = 0; i < n; i++) out[i] = a[i]! < b[i]! ? 1 : 0;
      return;
    default: {
      const f = binaryFns[op];
      for (let i = 0; i < n; i++) out[i] = f(a[i]!, b[i]!);
    }
  }
}

/**
 * Strided walk over every index of `shape`: the innermost dimension runs as a
 * plain loop, the outer ones as an odometer, so broadcasting costs little
 * more than the same-shape loop.
 */
function walk(shape: Shape, strides: number[][], inner: (offs: number[], o: number, len: number) => void): void {
  const rank = shape.length;
  const n = sizeOf(shape);
  if (n === 0) return;
  if (rank === 0) {
    inner(strides.map(() => 0), 0, 1);
    return;
  }
  const len = shape[rank - 1]!;
  const offs = strides.map(() => 0);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < n; o += len) {
    inner(offs, o, len);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < offs.length; k++) offs[k]! += strides[k]![d]!;
      if (idx[d]! < shape[d]!) break;
      for (let k = 0; k < offs.length; k++) offs[k]! -= strides[k]![d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

/** Elementwise op with NumPy broadcasting into out (of shape `shape`). */
export function binaryInto(op: BinaryOp, a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape, shape: Shape, out: Float32Array): void {
  const n = out.length;
  if (a.length === n && b.length === n) return sameShapeInto(op, a, b, out);
  // Not for pow: a one-element exponent tensor is plain pow, not PyTorch's tensor ** scalar (sqrt at 0.5).
  if (b.length === 1 && a.length === n && op !== 'pow') return scalarInto(op, a, b[0]!, false, out);
  if (a.length === 1 && b.length === n) return scalarInto(op, b, a[0]!, true, out);
  const f = binaryFns[op];
  const sa = broadcastStrides(aShape, shape);
  const sb = broadcastStrides(bShape, shape);
  const ia = sa[sa.length - 1] ?? 0;
  const ib = sb[sb.length - 1] ?? 0;
  walk(shape, [sa, sb], (offs, o, len) => {
    let pa = offs[0]!;
    let pb = offs[1]!;
    for (let j = 0; j < len; j++, pa += ia, pb += ib) out[o + j] = f(a[pa]!, b[pb]!);
  });
}

/** out = mask != 0 ? a : b with broadcasting. */
export function whereInto(m: Float32Array, mShape: Shape, a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape, shape: Shape, out: Float32Array): void {
  const n = out.length;
  if (m.length === n && (a.length === n || a.length === 1) && (b.length === n || b.length === 1)) {
    // maskedFill passes a one-element fill value: the common case.
    if (a.length === 1 && b.length === n) {
      const v = a[0]!;
      for (let i = 0; i < n; i++) out[i] = m[i] !== 0 ? v : b[i]!;
    } else if (b.length === 1 && a.length === n) {
      const v = b[0]!;
      for (let i = 0; i < n; i++) out[i] = m[i] !== 0 ? a[i]! : v;
    } else if (a.length === n && b.length === n) {
      for (let i = 0; i < n; i++) out[i] = m[i] !== 0 ? a[i]! : b[i]!;
    } else {
      for (let i = 0; i < n; i++) out[i] = m[i] !== 0 ? a[0]! : b[0]!;
    }
    return;
  }
  const sm = broadcastStrides(mShape, shape);
  const sa = broadcastStrides(aShape, shape);
  const sb = broadcastStrides(bShape, shape);
  const last = shape.length - 1;
  const im = sm[last] ?? 0;
  const ia = sa[last] ?? 0;
  const ib = sb[last] ?? 0;
  walk(shape, [sm, sa, sb], (offs, o, len) => {
    let pm = offs[0]!;
    let pa = offs[1]!;
    let pb = offs[2]!;
    for (let j = 0; j < len; j++, pm += im, pa += ia, pb += ib) out[o + j] = m[pm] !== 0 ? a[pa]! : b[pb]!;
  });
}

/**
 * Reduce x over sorted axes into out (its length is the product of the kept
 * dims), walking x once in memory order with an odometer over the output.
 * Sums accumulate in float64 per output and round once: closer to PyTorch's
 * pairwise float32 sums than naive float32 accumulation.
 */
export function reduceInto(op: ReduceOp, x: Float32Array, shape: Shape, axes: readonly number[], out: Float32Array): void {
  if (op === 'argmax' || op === 'argmin') {
    argReduceInto(op === 'argmax', x, shape, axes, out);
    return;
  }
  if (op === 'sum' && axes.length === shape.length) {
    out[0] = sumAll(x);
    return;
  }
  const strides = broadcastStrides(reducedShape(shape, axes, true), shape);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  const acc = op === 'sum' ? new Float64Array(out.length) : out.fill(op === 'min' ? Infinity : -Infinity);
  let o = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (op === 'sum') acc[o]! += v;
    // NaN wins, as torch.max/min: once stored, no comparison replaces it.
    else if (op === 'max') {
      if (v > acc[o]! || v !== v) acc[o] = v;
    } else if (v < acc[o]! || v !== v) acc[o] = v;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      o += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      o -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  if (op === 'sum') out.set(acc);
}

/**
 * argmax (`max`) or argmin over sorted axes into out: for each output, the row-major index
 * within the reduced block of the first largest (smallest) element, as torch.argmax on CPU;
 * the first NaN wins and is kept. The walk is x's memory order, which visits each output's
 * block in increasing index order, so a strict comparison keeps the first of ties.
 */
function argReduceInto(max: boolean, x: Float32Array, shape: Shape, axes: readonly number[], out: Float32Array): void {
  const strides = broadcastStrides(reducedShape(shape, axes, true), shape);
  // Each input dim's step in the reduced block's row-major index (0 for a kept dim).
  const blockStrides = stridesOf(axes.map((a) => shape[a]!));
  const rstrides = shape.map(() => 0);
  axes.forEach((a, k) => (rstrides[a] = blockStrides[k]!));
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  const best = new Float64Array(out.length).fill(max ? -Infinity : Infinity);
  out.fill(0);
  let o = 0;
  let r = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const b = best[o]!;
    if (b === b && (v !== v || (max ? v > b : v < b))) {
      best[o] = v;
      out[o] = r;
    }
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      o += strides[d]!;
      r += rstrides[d]!;
      if (idx[d]! < shape[d]!) break;
      o -= strides[d]! * shape[d]!;
      r -= rstrides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

/** Sum of every element, accumulated in float64 as the reference does. */
export function sumAll(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s;
}

/** dst (c×r) = transpose of src (r×c), blocked so both sides stay in cache. */
export function transposeInto(src: Float32Array, r: number, c: number, dst: Float32Array): void {
  const B = 32;
  for (let i0 = 0; i0 < r; i0 += B) {
    const i1 = Math.min(i0 + B, r);
    for (let j0 = 0; j0 < c; j0 += B) {
      const j1 = Math.min(j0 + B, c);
      for (let i = i0; i < i1; i++) {
        const row = i * c;
        for (let j = j0; j < j1; j++) dst[j * r + i] = src[row + j]!;
      }
    }
  }
}

/** The elements of a strided view of x (shape, strides, offset), in row-major order, into out. */
export function gatherInto(x: Float32Array, view: { shape: Shape; strides: readonly number[]; offset: number }, out: Float32Array): void {
  const { shape, strides, offset } = view;
  const step = strides[strides.length - 1] ?? 0;
  walk(shape, [[...strides]], (offs, o, len) => {
    const p0 = offset + offs[0]!;
    if (step === 1) out.set(x.subarray(p0, p0 + len), o);
    else if (step === 0) out.fill(x[p0]!, o, o + len);
    else for (let j = 0, p = p0; j < len; j++, p += step) out[o + j] = x[p]!;
  });
}

/** The buffer offset of each entry of a batch (row-major over `batch`), from its view's leading strides and offset. */
export function batchOffsets(batch: Shape, strides: readonly number[], offset: number): number[] {
  let offs = [offset];
  for (let d = 0; d < batch.length; d++) {
    const next: number[] = [];
    for (const o of offs) for (let i = 0; i < batch[d]!; i++) next.push(o + i * strides[d]!);
    offs = next;
  }
  return offs;
}

/**
 * C = A·B in plain TypeScript, A and B read through strides (A's along row i and
 * inner p, B's along inner p and column j) from offsets, into out (row-major m×n
 * from offC): one entry of a batched product, any view read in place. The sum
 * runs in p order with one float32 rounding per term, as matmulInto.
 */
export function matmulStridedInto(
  a: Float32Array, offA: number, ai: number, ap: number,
  b: Float32Array, offB: number, bp: number, bj: number,
  m: number, n: number, k: number, out: Float32Array, offC: number,
): void {
  out.fill(0, offC, offC + m * n);
  for (let i = 0; i < m; i++) {
    const row = offC + i * n;
    for (let p = 0; p < k; p++) {
      const av = a[offA + i * ai + p * ap]!;
      const brow = offB + p * bp;
      for (let j = 0; j < n; j++) out[row + j]! += av * b[brow + j * bj]!;
    }
  }
}

/**
 * C = op(A)·op(B) in plain TypeScript, into out (m×n). The i-k-j order
 * streams rows of B and C; with B transposed (n×k) its rows are the dot
 * products' other side, so the i-j-p order reads them in place. Both sum the
 * terms in p order with one float32 rounding each (the product of two
 * float32 values is exact in a double), so they give the same bits.
 */
export function matmulInto(a: Float32Array, b: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean, out: Float32Array): void {
  if (transB) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const brow = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s = Math.fround(s + (transA ? a[p * m + i]! : a[i * k + p]!) * b[brow + p]!);
        out[i * n + j] = s;
      }
    }
    return;
  }
  const bt = b;
  out.fill(0);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let p = 0; p < k; p++) {
      const av = transA ? a[p * m + i]! : a[i * k + p]!;
      const brow = p * n;
      for (let j = 0; j < n; j++) out[row + j]! += av * bt[brow + j]!;
    }
  }
}

/**
 * torch.gather along `dim` over row-major data: out (of index's shape) at p is
 * x at p with p[dim] replaced by index[p]. Indices were checked in core.
 */
export function gatherAlongInto(x: Float32Array, xShape: Shape, dim: number, index: Float32Array, iShape: Shape, out: Float32Array): void {
  const xs = stridesOf(xShape);
  const is = stridesOf(iShape);
  for (let f = 0; f < out.length; f++) {
    // Split f over index's shape and place it in x, dim `dim` taken from the index.
    let r = f;
    let off = 0;
    for (let d = 0; d < iShape.length; d++) {
      const q = Math.floor(r / is[d]!);
      r -= q * is[d]!;
      off += (d === dim ? index[f]! : q) * xs[d]!;
    }
    out[f] = x[off]!;
  }
}

/**
 * torch.scatter_add along `dim` into `out` (which holds x's values already):
 * for each p of index's shape, out[p with p[dim] = index[p]] += src[p]. The
 * index is walked in row-major order, so repeats add in index order (PyTorch's cpu order).
 */
export function scatterAddInto(out: Float32Array, xShape: Shape, dim: number, index: Float32Array, iShape: Shape, src: Float32Array, srcShape: Shape): void {
  const xs = stridesOf(xShape);
  const is = stridesOf(iShape);
  const ss = stridesOf(srcShape);
  for (let f = 0; f < index.length; f++) {
    let r = f;
    let off = 0;
    let soff = 0;
    for (let d = 0; d < iShape.length; d++) {
      const q = Math.floor(r / is[d]!);
      r -= q * is[d]!;
      off += (d === dim ? index[f]! : q) * xs[d]!;
      soff += q * ss[d]!;
    }
    out[off] = out[off]! + src[soff]!;
  }
}

/** torch.as_strided_scatter into `out` (which holds x's values already): the elements `view` reaches take src's, in src's row-major order. */
export function stridedScatterInto(out: Float32Array, view: { shape: Shape; strides: readonly number[]; offset: number }, src: Float32Array): void {
  const bs = stridesOf(view.shape);
  for (let f = 0; f < src.length; f++) {
    let r = f;
    let off = view.offset;
    for (let d = 0; d < view.shape.length; d++) {
      const q = Math.floor(r / bs[d]!);
      r -= q * bs[d]!;
      off += q * view.strides[d]!;
    }
    out[off] = src[f]!;
  }
}

/**
 * Running sums along `axis` of a row-major x of `shape` (from the end when `reverse`),
 * accumulated in float64 and rounded once per output, as PyTorch's cpu cumsum (its
 * float accumulator is a double).
 */
export function cumsumInto(x: Float32Array, shape: Shape, axis: number, reverse: boolean, out: Float32Array): void {
  const len = shape[axis]!;
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  const outer = len === 0 || inner === 0 ? 0 : x.length / (len * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let acc = 0;
      for (let k = 0; k < len; k++) {
        const at = base + (reverse ? len - 1 - k : k) * inner;
        acc += x[at]!;
        out[at] = acc;
      }
    }
  }
}
