import type { BinaryOp, ReduceOp, UnaryOp } from '@nn/core';
import { sizeOf, stridesOf } from '@nn/core';

// Kernel sources as text, one generator per Backend kernel. Every tensor lives
// on the device as a flat row-major vector, so each kernel has a 1-D output of
// `size` threads and computes its own flat input offsets. Shapes and strides
// are baked into the source as literals: a kernel is compiled once per op and
// shape and cached, so the literals are its constants.
//
// Index arithmetic runs in float32 on GL (GLSL ES 1.0 has no reliable ints):
// `floor((x + 0.5) / s)` keeps every quotient half a step away from an integer,
// so rounding in the division can never flip it (exact below 2^22 elements).

/** A float literal the shader translators accept (`3.0`, not `3`). */
function lit(v: number): string {
  if (Number.isNaN(v)) throw new Error('NaN literal');
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/**
 * Lines that split the flat output index `i` over `outShape` and accumulate
 * one offset per input from its (broadcast) strides, into variables named
 * `names` (default `o0, o1...`).
 */
function gatherOffsets(outShape: readonly number[], strides: readonly (readonly number[])[], names = strides.map((_, k) => `o${k}`)): string {
  const lines = ['let r = i;'];
  names.forEach((o) => lines.push(`let ${o} = 0.0;`));
  const block = stridesOf(outShape);
  for (let d = 0; d < outShape.length; d++) {
    if (outShape[d] === 1) continue;
    lines.push(`const q${d} = Math.floor((r + 0.5) / ${lit(block[d]!)});`);
    lines.push(`r = r - q${d} * ${lit(block[d]!)};`);
    strides.forEach((s, k) => {
      if (s[d] !== 0) lines.push(`${names[k]} = ${names[k]} + q${d} * ${lit(s[d]!)};`);
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
};

/** The expression of a binary op on `a`, `b`. */
const binaryExpr: Record<BinaryOp, string> = {
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
];

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

/** Elementwise unary op. */
export function unarySource(op: UnaryOp): string {
  return `function (x) {
  const v = x[this.thread.x];
  return ${unaryExpr[op]};
}`;
}

/** Elementwise op with a scalar argument `s` (a kernel argument, so lr changes compile nothing). */
export function scalarSource(op: BinaryOp, reversed: boolean): string {
  const expr = op === 'pow' && !reversed ? 'nnPowScalar(a, b)' : binaryExpr[op];
  return `function (x, s) {
  const ${reversed ? 'b' : 'a'} = x[this.thread.x];
  const ${reversed ? 'a' : 'b'} = s;
  return ${expr};
}`;
}

/** Elementwise binary op; `sa`, `sb` are the inputs' broadcast strides over `outShape`. */
export function binarySource(op: BinaryOp, outShape: readonly number[], sa: readonly number[], sb: readonly number[], same: boolean): string {
  if (same) {
    return `function (x, y) {
  const a = x[this.thread.x];
  const b = y[this.thread.x];
  return ${binaryExpr[op]};
}`;
  }
  return `function (x, y) {
  const i = this.thread.x;
  ${gatherOffsets(outShape, [sa, sb])}
  const a = x[o0];
  const b = y[o1];
  return ${binaryExpr[op]};
}`;
}

/** mask != 0 ? a : b with broadcasting. */
export function whereSource(outShape: readonly number[], sm: readonly number[], sa: readonly number[], sb: readonly number[]): string {
  return `function (m, x, y) {
  const i = this.thread.x;
  ${gatherOffsets(outShape, [sm, sa, sb])}
  if (m[o0] != 0.0) {
    return x[o1];
  }
  return y[o2];
}`;
}

/** A strided gather: the `contiguous` step of a view (its strides and offset in its buffer). */
export function gatherSource(outShape: readonly number[], strides: readonly number[], offset = 0): string {
  return `function (x) {
  const i = this.thread.x;
  ${gatherOffsets(outShape, [strides])}
  return x[o0 + ${lit(offset)}];
}`;
}

/**
 * op(A)·op(B) with inner size k and n output columns, one output per thread
 * (the output's row count is the kernel's size). `ai`, `ap` are A's strides
 * along the output row and the inner index; `bp`, `bj` B's along the inner
 * index and the output column (transposes only swap strides).
 */
export function matmulSource(k: number, n: number, ai: number, ap: number, bp: number, bj: number): string {
  return `function (a, b) {
  const i = Math.floor((this.thread.x + 0.5) / ${lit(n)});
  const j = this.thread.x - i * ${lit(n)};
  const ra = i * ${lit(ai)};
  const cb = j * ${lit(bj)};
  let s = 0.0;
  for (let p = 0; p < ${k}; p++) {
    s = s + a[ra + p * ${lit(ap)}] * b[p * ${lit(bp)} + cb];
  }
  return s;
}`;
}

/**
 * Reduce over `axes`: each thread owns one output and walks the reduced block.
 * `keptShape`/`keptStrides` place the output in the input; the reduced
 * dimensions are walked with their own sizes and strides. Sums use Kahan
 * compensation so long reductions stay near PyTorch's pairwise float32 sums.
 */
export function reduceSource(op: ReduceOp, keptShape: readonly number[], keptStrides: readonly number[], redShape: readonly number[], redStrides: readonly number[]): string {
  const count = sizeOf(redShape);
  const walk: string[] = ['let rr = t;', 'let off = base;'];
  const block = stridesOf(redShape);
  for (let d = 0; d < redShape.length; d++) {
    walk.push(`const w${d} = Math.floor((rr + 0.5) / ${lit(block[d]!)});`);
    walk.push(`rr = rr - w${d} * ${lit(block[d]!)};`);
    walk.push(`off = off + w${d} * ${lit(redStrides[d]!)};`);
  }
  const start = op === 'sum' ? 'let acc = 0.0;\n  let comp = 0.0;' : 'let acc = x[base];';
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
      : // NaN wins, as torch.amax; an unordered pair (a NaN) fails both tests, and
        // v != v is not used: Dawn's compiler folds that self-comparison away.
        `if (v > acc) {
      acc = v;
    } else if (!(v <= acc)) {
      acc = v + acc;
    }`;
  return `function (x) {
  const i = this.thread.x;
  ${gatherOffsets(keptShape, [keptStrides], ['base'])}
  ${start}
  for (let t = 0; t < ${count}; t++) {
    ${walk.join('\n    ')}
    const v = x[off];
    ${step}
  }
  return acc;
}`;
}
