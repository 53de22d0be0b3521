import type { BinaryOp, ReduceOp, UnaryOp } from '@nn/core';
import type { ChainStep } from './handle.js';
import { sizeOf, stridesOf } from '@nn/core';

// Kernel sources as text, one generator per Backend kernel. Every tensor lives
// on the device as a flat row-major vector, so each kernel has a 1-D output of
// `size` threads and computes its own flat input offsets. Shapes and strides
// are baked into the source as literals: a kernel is compiled once per op and
// shape and cached, so the literals are its constants.
//
// Index arithmetic is integer (GLSL int, WGSL i32), exact up to 2^31: gpu.js
// gives each thread its flat output index as an integer on every path, but
// declares every local float (exact only below 2^24) unless it sees the local
// incremented, so index locals come from intLocals, and a division (which
// gpu.js always does in float) is only a first guess that divmod corrects.

/** A float literal the shader translators accept (`3.0`, not `3`). */
export function lit(v: number): string {
  if (Number.isNaN(v)) throw new Error('NaN literal');
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/**
/**
 * Declarations of int locals. gpu.js types a local Integer only when it sees
 * `v++` on it, so each is declared 0 and incremented in a branch no thread
 * takes; + − · on them, loop counters and integer literals then stay integer.
 */
export function intLocals(names: readonly string[]): string {
  return [...names.map((n) => `let ${n} = 0;`), 'if (this.thread.x < 0) {', ...names.map((n) => `  ${n}++;`), '}'].join('\n  ');
}

/**
 * Lines that set the int locals `q` = floor(r / s) and `r` = r − q·s exactly
 * (s > 0). The float quotient is only a guess (float(r) rounds past 2^24 and a
 * shader's division is a few ulps off): the remainder, computed in integers,
 * is divided again and then moved into [0, s) by one step. `c` is an int local for scratch.
 */
export function divmod(q: string, r: string, s: number, c = 'c'): string[] {
  if (s === 1) return [`${q} = ${r};`, `${r} = 0;`];
  return [
    `${q} = nnInt(Math.floor(${r} / ${s}));`,
    `${r} = ${r} - ${q} * ${s};`,
    `${c} = nnInt(Math.floor(${r} / ${s}));`,
    `${q} = ${q} + ${c};`,
    `${r} = ${r} - ${c} * ${s};`,
    `if (${r} < 0) {\n    ${q} = ${q} - 1;\n    ${r} = ${r} + ${s};\n  }`,
    `if (${r} >= ${s}) {\n    ${q} = ${q} + 1;\n    ${r} = ${r} - ${s};\n  }`,
  ];
}

/**
 * Lines that split the int index `index` (default the flat output index `i`)
 * over `outShape` and accumulate one offset per input from its (broadcast)
 * strides, into new int locals named `names` (default `o0, o1...`). A fused
 * kernel splits other indices too: `tag` keeps its variable names apart.
 */
export function gatherOffsets(outShape: readonly number[], strides: readonly (readonly number[])[], names = strides.map((_, k) => `o${k}`), index = 'i', tag = ''): string {
  const [r, q, c] = [`r${tag}`, `q${tag}`, `c${tag}`];
  const lines = [intLocals([r, q, c, ...names]), `${r} = ${index};`];
  const block = stridesOf(outShape);
  for (let d = 0; d < outShape.length; d++) {
    if (outShape[d] === 1) continue;
    lines.push(...divmod(q, r, block[d]!, c));
    strides.forEach((s, k) => {
      if (s[d] !== 0) lines.push(`${names[k]} = ${names[k]} + ${q} * ${s[d]!};`);
    });
  }
  return lines.join('\n  ');
}

/** The expression of a unary op on `v`. */
const unaryExpr: Record<UnaryOp, string> = {
  neg: '-v',
  // WGSL exp/log are undefined outside their domain, and SwiftShader (Dawn, Chromium's WebGPU)
  // gives exp(NaN) = Inf, log(NaN) = 89, log(-1) = 0, log(0) = -88: the helpers decide those cases.
  exp: 'nnExp(v)',
  log: 'nnLog(v)',
  sqrt: 'Math.sqrt(v)',
  abs: 'Math.abs(v)',
  // max(v, 0) keeping NaN, as torch.relu (Mesa compiles `v <= 0.0 ? 0.0 : v` to a max that drops it).
  relu: 'nnMax(v, 0.0)',
  // gpu.js's GL tanh is (e-1)/(e+1) with e = exp(2x): NaN past x ≈ 44. This form
  // never overflows, and a short series keeps small |x| free of cancellation.
  tanh: 'nnTanh(v)',
  sigmoid: 'nnSigmoid(v)',
  // SwiftShader's sin/cos (Dawn, Chromium) are off by ~2e-5 at x = -3 and give sin(1e-30) = 0:
  // absolute, not relative, accuracy. nnSinCos reduces the argument and evaluates PyTorch-grade polynomials.
  sin: 'nnSinCos(v, 0.0)',
  cos: 'nnSinCos(v, 1.0)',
  // The hardware's log/exp near 0 have only absolute accuracy, and log(1 + v), exp(v) − 1 cancel:
  // these helpers use series there. GLSL/WGSL have no erf; floor/ceil/round fix the edges (−0, ties).
  log1p: 'nnLog1p(v)',
  expm1: 'nnExpm1(v)',
  erf: 'nnErf(v)',
  // As torch.sign: (v > 0) − (v < 0), so sign(NaN) = 0 and sign(±0) = +0.
  sign: '((v > 0.0 ? 1.0 : 0.0) - (v < 0.0 ? 1.0 : 0.0))',
  floor: 'nnFloor(v)',
  ceil: 'nnCeil(v)',
  round: 'nnRound(v)',
};

/** The expression of a binary op on `a`, `b`. */
export const binaryExpr: Record<BinaryOp, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'nnPow(a, b)',
  // GLSL/WGSL max and min may return either operand when one is NaN; torch.maximum/minimum return NaN.
  max: 'nnMax(a, b)',
  min: 'nnMin(a, b)',
  lt: '(a < b ? 1.0 : 0.0)',
  gt: '(a > b ? 1.0 : 0.0)',
  le: '(a <= b ? 1.0 : 0.0)',
  ge: '(a >= b ? 1.0 : 0.0)',
  eq: '(a == b ? 1.0 : 0.0)',
};

/** Helper functions added to every kernel (gpu.js compiles only the ones a kernel calls). */
export const helperSources: string[] = [
  // A pair with a NaN fails both a <= b and a > b. Not a != a: Dawn's compiler
  // folds that self-comparison away, and the NaN test must come first: Mesa
  // compiles `a < b ? b : a` alone to its max, which drops a NaN. A tie (−0 vs 0)
  // keeps the first operand, as torch.maximum/minimum and clamp (`a < b ? b : a`);
  // Math.max/min may return either zero. Where a driver still folds the select
  // into its own max, the sign of zero is lost there (docs/gpu.md, "Numbers on the gpu").
  `function nnMax(a, b) {
  if (a <= b || a > b) {
    if (a == b) {
      return a;
    }
    return Math.max(a, b);
  }
  return a + b;
}`,
  `function nnMin(a, b) {
  if (a <= b || a > b) {
    if (a == b) {
      return a;
    }
    return Math.min(a, b);
  }
  return a + b;
}`,
  // NaN in, NaN out (a NaN fails both v <= 0 and v > 0; v + v is NaN).
  `function nnExp(v) {
  if (!(v <= 0.0 || v > 0.0)) {
    return v + v;
  }
  return Math.exp(v);
}`,
  // log(0) = -Inf (from a runtime division: no Infinity literal compiles everywhere), log(x < 0) = NaN.
  `function nnLog(v) {
  if (v > 0.0) {
    return Math.log(v);
  }
  if (v == 0.0) {
    return -1.0 / Math.abs(v);
  }
  if (v < 0.0) {
    return Math.sqrt(-1.0 + v * 0.0);
  }
  return v + v;
}`,
  `function nnSigmoid(v) {
  if (!(v <= 0.0 || v > 0.0)) {
    return v + v;
  }
  return 1.0 / (1.0 + Math.exp(-v));
}`,
  `function nnTanh(v) {
  const x = Math.abs(v);
  let t = 0.0;
  if (x < 0.004) {
    t = x - (x * x * x) / 3.0;
  } else {
    const e = Math.exp(-2.0 * x);
    t = (1.0 - e) / (1.0 + e);
  }
  if (v < 0.0) {
    return -t;
  }
  return t;
}`,
  // sin (shift 0) or cos (shift 1, a quarter turn on) of v, as C's sinf/cosf (Cephes): v = k·π/2 + r
  // with |r| <= π/4 (π/2 in three parts, so k·part is exact for k < 2^16), then the sin or cos
  // polynomial of r by the quadrant k + shift mod 4. Relative accuracy near every zero of
  // sin, where the hardware's approximation has only absolute accuracy. Past |v| = 65536
  // (float32 spacing there is 0.004 of a turn) the hardware's is used; NaN and ±Inf give NaN
  // (r is Inf - Inf) as in PyTorch.
  `function nnSinCos(v, shift) {
  if (Math.abs(v) > 65536.0) {
    if (shift > 0.5) {
      return Math.cos(v);
    }
    return Math.sin(v);
  }
  const k = Math.floor(v * 0.63661975 + 0.5);
  const r = ((v - k * 1.5703125) - k * 4.8375129699707031e-4) - k * 7.5497899548918821e-8;
  const z = r * r;
  const q = k + shift - 4.0 * Math.floor((k + shift) * 0.25);
  if (q == 1.0 || q == 3.0) {
    const c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
    if (q == 3.0) {
      return -c;
    }
    return c;
  }
  // r·(1 + z·p), not r + r·z·p: sin(-0) stays -0.
  const sr = r * (1.0 + z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4)));
  if (q == 2.0) {
    return -sr;
  }
  return sr;
}`,
  // C's pow, which PyTorch's follows. GLSL/WGSL pow is exp2(b·log2(a)): undefined
  // for a ≤ 0, NaN for 1^Inf, and no NaN test survives every compiler, so each
  // IEEE 754 special case is decided here and the hardware pow only ever sees a
  // finite positive base and a finite exponent. Small integer powers multiply,
  // which is also exact where exp2(log2) is not. FLT_MAX tells ±Inf from finite
  // (no Infinity literal compiles everywhere); a NaN fails both a <= b and a > b.
  `function nnPow(a, b) {
  if (b == 0.0) {
    return 1.0;
  }
  if (a == 1.0) {
    return 1.0;
  }
  if (!(a <= b || a > b)) {
    return a + b;
  }
  if (b == 1.0) {
    return a;
  }
  if (b == 2.0) {
    return a * a;
  }
  if (b == 3.0) {
    return a * a * a;
  }
  if (b == -1.0) {
    return 1.0 / a;
  }
  const x = Math.abs(a);
  const bAbs = Math.abs(b);
  let m = 0.0;
  if (x == 1.0) {
    m = 1.0;
  } else if (bAbs > 3.4028234e38) {
    if ((x > 1.0 && b > 0.0) || (x < 1.0 && b < 0.0)) {
      m = bAbs;
    }
  } else if (x == 0.0) {
    if (b < 0.0) {
      m = 1.0 / x;
    }
  } else if (x > 3.4028234e38) {
    if (b > 0.0) {
      m = x;
    }
  } else {
    m = Math.pow(x, b);
  }
  if (a > 0.0 || (a == 0.0 && 1.0 / a > 0.0)) {
    return m;
  }
  if (Math.floor(b) != b) {
    if (x == 0.0 || x > 3.4028234e38) {
      return m;
    }
    return Math.sqrt(-1.0 - m * 0.0);
  }
  if (bAbs < 16777216.0 && Math.floor(b * 0.5) * 2.0 != b) {
    return -m;
  }
  return m;
}`,
  // PyTorch's tensor ** scalar computes exponent 0.5 as sqrt and −0.5 as 1/sqrt
  // (NaN at −Inf, where pow gives Inf or 0); a tensor exponent is plain pow.
  `function nnPowScalar(a, b) {
  if (b == 0.5) {
    return Math.sqrt(a);
  }
  if (b == -0.5) {
    return 1.0 / Math.sqrt(a);
  }
  return nnPow(a, b);
}`,
  // ln(1 + v), accurate near 0 where log(1 + v) cancels: for -0.4 < v < 1 the series of
  // 2·atanh(s), s = v / (2 + v) (within 2 float32 ulps; 2s + s·r keeps −0), else the log of 1 + v.
  // NaN, +Inf, −1 (−Inf) and v < −1 (NaN) are decided here or by nnLog.
  `function nnLog1p(v) {
  if (!(v <= 0.0 || v > 0.0)) {
    return v + v;
  }
  if (v > -0.4 && v < 1.0) {
    const s = v / (2.0 + v);
    const z = s * s;
    const r = z * (0.6666666666666666 + z * (0.4 + z * (0.2857142857142857 + z * (0.2222222222222222 + z * (0.18181818181818182 + z * (0.15384615384615385 + z * (0.13333333333333333 + z * 0.11764705882352941)))))));
    return 2.0 * s + s * r;
  }
  if (v > 3.4028234e38) {
    return v;
  }
  return nnLog(1.0 + v);
}`,
  // e^v − 1, accurate near 0 where exp(v) − 1 cancels: for |v| < 1 its Taylor series to v^10/10!
  // (v·(1 + v·p), within 1.5 float32 ulps, keeps −0: v + v·(v·p) would be −0 + +0 = +0), else
  // exp(v) − 1 (−Inf gives −1, +Inf stays +Inf).
  `function nnExpm1(v) {
  if (!(v <= 0.0 || v > 0.0)) {
    return v + v;
  }
  if (Math.abs(v) < 1.0) {
    const p = 0.5 + v * (0.16666666666666666 + v * (0.041666666666666664 + v * (0.008333333333333333 + v * (0.001388888888888889 + v * (0.0001984126984126984 + v * (0.0000248015873015873 + v * (0.0000027557319223985893 + v * 2.755731922398589e-7)))))));
    return v * (1.0 + v * p);
  }
  return nnExp(v) - 1.0;
}`,
  // erf, within 1.2 float32 ulps (polynomials fitted by scripts/make_elementwise2.py's notes): for
  // |v| < 1, v + v·p(v²) (keeps −0 and tiny v); for 1 <= |v| < 4, 1 − e^(−v²)·q(1/v) with
  // q ≈ erfc·e^(v²); beyond, ±1 (erfc(4) is under half a float32 ulp of 1). NaN stays NaN.
  `function nnErf(v) {
  if (!(v <= 0.0 || v > 0.0)) {
    return v + v;
  }
  const x = Math.abs(v);
  if (x < 1.0) {
    const z = v * v;
    const p = 0.1283791656913844 + z * (-0.3761262557207342 + z * (0.11283582277544629 + z * (-0.026853691863782614 + z * (0.005188099769375384 + z * (-0.0008008193336508374 + z * 0.00007847262434441948)))));
    return v + v * p;
  }
  let e = 1.0;
  if (x < 4.0) {
    const t = 1.0 / x;
    const q = 0.00011467243489884844 + t * (0.5618856566843873 + t * (0.019604565571533145 + t * (-0.3716969856592632 + t * (0.21877616789810583 + t * (0.25930491884674384 + t * (-0.5614756518943709 + t * (0.4561911926540344 + t * (-0.18718474136032645 + t * 0.03206378832711428))))))));
    e = 1.0 - Math.exp(-x * x) * q;
  }
  if (v < 0.0) {
    return -e;
  }
  return e;
}`,
  // floor and ceil keeping the sign of zero, as torch: floor(−0) and ceil(−0.5) are −0 (a driver's
  // own may give +0); values past 2^23 (and ±Inf) are integers already, NaN stays NaN.
  `function nnFloor(v) {
  if (!(Math.abs(v) < 8388608.0) || v == 0.0) {
    return v;
  }
  return Math.floor(v);
}`,
  `function nnCeil(v) {
  if (!(Math.abs(v) < 8388608.0) || v == 0.0) {
    return v;
  }
  const c = Math.ceil(v);
  if (c == 0.0 && v < 0.0) {
    return -Math.abs(c);
  }
  return c;
}`,
  // torch.round: to the nearest integer, a tie to the even one, −0 for −0.5 < v < 0. Not
  // floor(v + 0.5): v + 0.5 rounds 0.49999997 up to 1. v − floor(v) is exact below 2^23.
  `function nnRound(v) {
  if (!(Math.abs(v) < 8388608.0) || v == 0.0) {
    return v;
  }
  const f = Math.floor(v);
  const d = v - f;
  let r = f;
  if (d > 0.5 || (d == 0.5 && f - 2.0 * Math.floor(f * 0.5) == 1.0)) {
    r = f + 1.0;
  }
  if (r == 0.0 && v < 0.0) {
    return -Math.abs(r);
  }
  return r;
}`,
];

/**
 * nnInt(v): the integer a float holding one (a quotient's floor, an index value) as an int local
 * takes it; gpu.js casts on return. Added with these settings (create.ts). Called only as the whole
 * right side of an assignment: inside integer arithmetic gpu.js's WGSL casts the argument to i32 too.
 */
export const intHelper = { source: 'function nnInt(v) {\n  return v;\n}', settings: { argumentTypes: { v: 'Number' }, returnType: 'Integer' } };

/** Copy the input: the upload kernel (copy and reshape launch none; they share the buffer). */
export function copySource(): string {
  return `function (x) {
  return x[this.thread.x];
}`;
}

/** Every output is the scalar argument `s` (results of ops that read no data, e.g. a sum over a size-0 dimension). */
export function fillSource(): string {
  return `function (s) {
  return s;
}`;
}

/**
 * How a kernel reads one input: the input's strides over the kernel's output
 * dims (0 where it broadcasts), its offset in its buffer, and the deferred
 * elementwise ops (the handle's chain) applied to each value read. A view is
 * read in place and a chain is computed on read, so neither costs a launch.
 */
export interface Read {
  readonly strides: readonly number[];
  readonly offset: number;
  readonly chain: readonly ChainStep[];
  /** Index of the kernel argument holding the chain's first number (`s2` is 2); the others follow it. */
  readonly firstArg: number;
  /** Read at the output's own flat index: row-major over the output's shape, offset 0. */
  readonly flat: boolean;
}

/** The expression of one chain step on the variable `v`, its number (if any) the argument `s<arg>`. */
function stepExpr(step: ChainStep, v: string, arg: number): string {
  if (!step.scalar) return unaryExpr[step.op].replace(/\bv\b/g, v);
  const s = `s${arg}`;
  const expr = step.op === 'pow' && !step.reversed ? 'nnPowScalar(a, b)' : binaryExpr[step.op];
  return expr.replace(/\b[ab]\b/g, (m) => ((m === 'a') !== step.reversed ? v : s));
}

/** Lines that read `buf[index]` into a new variable `v` and apply the read's chain to it. */
export function readLines(v: string, buf: string, index: string, r: Read): string[] {
  return chainLines(v, `${buf}[${index}]`, r.chain, r.firstArg);
}

/** Lines that set a new variable `v` to `value` and apply `chain` to it, its numbers from argument `s<firstArg>` on. */
export function chainLines(v: string, value: string, chain: readonly ChainStep[], firstArg: number): string[] {
  const lines = [`let ${v} = ${value};`];
  let arg = firstArg;
  for (const step of chain) lines.push(`${v} = ${stepExpr(step, v, step.scalar ? arg++ : arg)};`);
  return lines;
}

/** The kernel's parameters: one per input buffer, then one per chain number. */
export function params(inputs: number, args: number): string {
  const names = Array.from({ length: inputs }, (_, k) => `x${k}`);
  for (let k = 0; k < args; k++) names.push(`s${k}`);
  return names.join(', ');
}

/**
 * The lines of an elementwise kernel body that read each input at output
 * index `i` into `v0, v1…`: flat inputs at `i` itself, the others at offsets
 * worked out from the output index (one split of `i` shared by all of them).
 */
function elementwiseReads(outShape: readonly number[], reads: readonly Read[]): string[] {
  const strided = reads.map((r, k) => (r.flat ? -1 : k)).filter((k) => k >= 0);
  const offsets = strided.map((k) => `o${k}`);
  const lines = [intLocals(['i']), 'i = this.thread.x;'];
  if (strided.length > 0) lines.push(gatherOffsets(outShape, strided.map((k) => reads[k]!.strides), offsets));
  reads.forEach((r, k) => lines.push(...readLines(`v${k}`, `x${k}`, r.flat ? 'i' : `o${k} + ${r.offset}`, r)));
  return lines;
}

/** The `contiguous` step: the input's elements in their logical order, its chain applied (a view's gather, a chain's one kernel). */
export function mapSource(outShape: readonly number[], r: Read, args: number): string {
  return `function (${params(1, args)}) {
  ${elementwiseReads(outShape, [r]).join('\n  ')}
  return v0;
}`;
}

/** Elementwise binary op with NumPy broadcasting. */
export function binarySource(op: BinaryOp, outShape: readonly number[], ra: Read, rb: Read, args: number): string {
  return `function (${params(2, args)}) {
  ${elementwiseReads(outShape, [ra, rb]).join('\n  ')}
  return ${binaryExpr[op].replace(/\b[ab]\b/g, (m) => (m === 'a' ? 'v0' : 'v1'))};
}`;
}

/** mask != 0 ? a : b with broadcasting. */
export function whereSource(outShape: readonly number[], rm: Read, ra: Read, rb: Read, args: number): string {
  return `function (${params(3, args)}) {
  ${elementwiseReads(outShape, [rm, ra, rb]).join('\n  ')}
  if (v0 != 0.0) {
    return v1;
  }
  return v2;
}`;
}

/**
 * The inner loop of a product, shared by matmulSource and bmmSource: given the
 * shader variables `ra` (A's offset for this output's row) and `cb` (B's for its
 * column), sum op(A)[i,p]·op(B)[p,j] over p with each operand's chain applied on read.
 */
function productLoop(k: number, ap: number, bp: number, ra: Read, rb: Read): string {
  return `let acc = 0.0;
  for (let p = 0; p < ${k}; p++) {
    ${readLines('va', 'x0', `ra + p * ${ap}`, ra).join('\n    ')}
    ${readLines('vb', 'x1', `p * ${bp} + cb`, rb).join('\n    ')}
    acc = acc + va * vb;
  }
  return acc;`;
}

/**
 * op(A)·op(B) with inner size k and n output columns, one output per thread
 * (the output's row count is the kernel's size). An operand's `strides` are
 * [along the output row or column, along the inner index]; transposes only
 * swap strides, and a chain (relu, a scale) is applied to each value read.
 */
export function matmulSource(k: number, n: number, ra: Read, rb: Read, args: number): string {
  const [ai, ap] = ra.strides as [number, number];
  const [bj, bp] = rb.strides as [number, number];
  return `function (${params(2, args)}) {
  ${intLocals(['j', 'i', 'c', 'ra', 'cb'])}
  j = this.thread.x;
  ${divmod('i', 'j', n).join('\n  ')}
  ra = i * ${ai} + ${ra.offset};
  cb = j * ${bj} + ${rb.offset};
  ${productLoop(k, ap, bp, ra, rb)}
}`;
}

/** A reduce input computed on read (fuse.ts): lines that set a new variable to its value at a buffer index, and the kernel's parameter list. */
export interface FusedInput {
  read(v: string, index: string): string[];
  /** The parameter list, asked for after every read. */
  params(): string;
}

/**
 * Reduce over `axes`: each thread owns one output and walks the reduced block.
 * `keptShape`/`keptStrides` place the output in the input; the reduced
 * dimensions are walked with their own sizes and strides. Sums use Kahan
 * compensation so long reductions stay near PyTorch's pairwise float32 sums.
 */
export function reduceSource(
  op: ReduceOp,
  keptShape: readonly number[],
  keptStrides: readonly number[],
  redShape: readonly number[],
  redStrides: readonly number[],
  r: Read,
  args: number,
  fused?: FusedInput,
): string {
  // A fused input (a deferred expression) is computed where it is read, with its own parameters.
  const read = fused ? fused.read : (v: string, index: string): string[] => readLines(v, 'x0', index, r);
  const count = sizeOf(redShape);
  const walk: string[] = ['rr = t;', `off = base + ${r.offset};`];
  const block = stridesOf(redShape);
  for (let d = 0; d < redShape.length; d++) {
    if (redShape[d] === 1) continue;
    walk.push(...divmod('w', 'rr', block[d]!, 'cw'));
    walk.push(`off = off + w * ${redStrides[d]!};`);
  }
  const start = op === 'sum' ? ['let acc = 0.0;', 'let comp = 0.0;'] : [...read('first', `base + ${r.offset}`), 'let acc = first;'];
  // argmax/argmin also keep the index of the best so far and whether it is a NaN (then it stays).
  if (op === 'argmax' || op === 'argmin') start.push('let arg = 0.0;', 'let held = 0.0;', ...argNaN('first', 'held = 1.0;'));
  // Kahan's correction is (tk - acc) - yk; once the running sum is ±Inf or NaN it is
  // Inf - Inf = NaN, which would turn the next term NaN too (sum([Inf, 1]) = NaN). So
  // it is kept only while the sum is finite (|tk| <= FLT_MAX fails for ±Inf and NaN;
  // no Infinity literal or NaN self-test survives every compiler), and an infinite or
  // NaN sum then adds every later term plainly: Inf and NaN propagate as in PyTorch.
  const step =
    op === 'sum'
      ? `const yk = v - comp;
    const tk = acc + yk;
    if (Math.abs(tk) <= 3.4028234e38) {
      comp = (tk - acc) - yk;
    } else {
      comp = 0.0;
    }
    acc = tk;`
      : op === 'max' || op === 'min'
        ? // NaN wins, as torch.amax/amin; an unordered pair (a NaN) fails both tests, and
          // v != v is not used: Dawn's compiler folds that self-comparison away.
          `if (v ${op === 'max' ? '>' : '<'} acc) {
      acc = v;
    } else if (!(v ${op === 'max' ? '<=' : '>='} acc)) {
      acc = v + acc;
    }`
        : // The first strictly better value or the first NaN takes the index (ties keep the
          // first, as torch.argmax on CPU); once a NaN is held nothing replaces it.
          `if (held < 0.5) {
      if (v ${op === 'argmax' ? '>' : '<'} acc) {
        acc = v;
        arg = t;
      } else {
        ${argNaN('v', 'acc = v;\n          arg = t;\n          held = 1.0;').join('\n        ')}
      }
    }`;
  const each = read('v', 'off');
  return `function (${fused ? fused.params() : params(1, args)}) {
  ${intLocals(['i', 'rr', 'off', 'w', 'cw'])}
  i = this.thread.x;
  ${gatherOffsets(keptShape, [keptStrides], ['base'])}
  ${start.join('\n  ')}
  for (let t = 0; t < ${count}; t++) {
    ${walk.join('\n    ')}
    ${each.join('\n    ')}
    ${step}
  }
  return ${op === 'argmax' || op === 'argmin' ? 'arg' : 'acc'};
}`;
}

/**
 * torch.gather along `dim`: one thread per index element (row-major over
 * `indexShape`), reading x at its own coordinates with the one along `dim`
 * taken from the index. `xStrides` are x's row-major strides.
 */
export function gatherAlongSource(indexShape: readonly number[], dim: number, xStrides: readonly number[]): string {
  const others = xStrides.map((s, d) => (d === dim ? 0 : s));
  return `function (x, idx) {
  ${intLocals(['i', 'g'])}
  i = this.thread.x;
  ${gatherOffsets(indexShape, [others], ['o0'])}
  g = nnInt(idx[i]);
  return x[o0 + g * ${xStrides[dim]!}];
}`;
}

/**
 * torch.scatter_add along `dim`, out of place. A GPU thread cannot add into
 * another's output, so each output thread loops over the `indexShape[dim]`
 * index entries that could land on it (those sharing its other coordinates)
 * and adds the src values whose index names its own coordinate along `dim`,
 * in index order as PyTorch's cpu loop does. That is O(size · indexShape[dim]):
 * fine for nn's sizes (a one-hot gradient, a histogram), not for huge scatters.
 */
export function scatterAddSource(xShape: readonly number[], dim: number, indexShape: readonly number[], srcShape: readonly number[]): string {
  const block = stridesOf(xShape);
  const is = stridesOf(indexShape);
  const ss = stridesOf(srcShape);
  const lines: string[] = ['r = i;', 'let inside = 1.0;', 'let qd = 0.0;'];
  for (let d = 0; d < xShape.length; d++) {
    if (xShape[d] === 1) continue;
    lines.push(...divmod('q', 'r', block[d]!));
    if (d === dim) {
      // An index value is a float: the coordinate it is compared with is one too (both below 2^24).
      lines.push('qd = q;');
      continue;
    }
    lines.push(`ib = ib + q * ${is[d]!};`);
    lines.push(`sb = sb + q * ${ss[d]!};`);
    // An output beyond the index's extent in this dim receives nothing.
    lines.push(`if (q >= ${indexShape[d]!}) {\n    inside = 0.0;\n  }`);
  }
  return `function (x, idx, src) {
  ${intLocals(['i', 'r', 'q', 'c', 'ib', 'sb'])}
  i = this.thread.x;
  ${lines.join('\n  ')}
  let acc = x[i];
  if (inside > 0.5) {
    for (let k = 0; k < ${indexShape[dim]!}; k++) {
      if (Math.abs(idx[ib + k * ${is[dim]!}] - qd) < 0.5) {
        acc = acc + src[sb + k * ${ss[dim]!}];
      }
    }
  }
  return acc;
}`;
}

/**
 * torch.as_strided_scatter: one thread per element of x (row-major). The
 * thread inverts the view: it divides its distance from the view's offset by
 * the view's strides, largest first (the view reaches no element twice, so the
 * quotients are unique), and takes src's value when every quotient is inside
 * the view's shape and nothing remains; otherwise it keeps x's.
 */
export function asStridedScatterSource(shape: readonly number[], strides: readonly number[], offset: number): string {
  const srcStrides = stridesOf(shape);
  const dims = shape.map((_, d) => d).filter((d) => shape[d] !== 1).sort((p, q) => strides[q]! - strides[p]!);
  const lines: string[] = [`r = i - ${offset};`, 'let hit = 1.0;', 'if (r < 0) {\n    hit = 0.0;\n  }'];
  for (const d of dims) {
    lines.push(...divmod('q', 'r', strides[d]!));
    lines.push(`if (q >= ${shape[d]!}) {\n    hit = 0.0;\n  }`);
    lines.push(`so = so + q * ${srcStrides[d]!};`);
  }
  return `function (x, src) {
  ${intLocals(['i', 'r', 'q', 'c', 'so'])}
  i = this.thread.x;
  ${lines.join('\n  ')}
  if (hit > 0.5 && r == 0) {
    return src[so];
  }
  return x[i];
}`;
}

/**
 * Running sums along one dim of a row-major input: output i (index k along the
 * dim, `len` long, `inner` the elements after it) sums the k + 1 values up to it,
 * or from the end when `reverse`, one thread per output with Neumaier's compensation
 * (PyTorch's cpu cumsum adds in float64; plain Kahan loses 1e8 + 1 − 1e8 in float32, where
 * the lost 1 cannot enter the next term). The compensation is kept only while the sum is
 * finite, so ±Inf and NaN propagate as in PyTorch.
 */
export function cumsumSource(len: number, inner: number, reverse: boolean): string {
  const take = reverse ? 't >= k' : 't <= k';
  return `function (x) {
  ${intLocals(['r', 'q', 'c', 'k', 'base'])}
  r = this.thread.x;
  ${divmod('q', 'r', len * inner).join('\n  ')}
  ${divmod('k', 'r', inner).join('\n  ')}
  base = q * ${len * inner} + r;
  let acc = 0.0;
  let comp = 0.0;
  for (let t = 0; t < ${len}; t++) {
    if (${take}) {
      const v = x[base + t * ${inner}];
      const tk = acc + v;
      if (Math.abs(tk) <= 3.4028234e38) {
        if (Math.abs(acc) >= Math.abs(v)) {
          comp = comp + ((acc - tk) + v);
        } else {
          comp = comp + ((v - tk) + acc);
        }
      }
      acc = tk;
    }
  }
  if (Math.abs(acc) <= 3.4028234e38) {
    return acc + comp;
  }
  return acc;
}`;
}

/**
 * Lines that run `then` when `v` is NaN, without a self-comparison (Dawn folds v != v away):
 * NaN is the one value neither <= nor > the largest float32.
 */
function argNaN(v: string, then: string): string[] {
  return [`if (!(${v} <= 3.4028234e38)) {`, `  if (!(${v} > 3.4028234e38)) {`, `    ${then}`, '  }', '}'];
}

/**
 * A batch of products op(A)·op(B), one output per thread over the row-major
 * [...batch, m, n] result: the thread's batch entry walks the batch dims with
 * each operand's own batch strides (0 where it is broadcast, so a broadcast
 * operand is read in place, never copied), then the entry's product is
 * matmulSource's. An operand's `strides` are [...batch, along the output row
 * or column, along the inner index]; a chain is applied to each value read.
 */
export function bmmSource(batch: readonly number[], m: number, k: number, n: number, ra: Read, rb: Read, args: number): string {
  const d = batch.length;
  const [ai, ap] = [ra.strides[d]!, ra.strides[d + 1]!];
  const [bj, bp] = [rb.strides[d]!, rb.strides[d + 1]!];
  const walk: string[] = [];
  const block = stridesOf(batch);
  for (let t = 0; t < d; t++) {
    if (batch[t] === 1) continue;
    walk.push(...divmod('w', 'e', block[t]!));
    if (ra.strides[t] !== 0) walk.push(`oa = oa + w * ${ra.strides[t]!};`);
    if (rb.strides[t] !== 0) walk.push(`ob = ob + w * ${rb.strides[t]!};`);
  }
  return `function (${params(2, args)}) {
  ${intLocals(['j', 'e', 'i', 'c', 'w', 'oa', 'ob', 'ra', 'cb'])}
  j = this.thread.x;
  ${divmod('e', 'j', m * n).join('\n  ')}
  ${divmod('i', 'j', n).join('\n  ')}
  oa = ${ra.offset};
  ob = ${rb.offset};
  ${walk.join('\n  ')}
  ra = oa + i * ${ai};
  cb = ob + j * ${bj};
  ${productLoop(k, ap, bp, ra, rb)}
}`;
}

/**
 * Mesa's llvmpipe (headless-gl) silently stops a shader after 65,535 loop
 * iterations in all (a sum of 70,000 ones gave 65,535; nesting the loop
 * does not help: the count is per invocation).
 */
const LOOP_LIMIT = 65535;

/**
 * Rewrite every `for (let t = 0; t < N; t++) { body }` with N past the loop
 * limit into a loop of ceil(N/U) iterations whose body runs the original body
 * U times (t = U·tHi + u, skipped past N), U the smallest power of two that
 * brings the count under the limit: a reduction, a product or a scan over
 * more than 65,535 values is then right on every driver. Applied to every
 * kernel source before it compiles; shorter loops are left as they are.
 */
export function boundLoops(source: string): string {
  const head = /for \(let (\w+) = 0; \1 < (\d+); \1\+\+\) \{/g;
  let out = '';
  let from = 0;
  for (let m = head.exec(source); m; m = head.exec(source)) {
    const [text, v, n] = m as unknown as [string, string, string];
    const count = Number(n);
    if (count <= LOOP_LIMIT) continue;
    // The body ends at the brace that closes the loop's opening one.
    const open = m.index + text.length;
    let depth = 1;
    let close = open;
    while (depth > 0) {
      const c = source[close++];
      if (c === undefined) throw new Error(`boundLoops: unbalanced braces after '${text}'`);
      if (c === '{') depth++;
      else if (c === '}') depth--;
    }
    const body = boundLoops(source.slice(open, close - 1));
    let unroll = 2;
    while (Math.ceil(count / unroll) > LOOP_LIMIT) unroll *= 2;
    // The counter is an int local stepped with ++ (so gpu.js types it integer, as the loop's own was).
    const copies: string[] = [];
    for (let u = 0; u < unroll; u++) copies.push(`if (${v} < ${count}) {${body}}\n${v}++;`);
    out += source.slice(from, m.index) + `let ${v} = 0;\nfor (let ${v}Hi = 0; ${v}Hi < ${Math.ceil(count / unroll)}; ${v}Hi++) {\n${v} = ${v}Hi * ${unroll};\n${copies.join('\n')}\n}`;
    from = close;
    head.lastIndex = close;
  }
  return out + source.slice(from);
}
