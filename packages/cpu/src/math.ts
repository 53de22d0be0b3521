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
