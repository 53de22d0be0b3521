import type { GraphNode, GraphRef, GraphResult, GraphSpec } from './graph.js';

// An independent evaluator for random graphs: plain number arrays, its own
// broadcasting, reductions, matrix products and reverse-mode gradients, written
// from the math and PyTorch 1.13's derivative formulas (tools/autograd/
// derivatives.yaml). It imports nothing from core's ops, shapes or backends,
// so a bug there cannot hide by being shared.
//
// `round` is applied to every value an op produces (and to each step inside a
// derivative formula, as a float32 run rounds each). With the identity it is a
// float64 evaluation; with Math.fround (and sums accumulated in float32) it
// simulates a float32 run, which graphCheck.ts uses to see how sensitive each
// value of this particular graph is to float32 rounding.

interface Arr {
  shape: number[];
  data: number[];
}

type Round = (x: number) => number;

const sizeOfShape = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function stridesFor(s: readonly number[]): number[] {
  const st = new Array<number>(s.length).fill(1);
  for (let i = s.length - 2; i >= 0; i--) st[i] = st[i + 1]! * s[i + 1]!;
  return st;
}

function bshape(...shapes: number[][]): number[] {
  const r = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s[s.length - r + i] ?? 1;
      if (k !== 1) {
        if (d !== 1 && d !== k) throw new Error(`reference64: shapes ${JSON.stringify(shapes)} do not broadcast`);
        d = k;
      }
    }
    out.push(d);
  }
  return out;
}

// Index of `a` read at each position of an `out`-shaped loop (broadcast stride 0).
function gatherIndex(a: readonly number[], out: readonly number[]): number[] {
  const st = stridesFor(a);
  const off = out.length - a.length;
  const n = sizeOfShape(out);
  const idx = new Array<number>(n);
  const pos = new Array<number>(out.length).fill(0);
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (let d = 0; d < a.length; d++) if (a[d] !== 1) j += pos[d + off]! * st[d]!;
    idx[i] = j;
    for (let d = out.length - 1; d >= 0; d--) {
      if (++pos[d]! < out[d]!) break;
      pos[d] = 0;
    }
  }
  return idx;
}

function zipN(arrs: Arr[], f: (...v: number[]) => number, round: Round): Arr {
  const shape = bshape(...arrs.map((a) => a.shape));
  const idx = arrs.map((a) => gatherIndex(a.shape, shape));
  const n = sizeOfShape(shape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) data[i] = round(f(...arrs.map((a, k) => a.data[idx[k]![i]!]!)));
  return { shape, data };
}

const scalarArr = (v: number): Arr => ({ shape: [], data: [v] });

// Sum `g` down to `shape` (the inverse of broadcasting), accumulating with `round`.
function sumTo(g: Arr, shape: number[], round: Round): Arr {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const idx = gatherIndex(shape, g.shape);
  const data = new Array<number>(sizeOfShape(shape)).fill(0);
  for (let i = 0; i < g.data.length; i++) data[idx[i]!] = round(data[idx[i]!]! + g.data[i]!);
  return { shape: [...shape], data };
}

function normAxes(dim: number[] | undefined, rank: number): number[] {
  if (dim === undefined || dim.length === 0) return [...Array(rank).keys()];
  return [...new Set(dim.map((d) => (d < 0 ? d + Math.max(rank, 1) : d)))].filter((d) => d < rank).sort((a, b) => a - b);
}

function keptShape(shape: number[], axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reduce(x: Arr, axes: number[], kind: 'sum' | 'max' | 'min', round: Round): Arr {
  const kept = keptShape(x.shape, axes);
  const idx = gatherIndex(kept, x.shape);
  const data = new Array<number>(sizeOfShape(kept)).fill(kind === 'sum' ? 0 : kind === 'max' ? -Infinity : Infinity);
  for (let i = 0; i < x.data.length; i++) {
    const j = idx[i]!;
    const v = x.data[i]!;
    if (kind === 'sum') data[j] = round(data[j]! + v);
    else if (Number.isNaN(v) || Number.isNaN(data[j]!)) data[j] = NaN;
    // amax and amin keep the first of equal values (−0 before 0 gives −0), as PyTorch.
    else if (kind === 'max' ? v > data[j]! : v < data[j]!) data[j] = v;
  }
  return { shape: kept, data };
}

function dropAxes(a: Arr, axes: number[], keepdim: boolean): Arr {
  return keepdim ? a : { shape: a.shape.filter((_, i) => !axes.includes(i)), data: a.data };
}

function permuteArr(x: Arr, dims: number[]): Arr {
  const shape = dims.map((d) => x.shape[d]!);
  const st = stridesFor(x.shape);
  const n = x.data.length;
  const data = new Array<number>(n);
  const pos = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (let d = 0; d < shape.length; d++) j += pos[d]! * st[dims[d]!]!;
    data[i] = x.data[j]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++pos[d]! < shape[d]!) break;
      pos[d] = 0;
    }
  }
  return { shape, data };
}

function inversePerm(dims: number[]): number[] {
  const inv = new Array<number>(dims.length);
  dims.forEach((d, i) => (inv[d] = i));
  return inv;
}

function resolveShape(shape: number[], size: number): number[] {
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  return shape.map((d) => (d === -1 ? size / known : d));
}

function matmul2(a: Arr, b: Arr, round: Round): Arr {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const data = new Array<number>(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s = round(s + round(a.data[i * k + p]! * b.data[p * n + j]!));
      data[i * n + j] = s;
    }
  }
  return { shape: [m, n], data };
}

const transpose2 = (a: Arr): Arr => permuteArr(a, [1, 0]);

// A batch of matrices with its last two dims swapped.
function transposeLast(a: Arr): Arr {
  const r = a.shape.length;
  return permuteArr(a, [...Array(r - 2).keys(), r - 1, r - 2]);
}

// Two batch shapes broadcast (torch.matmul's batch dims).
function broadcastBatch(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    return da === 1 ? db : da;
  });
}

// torch.matmul of operands of rank ≥ 2: batch dims broadcast, one matmul2 per batch entry.
function matmulBatched(a: Arr, b: Arr, round: Round): Arr {
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.shape.length - 1]!;
  const batch = broadcastBatch(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const ia = gatherIndex(a.shape.slice(0, -2), batch);
  const ib = gatherIndex(b.shape.slice(0, -2), batch);
  const data: number[] = [];
  for (let e = 0; e < ia.length; e++) {
    const ae = { shape: [m, k], data: a.data.slice(ia[e]! * m * k, (ia[e]! + 1) * m * k) };
    const be = { shape: [k, n], data: b.data.slice(ib[e]! * k * n, (ib[e]! + 1) * k * n) };
    for (const v of matmul2(ae, be, round).data) data.push(v);
  }
  return { shape: [...batch, m, n], data };
}

// ---- narrow, slice, flip, cat: positions along one dim (written apart from nn's views, as a check of them)

// A dim as given (negatives from the end) for a tensor of `rank` dims.
const normDim = (d: number, rank: number): number => (d < 0 ? d + rank : d);

// The positions Python's x[start:end:step] takes along a dim of size n (step > 0; bounds clamped).
function slicePositions(n: number, start: number | null, end: number | null, step: number): number[] {
  const bound = (v: number | null, whole: number): number => (v === null ? whole : Math.min(Math.max(v < 0 ? v + n : v, 0), n));
  const out: number[] = [];
  for (let i = bound(start, 0); i < bound(end, n); i += step) out.push(i);
  return out;
}

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

// x read along dim d at positions pos: out[…, i, …] = x[…, pos[i], …].
function takeAlong(x: Arr, d: number, pos: readonly number[]): Arr {
  const shape = x.shape.map((n, i) => (i === d ? pos.length : n));
  const outer = sizeOfShape(x.shape.slice(0, d));
  const inner = sizeOfShape(x.shape.slice(d + 1));
  const data: number[] = [];
  for (let o = 0; o < outer; o++) for (const p of pos) for (let k = 0; k < inner; k++) data.push(x.data[(o * x.shape[d]! + p) * inner + k]!);
  return { shape, data };
}

// The adjoint of takeAlong for distinct positions: g written back at positions pos of a dim of
// size n, zero elsewhere (written, not added, so a -0 gradient stays -0 as PyTorch's slice_scatter keeps it).
function putAlong(g: Arr, d: number, pos: readonly number[], n: number): Arr {
  const shape = g.shape.map((m, i) => (i === d ? n : m));
  const outer = sizeOfShape(g.shape.slice(0, d));
  const inner = sizeOfShape(g.shape.slice(d + 1));
  const data = new Array<number>(sizeOfShape(shape)).fill(0);
  let j = 0;
  for (let o = 0; o < outer; o++) {
    for (const p of pos) {
      for (let k = 0; k < inner; k++) {
        data[(o * n + p) * inner + k] = g.data[j++]!;
      }
    }
  }
  return { shape, data };
}

// a and b joined along dim d.
function concat(a: Arr, b: Arr, d: number): Arr {
  const shape = a.shape.map((n, i) => (i === d ? n + b.shape[d]! : n));
  const outer = sizeOfShape(a.shape.slice(0, d));
  const ia = sizeOfShape(a.shape.slice(d));
  const ib = sizeOfShape(b.shape.slice(d));
  const data: number[] = [];
  for (let o = 0; o < outer; o++) data.push(...a.data.slice(o * ia, (o + 1) * ia), ...b.data.slice(o * ib, (o + 1) * ib));
  return { shape, data };
}

// The positions of one narrow or slice node along its (normalised) dim of size n.
function slicedPositions(n: Extract<GraphNode, { op: 'narrow' | 'slice' }>, size: number): number[] {
  if (n.op === 'slice') return slicePositions(size, n.start, n.end, n.step);
  return range(n.start < 0 ? n.start + size : n.start, n.length);
}

// ---- var/std, cumsum, repeat, stack and the index ops: loops over positions, apart from nn's kernels

// Call f with each multi-index of `shape` in row-major order, and its flat position.
function eachPos(shape: readonly number[], f: (pos: number[], i: number) => void): void {
  const n = sizeOfShape(shape);
  const pos = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    f(pos, i);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++pos[d]! < shape[d]!) break;
      pos[d] = 0;
    }
  }
}

// The flat position of a multi-index in `shape`.
function flatAt(pos: readonly number[], shape: readonly number[]): number {
  let j = 0;
  for (let d = 0; d < shape.length; d++) j = j * shape[d]! + pos[d]!;
  return j;
}

// The mean along dim d (kept as size 1) and Σ(x − mean)² / max(0, N − correction): two passes, as the definition.
function variance(x: Arr, d: number, correction: number, round: Round): { mean: Arr; var: Arr } {
  const count = x.shape[d]!;
  const s = reduce(x, [d], 'sum', round);
  const mean = { shape: s.shape, data: s.data.map((v) => round(v / count)) };
  const sq = zipN([x, mean], (a, m) => {
    const c = round(a - m);
    return c * c;
  }, round);
  const ss = reduce(sq, [d], 'sum', round);
  return { mean, var: { shape: ss.shape, data: ss.data.map((v) => round(v / Math.max(0, count - correction))) } };
}

// Running sums along dim d of a tensor of rank >= 1, from the start or (reverse) from the end.
function runningSum(x: Arr, d: number, reverse: boolean, round: Round): Arr {
  const n = x.shape[d]!;
  const outer = sizeOfShape(x.shape.slice(0, d));
  const inner = sizeOfShape(x.shape.slice(d + 1));
  const data = new Array<number>(x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      let acc = 0;
      for (let q = 0; q < n; q++) {
        const j = (o * n + (reverse ? n - 1 - q : q)) * inner + k;
        acc = round(acc + x.data[j]!);
        data[j] = acc;
      }
    }
  }
  return { shape: x.shape, data };
}

// For each position of x.repeat(sizes), the flat position of x it copies.
function repeatSources(xShape: readonly number[], sizes: readonly number[]): { shape: number[]; src: number[] } {
  const full = [...new Array<number>(sizes.length - xShape.length).fill(1), ...xShape];
  const shape = full.map((n, i) => n * sizes[i]!);
  const src: number[] = [];
  eachPos(shape, (pos) => src.push(flatAt(pos.map((p, i) => p % full[i]!), full)));
  return { shape, src };
}

// For each position p of an index of `indexShape`, the flat position in `shape` that p names
// (p with its dim-d coordinate replaced by the index value there), as gather reads and scatterAdd writes.
function indexTargets(index: readonly number[], indexShape: readonly number[], shape: readonly number[], d: number): number[] {
  const out: number[] = [];
  eachPos(indexShape, (pos, i) => {
    const t = [...pos];
    t[d] = index[i]!;
    out.push(flatAt(t, shape));
  });
  return out;
}

// g added at flat positions `to` of a zero tensor of `shape` (repeats accumulate), as index_add and scatter_add.
function addInto(shape: number[], to: readonly number[], g: readonly number[], round: Round): Arr {
  const data = new Array<number>(sizeOfShape(shape)).fill(0);
  to.forEach((t, i) => (data[t] = round(data[t]! + g[i]!)));
  return { shape, data };
}

/** pow as IEEE 754 and PyTorch define it: 1 for x^0 and for 1^y, even when y is NaN; (-1)^±Inf = 1. */
export function ieeePow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return Math.pow(x, y);
}

/**
 * PyTorch's `tensor ** number` (pow_tensor_scalar_optimized_kernel): some exponents take
 * their own formula, which differs from C's pow at edge values: 0.5 is sqrt and −0.5 is
 * 1/sqrt, so (−Inf)^0.5 is NaN (pow: Inf), (−0)^0.5 is −0 and (−0)^−0.5 is −Inf (pow: 0 and
 * Inf). 2, 3, −1, −2 are x·x, x·x·x, 1/x, 1/(x·x): equal to pow at every edge value
 * (checked against torch at NaN, ±Inf, ±0, ±1e30, ±1e−30), but rounded per step. A tensor
 * exponent, even of one element, and a number base are C's pow.
 */
export function torchScalarPow(x: number, s: number, round: Round = (v) => v): number {
  if (s === 0.5) return Math.sqrt(x);
  if (s === -0.5) return 1 / round(Math.sqrt(x));
  if (s === 2) return x * x;
  if (s === 3) return round(x * x) * x;
  if (s === -1) return 1 / x;
  if (s === -2) return 1 / round(x * x);
  return ieeePow(x, s);
}

// torch.sgn on reals: sign, with 0 for ±0 and (as PyTorch 1.13 computes it) for NaN.
const sgn = (v: number): number => (v > 0 ? 1 : v < 0 ? -1 : 0);
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
// torch.round: ties to even (Math.round sends them up); −0.4 gives −0 (Math.round keeps it).
const roundEven = (v: number): number => {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
};
// erf from its Maclaurin series below 3 (alternating; float64 keeps ~1e-13 there) and
// 1 − erfc's continued fraction (by Lentz's method) above: a different route from the cpu backend's.
function erf64(v: number): number {
  if (Number.isNaN(v) || v === 0) return v;
  const x = Math.abs(v);
  let r: number;
  if (x < 3) {
    let term = x;
    let s = x;
    for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(s); n++) {
      term *= (-x * x) / n;
      s += term / (2 * n + 1);
    }
    r = (2 / Math.sqrt(Math.PI)) * s;
  } else if (x < 6) {
    // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))).
    let f = x;
    let c = x;
    let d = 0;
    for (let k = 1; k < 200; k++) {
      const a = k / 2;
      d = 1 / (x + a * d);
      c = x + a / c;
      const delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    r = 1 - Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
  } else r = 1;
  return v < 0 ? -r : r;
}

const cmpFn = {
  lt: (a: number, b: number) => a < b,
  gt: (a: number, b: number) => a > b,
  le: (a: number, b: number) => a <= b,
  ge: (a: number, b: number) => a >= b,
  eq: (a: number, b: number) => a === b,
};

/** Evaluate `spec` forward and backward with plain numbers, rounding every result with `round`. */
export function evaluateReference(spec: GraphSpec, round: Round = (x) => x): GraphResult {
  const leaves: Arr[] = spec.leaves.map((l) => ({ shape: [...l.shape], data: l.values.map(round) }));
  const nodes: Arr[] = [];
  const get = (r: GraphRef): Arr => ('scalar' in r ? scalarArr(round(r.scalar)) : 'leaf' in r ? leaves[r.leaf]! : nodes[r.node]!);
  const mask = (n: { c: GraphRef; cmp: keyof typeof cmpFn; threshold: number }): Arr => {
    const c = get(n.c);
    return { shape: c.shape, data: c.data.map((v) => (cmpFn[n.cmp](v, n.threshold) ? 1 : 0)) };
  };

  for (const n of spec.nodes) nodes.push(forward(n, get, mask, round));

  // Reverse mode: gradients of every leaf and node, accumulated as PyTorch does (by addition).
  const gLeaf: (Arr | null)[] = leaves.map(() => null);
  const gNode: (Arr | null)[] = nodes.map(() => null);
  const last = nodes.length - 1;
  gNode[last] = { shape: [...nodes[last]!.shape], data: spec.grad.map(round) };
  const accumulate = (r: GraphRef, g: Arr): void => {
    if ('scalar' in r) return;
    const list = 'leaf' in r ? gLeaf : gNode;
    const i = 'leaf' in r ? r.leaf : r.node;
    const target = get(r).shape;
    const gs = sumTo(g, target, round);
    const prev = list[i];
    list[i] = prev ? zipN([prev, gs], (a, b) => a + b, round) : gs;
  };
  for (let i = last; i >= 0; i--) {
    const g = gNode[i];
    if (!g) continue;
    backward(spec.nodes[i]!, g, nodes[i]!, get, mask, round, accumulate);
  }
  const out = nodes[last]!;
  return { shape: out.shape, out: out.data, grads: gLeaf.map((g) => (g ? g.data : null)) };
}

type Get = (r: GraphRef) => Arr;

// ---- activations and softmax along a dim (PyTorch's formulas, each step rounded)

const SQRT1_2 = Math.SQRT1_2;
const GELU_BETA = Math.SQRT2 * (2 / Math.sqrt(Math.PI)) * 0.5; // √(2/π)
const GELU_KAPPA = 0.044715;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

function geluValue(v: number, tanhForm: boolean, round: Round): number {
  if (!tanhForm) return round(round(v * 0.5) * round(1 + round(erf64(round(v * SQRT1_2)))));
  const inner = round(GELU_BETA * round(v + round(GELU_KAPPA * round(round(v * v) * v))));
  return round(round(0.5 * v) * round(1 + round(Math.tanh(inner))));
}

function geluSlope(x: number, tanhForm: boolean, round: Round): number {
  if (!tanhForm) {
    const cdf = round(0.5 * round(1 + round(erf64(round(x * SQRT1_2)))));
    const pdf = round(INV_SQRT_2PI * round(Math.exp(round(round(x * x) * -0.5))));
    return round(cdf + round(x * pdf));
  }
  const x2 = round(x * x);
  const t = round(Math.tanh(round(GELU_BETA * round(x + round(GELU_KAPPA * round(x2 * x))))));
  const left = round(0.5 * round(1 + t));
  const right = round(round(round(0.5 * x) * round(1 - round(t * t))) * round(GELU_BETA * round(1 + round(3 * GELU_KAPPA * x2))));
  return round(left + right);
}

// The row max as softmax subtracts it (NaN wins), kept as a size-1 dim.
function rowMax(x: Arr, d: number): Arr {
  return reduce(x, [d], 'max', (v) => v);
}
type Mask = (n: { c: GraphRef; cmp: keyof typeof cmpFn; threshold: number }) => Arr;

function forward(n: GraphNode, get: Get, mask: Mask, round: Round): Arr {
  const map = (x: Arr, f: (v: number) => number): Arr => ({ shape: x.shape, data: x.data.map((v) => round(f(v))) });
  switch (n.op) {
    case 'neg': return map(get(n.x), (v) => -v);
    case 'exp': return map(get(n.x), Math.exp);
    case 'log': return map(get(n.x), Math.log);
    case 'sqrt': return map(get(n.x), Math.sqrt);
    case 'abs': return map(get(n.x), Math.abs);
    case 'tanh': return map(get(n.x), Math.tanh);
    case 'sigmoid': return map(get(n.x), sigmoid);
    case 'sin': return map(get(n.x), Math.sin);
    case 'cos': return map(get(n.x), Math.cos);
    case 'log1p': return map(get(n.x), Math.log1p);
    case 'expm1': return map(get(n.x), Math.expm1);
    case 'erf': return map(get(n.x), erf64);
    // torch.sign: (x > 0) − (x < 0), so NaN and ±0 give 0.
    case 'sign': return map(get(n.x), (v) => (v > 0 ? 1 : 0) - (v < 0 ? 1 : 0));
    case 'floor': return map(get(n.x), Math.floor);
    case 'ceil': return map(get(n.x), Math.ceil);
    case 'round': return map(get(n.x), roundEven);
    case 'reciprocal': return map(get(n.x), (v) => 1 / v);
    case 'rsqrt': return map(get(n.x), (v) => 1 / Math.sqrt(v));
    case 'square': return map(get(n.x), (v) => v * v);
    // relu and clamp propagate NaN and keep x at a tie with the bound (relu(−0) = −0,
    // clamp(−0, {min: 0}) = −0), as PyTorch's clamp_min does.
    case 'relu': return map(get(n.x), (v) => (v < 0 ? 0 : v));
    case 'clamp': return map(get(n.x), (v) => {
      if (Number.isNaN(v)) return v;
      let r = v;
      if (n.min !== undefined && r < n.min) r = n.min;
      if (n.max !== undefined && r > n.max) r = n.max;
      return r;
    });
    case 'add': return zipN([get(n.a), get(n.b)], (a, b) => a + b, round);
    case 'sub': return zipN([get(n.a), get(n.b)], (a, b) => a - b, round);
    case 'mul': return zipN([get(n.a), get(n.b)], (a, b) => a * b, round);
    case 'div': return zipN([get(n.a), get(n.b)], (a, b) => a / b, round);
    case 'pow': {
      const b = n.b;
      return 'scalar' in b ? map(get(n.a), (v) => torchScalarPow(v, b.scalar, round)) : zipN([get(n.a), get(b)], ieeePow, round);
    }
    // NaN propagates; at a tie (−0 vs 0) the first operand is kept, as PyTorch's `a < b ? b : a`.
    case 'maximum': return zipN([get(n.a), get(n.b)], (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? b : a), round);
    case 'minimum': return zipN([get(n.a), get(n.b)], (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? b : a), round);
    case 'where': return zipN([mask(n), get(n.a), get(n.b)], (m, a, b) => (m ? a : b), round);
    case 'maskedFill': return zipN([mask(n), get(n.x)], (m, x) => (m ? n.value : x), round);
    case 'sum': case 'mean': case 'max': case 'min': {
      const x = get(n.x);
      const axes = normAxes(n.dim, x.shape.length);
      const r = reduce(x, axes, n.op === 'mean' ? 'sum' : n.op, round);
      if (n.op === 'mean') {
        const count = axes.reduce((c, a) => c * x.shape[a]!, 1);
        r.data = r.data.map((v) => round(v / count));
      }
      return dropAxes(r, axes, n.keepdim && n.dim !== undefined);
    }
    case 'reshape': { const x = get(n.x); return { shape: resolveShape(n.shape, x.data.length), data: x.data }; }
    case 'expand': {
      const x = get(n.x);
      const off = n.shape.length - x.shape.length;
      const shape = n.shape.map((d, i) => (d === -1 ? x.shape[i - off]! : d));
      return zipN([x, { shape, data: new Array<number>(sizeOfShape(shape)).fill(0) }], (a) => a, (v) => v);
    }
    case 'permute': return permuteArr(get(n.x), n.dims.map((d) => (d < 0 ? d + n.dims.length : d)));
    case 'transpose': {
      const x = get(n.x);
      const r = x.shape.length;
      const perm = [...Array(r).keys()];
      const d0 = n.dim0 < 0 ? n.dim0 + r : n.dim0;
      const d1 = n.dim1 < 0 ? n.dim1 + r : n.dim1;
      [perm[d0], perm[d1]] = [perm[d1]!, perm[d0]!];
      return permuteArr(x, perm);
    }
    case 't': { const x = get(n.x); return x.shape.length < 2 ? x : transpose2(x); }
    case 'mm': return matmul2(get(n.a), get(n.b), round);
    case 'matmul': {
      const a = get(n.a);
      const b = get(n.b);
      const a2 = a.shape.length === 1 ? { shape: [1, a.shape[0]!], data: a.data } : a;
      const b2 = b.shape.length === 1 ? { shape: [b.shape[0]!, 1], data: b.data } : b;
      const r = matmulBatched(a2, b2, round);
      // The promoted dims of 1-D operands are dropped from the result.
      const shape = r.shape.filter((_, i) => !(a.shape.length === 1 && i === r.shape.length - 2) && !(b.shape.length === 1 && i === r.shape.length - 1));
      return { shape, data: r.data };
    }
    case 'narrow': case 'slice': {
      const x = get(n.x);
      const d = normDim(n.dim, x.shape.length);
      return takeAlong(x, d, slicedPositions(n, x.shape[d]!));
    }
    case 'squeeze': {
      const x = get(n.x);
      const d = normDim(n.dim, x.shape.length);
      return x.shape[d] === 1 ? { shape: x.shape.filter((_, i) => i !== d), data: x.data } : x;
    }
    case 'unsqueeze': {
      const x = get(n.x);
      const shape = [...x.shape];
      shape.splice(normDim(n.dim, x.shape.length + 1), 0, 1);
      return { shape, data: x.data };
    }
    case 'flip': {
      let x = get(n.x);
      for (const dim of n.dims) {
        const d = normDim(dim, x.shape.length);
        x = takeAlong(x, d, range(0, x.shape[d]!).reverse());
      }
      return x;
    }
    case 'cat': {
      const a = get(n.a);
      return concat(a, get(n.b), normDim(n.dim, a.shape.length));
    }
    // leaky_relu, elu, gelu and softplus as PyTorch's cpu kernels compute them.
    case 'leakyRelu': return map(get(n.x), (v) => (v > 0 ? v : v * n.negativeSlope));
    case 'elu': return map(get(n.x), (v) => (v <= 0 ? round(Math.expm1(v)) * n.alpha : v));
    case 'gelu': return map(get(n.x), (v) => geluValue(v, n.approximate === 'tanh', round));
    case 'softplus': return map(get(n.x), (v) => {
      const xb = round(v * n.beta);
      return xb > n.threshold ? v : round(Math.log1p(round(Math.exp(xb)))) / n.beta;
    });
    // Max-subtracted, as PyTorch: a row with a NaN, or all −Inf, is NaN.
    case 'softmax': case 'logSoftmax': {
      const x = get(n.x);
      const d = normDim(n.dim, Math.max(x.shape.length, 1));
      const s = zipN([x, rowMax(x, d)], (a, m) => a - m, round);
      const e = { shape: s.shape, data: s.data.map((v) => round(Math.exp(v))) };
      const total = reduce(e, [d], 'sum', round);
      return n.op === 'softmax' ? zipN([e, total], (a, t) => a / t, round) : zipN([s, total], (a, t) => a - round(Math.log(t)), round);
    }
    // log Σ e^(x − m) + m, with m = 0 where the max is ±Inf (PyTorch's rule).
    case 'logsumexp': {
      const x = get(n.x);
      const d = normDim(n.dim, Math.max(x.shape.length, 1));
      const m = rowMax(x, d);
      const mf: Arr = { shape: m.shape, data: m.data.map((v) => (Math.abs(v) === Infinity ? 0 : v)) };
      const e = zipN([x, mf], (a, b) => Math.exp(round(a - b)), round);
      const r = zipN([reduce(e, [d], 'sum', round), mf], (t, b) => round(Math.log(t)) + b, round);
      return dropAxes(r, x.shape.length === 0 ? [] : [d], n.keepdim);
    }
    case 'var': case 'std': {
      const x = get(n.x);
      const d = normDim(n.dim, x.shape.length);
      const v = variance(x, d, n.correction, round).var;
      return dropAxes(n.op === 'var' ? v : { shape: v.shape, data: v.data.map((e) => round(Math.sqrt(e))) }, [d], n.keepdim);
    }
    case 'cumsum': {
      const x = get(n.x);
      return x.shape.length === 0 ? x : runningSum(x, normDim(n.dim, x.shape.length), false, round);
    }
    case 'repeat': {
      const x = get(n.x);
      const { shape, src } = repeatSources(x.shape, n.sizes);
      return { shape, data: src.map((j) => x.data[j]!) };
    }
    case 'stack': {
      const a = get(n.a);
      const d = normDim(n.dim, a.shape.length + 1);
      const lift = (v: Arr): Arr => ({ shape: [...v.shape.slice(0, d), 1, ...v.shape.slice(d)], data: v.data });
      return concat(lift(a), lift(get(n.b)), d);
    }
    case 'indexSelect': {
      const x = get(n.x);
      return takeAlong(x, normDim(n.dim, x.shape.length), n.index);
    }
    case 'gather': {
      const x = get(n.x);
      const at = indexTargets(n.index, n.indexShape, x.shape, normDim(n.dim, x.shape.length));
      return { shape: [...n.indexShape], data: at.map((j) => x.data[j]!) };
    }
    case 'scatterAdd': {
      const x = get(n.x);
      const src = get(n.src);
      const at = indexTargets(n.index, n.indexShape, x.shape, normDim(n.dim, x.shape.length));
      const data = [...x.data];
      at.forEach((t, i) => (data[t] = round(data[t]! + src.data[i]!)));
      return { shape: x.shape, data };
    }
  }
}

function backward(n: GraphNode, g: Arr, out: Arr, get: Get, mask: Mask, round: Round, acc: (r: GraphRef, g: Arr) => void): void {
  const z = (arrs: Arr[], f: (...v: number[]) => number): Arr => zipN(arrs, f, round);
  switch (n.op) {
    case 'neg': return acc(n.x, z([g], (g) => -g));
    case 'exp': return acc(n.x, z([g, out], (g, y) => g * y));
    case 'log': return acc(n.x, z([g, get(n.x)], (g, x) => g / x));
    case 'sqrt': return acc(n.x, z([g, out], (g, y) => g / round(2 * y)));
    case 'abs': return acc(n.x, z([g, get(n.x)], (g, x) => g * sgn(x)));
    case 'tanh': return acc(n.x, z([g, out], (g, y) => g * round(1 - round(y * y))));
    case 'sigmoid': return acc(n.x, z([g, out], (g, y) => round(g * round(1 - y)) * y));
    // PyTorch: g·cos(x) and g·(−sin(x)).
    case 'sin': return acc(n.x, z([g, get(n.x)], (g, x) => g * round(Math.cos(x))));
    case 'cos': return acc(n.x, z([g, get(n.x)], (g, x) => g * -round(Math.sin(x))));
    // PyTorch: log1p g / (x + 1); expm1 g·(y + 1); erf 2/√π·e^(−x²)·g; reciprocal −g·(y·y);
    // rsqrt (−0.5·g)·y³; square g·(2x); sign, floor, ceil, round a zero gradient.
    case 'log1p': return acc(n.x, z([g, get(n.x)], (g, x) => g / round(x + 1)));
    case 'expm1': return acc(n.x, z([g, out], (g, y) => g * round(y + 1)));
    case 'erf': return acc(n.x, z([g, get(n.x)], (g, x) => round(round((2 / Math.sqrt(Math.PI)) * round(Math.exp(-round(x * x)))) * g)));
    case 'sign': case 'floor': case 'ceil': case 'round': return acc(n.x, z([g], () => 0));
    case 'reciprocal': return acc(n.x, z([g, out], (g, y) => -g * round(y * y)));
    case 'rsqrt': return acc(n.x, z([g, out], (g, y) => round(-0.5 * g) * round(round(y * y) * y)));
    case 'square': return acc(n.x, z([g, get(n.x)], (g, x) => g * round(2 * x)));
    // PyTorch's leaky_relu_backward, elu_backward (from the input: NaN takes the e^x side),
    // gelu_backward and softplus_backward.
    case 'leakyRelu': return acc(n.x, z([g, get(n.x)], (g, x) => (x > 0 ? g : g * n.negativeSlope)));
    case 'elu': return acc(n.x, z([g, get(n.x)], (g, x) => (x > 0 ? g : round(g * n.alpha) * round(Math.exp(x)))));
    case 'gelu': return acc(n.x, z([g, get(n.x)], (g, x) => g * geluSlope(x, n.approximate === 'tanh', round)));
    case 'softplus': return acc(n.x, z([g, get(n.x)], (g, x) => {
      const xb = round(x * n.beta);
      const e = round(Math.exp(xb));
      return xb > n.threshold ? g : round(g * e) / round(e + 1);
    }));
    // softmax: y·(g − Σ g·y); logSoftmax: g − e^y·Σ g; logsumexp: g·e^(x − y), all along the dim.
    case 'softmax': case 'logSoftmax': {
      const d = normDim(n.dim, Math.max(out.shape.length, 1));
      if (n.op === 'softmax') {
        const s = reduce(z([g, out], (g, y) => g * y), [d], 'sum', round);
        return acc(n.x, z([out, g, s], (y, g, s) => y * round(g - s)));
      }
      const s = reduce(g, [d], 'sum', round);
      return acc(n.x, z([g, out, s], (g, y, s) => g - round(round(Math.exp(y)) * s)));
    }
    case 'logsumexp': {
      const x = get(n.x);
      const d = normDim(n.dim, Math.max(x.shape.length, 1));
      const kept = x.shape.length === 0 ? [] : keptShape(x.shape, [d]);
      return acc(n.x, z([{ shape: kept, data: g.data }, x, { shape: kept, data: out.data }], (g, x, y) => g * round(Math.exp(round(x - y)))));
    }
    // threshold_backward: 0 where the result is <= 0 (a NaN result passes the gradient).
    case 'relu': return acc(n.x, z([g, out], (g, y) => (y <= 0 ? 0 : g)));
    // clamp_backward: the gradient where min <= x <= max (NaN fails both tests), 0 elsewhere.
    case 'clamp': return acc(n.x, z([g, get(n.x)], (g, x) => ((n.min === undefined || x >= n.min) && (n.max === undefined || x <= n.max) ? g : 0)));
    case 'add': acc(n.a, g); return acc(n.b, g);
    case 'sub': acc(n.a, g); return acc(n.b, z([g], (g) => -g));
    case 'mul': acc(n.a, z([g, get(n.b)], (g, b) => g * b)); return acc(n.b, z([g, get(n.a)], (g, a) => g * a));
    case 'div':
      acc(n.a, z([g, get(n.b)], (g, b) => g / b));
      return acc(n.b, z([g, get(n.a), get(n.b)], (g, a, b) => -g * round(round(a / b) / b)));
    case 'pow': {
      const a = get(n.a);
      const b = get(n.b);
      // pow_backward_self: 0 where the exponent is 0, else g·(b·a^(b−1)), where a number
      // exponent takes the scalar path again (a^(0.5−1) is 1/sqrt(a)).
      const powLess1 = 'scalar' in n.b ? (a: number, b: number) => torchScalarPow(a, b - 1, round) : (a: number, b: number) => ieeePow(a, round(b - 1));
      acc(n.a, z([g, a, b], (g, a, b) => (b === 0 ? 0 : g * round(b * round(powLess1(a, b))))));
      // pow_backward_exponent: g·where(a == 0 and b >= 0, 0, a^b·ln a): the product comes
      // after the select, so an Inf or NaN g there gives NaN, as in PyTorch.
      return acc(n.b, z([g, a, b, out], (g, a, b, y) => g * (a === 0 && b >= 0 ? 0 : round(y * round(Math.log(a))))));
    }
    // where(a == b, g/2, g), then 0 where the other operand wins; NaN pairs pass g to both.
    case 'maximum': case 'minimum': {
      const a = get(n.a);
      const b = get(n.b);
      const loses = n.op === 'maximum' ? (x: number, y: number) => x < y : (x: number, y: number) => x > y;
      acc(n.a, z([g, a, b], (g, a, b) => (loses(a, b) ? 0 : a === b ? g / 2 : g)));
      return acc(n.b, z([g, a, b], (g, a, b) => (loses(b, a) ? 0 : a === b ? g / 2 : g)));
    }
    case 'where': {
      const m = mask(n);
      acc(n.a, z([m, g], (m, g) => (m ? g : 0)));
      return acc(n.b, z([m, g], (m, g) => (m ? 0 : g)));
    }
    case 'maskedFill': return acc(n.x, z([mask(n), g], (m, g) => (m ? 0 : g)));
    case 'sum': case 'mean': case 'max': case 'min': {
      const x = get(n.x);
      const axes = normAxes(n.dim, x.shape.length);
      const kept = keptShape(x.shape, axes);
      const gk: Arr = { shape: kept, data: g.data };
      if (n.op === 'sum') return acc(n.x, z([gk, x], (g) => g));
      if (n.op === 'mean') {
        const count = axes.reduce((c, a) => c * x.shape[a]!, 1);
        return acc(n.x, z([gk, x], (g) => g / count));
      }
      // amax and amin: (g / count) * mask, with mask = (x == max or min) and count its sum over the reduced dims.
      const yk: Arr = { shape: kept, data: out.data };
      const m = z([x, yk], (x, y) => (x === y ? 1 : 0));
      const count = reduce(m, axes, 'sum', (v) => v);
      return acc(n.x, z([gk, count, m], (g, c, m) => round(g / c) * m));
    }
    case 'reshape': return acc(n.x, { shape: get(n.x).shape, data: g.data });
    case 'expand': return acc(n.x, g); // accumulate sums g down to the input's shape
    case 'permute': return acc(n.x, permuteArr(g, inversePerm(n.dims.map((d) => (d < 0 ? d + n.dims.length : d)))));
    case 'transpose': {
      const r = g.shape.length;
      const perm = [...Array(r).keys()];
      const d0 = n.dim0 < 0 ? n.dim0 + r : n.dim0;
      const d1 = n.dim1 < 0 ? n.dim1 + r : n.dim1;
      [perm[d0], perm[d1]] = [perm[d1]!, perm[d0]!];
      return acc(n.x, permuteArr(g, perm));
    }
    case 't': return acc(n.x, g.shape.length < 2 ? g : transpose2(g));
    case 'mm': case 'matmul': {
      const a = get(n.a);
      const b = get(n.b);
      const a2 = a.shape.length === 1 ? { shape: [1, a.shape[0]!], data: a.data } : a;
      const b2 = b.shape.length === 1 ? { shape: [b.shape[0]!, 1], data: b.data } : b;
      const batch = broadcastBatch(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
      const g2 = { shape: [...batch, a2.shape[a2.shape.length - 2]!, b2.shape[b2.shape.length - 1]!], data: g.data };
      // Per batch entry dA = G·Bᵀ and dB = Aᵀ·G, over the whole broadcast batch; accumulate
      // sums them back over the batch dims each operand was broadcast along.
      const ga = matmulBatched(g2, transposeLast(b2), round);
      const gb = matmulBatched(transposeLast(a2), g2, round);
      // A 1-D operand's promoted dim (size 1) goes before the sum.
      const drop = (x: Arr, at: number): Arr => ({ shape: x.shape.filter((_, i) => i !== x.shape.length + at), data: x.data });
      acc(n.a, a.shape.length === 1 ? drop(ga, -2) : ga);
      return acc(n.b, b.shape.length === 1 ? drop(gb, -1) : gb);
    }
    // A slice's gradient is zero outside it; squeeze and unsqueeze only reshape it.
    case 'narrow': case 'slice': {
      const x = get(n.x);
      const d = normDim(n.dim, x.shape.length);
      return acc(n.x, putAlong(g, d, slicedPositions(n, x.shape[d]!), x.shape[d]!));
    }
    case 'squeeze': case 'unsqueeze': return acc(n.x, { shape: get(n.x).shape, data: g.data });
    case 'flip': {
      let gx = g;
      for (const dim of n.dims) {
        const d = normDim(dim, g.shape.length);
        gx = takeAlong(gx, d, range(0, g.shape[d]!).reverse());
      }
      return acc(n.x, gx);
    }
    case 'cat': {
      const a = get(n.a);
      const d = normDim(n.dim, a.shape.length);
      acc(n.a, takeAlong(g, d, range(0, a.shape[d]!)));
      return acc(n.b, takeAlong(g, d, range(a.shape[d]!, get(n.b).shape[d]!)));
    }
    // PyTorch's var_backward along a dim: (2 / (N − correction)) · g · (x − mean); std_backward
    // first takes g / (2·std), with 0 where std is 0 (masked_fill, not Inf·0).
    case 'var': case 'std': {
      const x = get(n.x);
      const d = normDim(n.dim, x.shape.length);
      const kept = keptShape(x.shape, [d]);
      const gk: Arr = { shape: kept, data: g.data };
      const gv = n.op === 'var' ? gk : z([gk, { shape: kept, data: out.data }], (g, y) => (y === 0 ? 0 : g / round(y * 2)));
      const scale = round(2 / (x.shape[d]! - n.correction));
      return acc(n.x, z([gv, x, variance(x, d, n.correction, round).mean], (g, x, m) => round(scale * g) * round(x - m)));
    }
    // cumsum's gradient is the running sum of g from the end.
    case 'cumsum': return acc(n.x, g.shape.length === 0 ? g : runningSum(g, normDim(n.dim, g.shape.length), true, round));
    case 'repeat': {
      const x = get(n.x);
      return acc(n.x, addInto(x.shape, repeatSources(x.shape, n.sizes).src, g.data, round));
    }
    case 'stack': {
      const a = get(n.a);
      const d = normDim(n.dim, a.shape.length + 1);
      acc(n.a, { shape: a.shape, data: takeAlong(g, d, [0]).data });
      return acc(n.b, { shape: get(n.b).shape, data: takeAlong(g, d, [1]).data });
    }
    // index_select_backward: g added into zeros at the positions (index_add: repeats sum).
    case 'indexSelect': {
      const x = get(n.x);
      const d = normDim(n.dim, x.shape.length);
      const gShape = g.shape;
      const to: number[] = [];
      eachPos(gShape, (pos) => {
        const t = [...pos];
        t[d] = n.index[pos[d]!]!;
        to.push(flatAt(t, x.shape));
      });
      return acc(n.x, addInto(x.shape, to, g.data, round));
    }
    // gather_backward: zeros.scatter_add(dim, index, g); scatter_add: g for x, g.gather(dim, index) for src.
    case 'gather': {
      const x = get(n.x);
      return acc(n.x, addInto(x.shape, indexTargets(n.index, n.indexShape, x.shape, normDim(n.dim, x.shape.length)), g.data, round));
    }
    case 'scatterAdd': {
      const x = get(n.x);
      acc(n.x, g);
      const at = indexTargets(n.index, n.indexShape, x.shape, normDim(n.dim, x.shape.length));
      return acc(n.src, { shape: [...n.indexShape], data: at.map((j) => g.data[j]!) });
    }
  }
}
