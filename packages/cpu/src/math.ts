import type { BinaryOp, UnaryOp } from '@nn/core';

// The per-element math of the cpu kernels, in one place: the fast loops
// (loops.ts) call it for the ops they do not special-case, and the test
// oracle (test/reference.ts) for every element. Its values are pinned by the
// conformance cases against PyTorch's, not by the oracle.

/** Elementwise function of one value. */
export const unaryFns: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  // NaN stays NaN and −0 stays −0, as torch.relu (clamp_min(x, 0) keeps x at a tie;
  // x > 0 ? x : 0 would turn NaN into 0, x <= 0 ? 0 : x would turn −0 into 0).
  relu: (x) => (x < 0 ? 0 : x),
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  sin: Math.sin,
  cos: Math.cos,
  // Math.log1p/expm1 keep full precision near 0, where log(1 + x) and exp(x) − 1 cancel.
  log1p: Math.log1p,
  expm1: Math.expm1,
  erf,
  // As torch.sign: (x > 0) − (x < 0), so sign(NaN) = 0 and sign(±0) = +0.
  sign: (x) => (x > 0 ? 1 : 0) - (x < 0 ? 1 : 0),
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
};

/**
 * torch.round: to the nearest integer, a tie to the even one (Math.round sends
 * ties up); −0.4 and −0.5 give −0, as C's nearbyint.
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * The error function in float64 (JavaScript has none), far inside a float32 ulp:
 * below 2.5 its series e^(−x²)·Σ 2^n x^(2n+1) / (1·3·…·(2n+1)), whose terms are all
 * positive (no cancellation); above, 1 − erfc(x) with erfc's continued fraction.
 */
export function erf(x: number): number {
  if (x !== x || x === 0) return x;
  const a = Math.abs(x);
  let r: number;
  if (a >= 6) r = 1;
  else if (a < 2.5) {
    const x2 = a * a;
    let term = a;
    let sum = a;
    for (let n = 1; term > sum * 1e-17; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
    }
    r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  } else {
    // erfc(a) = e^(−a²)/√π · 1/(a + ½/(a + 1/(a + 3⁄2/(a + …)))), evaluated from its tail.
    let f = a;
    for (let k = 80; k >= 1; k--) f = a + k / 2 / f;
    r = 1 - (TWO_OVER_SQRT_PI / 2) * Math.exp(-a * a) / f;
  }
  return x < 0 ? -r : r;
}

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
  // NaN propagates, and a tie (−0 vs 0) keeps the first operand, as torch.maximum/minimum
  // (`a < b ? b : a`) and clamp: clamp(−0, {min: 0}) is −0, and 1/(−0) downstream is −Inf.
  max: (a, b) => (a !== a || b !== b ? NaN : a < b ? b : a),
  min: (a, b) => (a !== a || b !== b ? NaN : a > b ? b : a),
  lt: (a, b) => (a < b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  eq: (a, b) => (a === b ? 1 : 0),
};
