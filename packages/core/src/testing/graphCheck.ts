import type { Device } from '../backend.js';
import { memory } from '../memory.js';
import { printGraph, runGraph, type GraphResult, type GraphSpec } from './graph.js';
import { evaluateReference } from './reference64.js';

// How a float32 result is compared with the float64 reference.
//
// Tolerance. Each op rounds once (unit roundoff u = 2^-24 ≈ 6e-8) and a backend
// may sum in any order, so a float32 result differs from the exact one by a few
// u per op along its path, times the reduction lengths on it — unless the graph
// cancels (x + 1e30 - 1e30) or overflows (exp(100)), where float32 is simply
// unable to get close. A fixed tolerance is then either too loose for the calm
// graphs or too tight for the wild ones. So the reference runs exactly (r64,
// float64), simulating float32 (r32: every op's result, every step of a
// derivative formula and every partial sum of a reduction or an mm rounded with
// Math.fround, summing left to right), and three more times simulating float32
// with every inexact rounding nudged by up to ±4 ulps (as another kernel, another
// summation order or another formula for the same value would round). The
// spread s = max |r64 - r| over those runs measures how sensitive this very
// value is to float32 rounding (a cancellation shows up as a large s), and the
// tolerance grows with it:
//
//   ok  ⇔  b matches r64 or b matches r32, where
//   b matches r (finite) ⇔ b finite and |b - r| ≤ atol + rtol·|r| + 4·s
//   b matches r (NaN or ±Inf) ⇔ b is NaN, or the same Inf
//
// rtol = base·(1 + depth): base is 1e-5 (about 100 u: fused multiply-adds,
// tree-shaped sums, the gpu's approximate exp/log/tanh) and grows with the
// number of ops. atol = 1e-30 forgives only the float32 subnormal range, which
// gpus flush to zero. Matching r32 instead of r64 is allowed because float32
// overflow (Inf where float64 is finite, or NaN from Inf - Inf) is acceptable
// exactly when the simulated float32 run overflows too; anywhere else a NaN or
// Inf must be the reference's own, and a NaN where the reference has a number
// (the 0·Inf of a mask written as a product) is always a mismatch.

/** Tolerances for random-graph comparisons. */
export interface GraphTolerance {
  /** Relative tolerance per op on the path (default 1e-5). */
  rtolPerOp?: number;
  /** Absolute tolerance (default 1e-30: subnormals may be flushed). */
  atol?: number;
  /** Also require the live-buffer count to be unchanged after the graph's tensors are freed (default true). */
  checkLeaks?: boolean;
}

/**
 * Math.fround, then, where rounding was inexact, a relative nudge of up to ±4 units
 * of roundoff from a seeded generator: a float32 run whose every rounding went
 * another way, as another kernel or another formula for the same value would.
 */
export function perturbedFround(seed: number): (x: number) => number {
  let s = seed >>> 0 || 1;
  return (x) => {
    const f = Math.fround(x);
    if (f === x || !Number.isFinite(f)) return f;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return f * (1 + ((s >>> 0) / 2 ** 32 - 0.5) * 8 * 2 ** -24);
  };
}

function matches(b: number, r: number, tol: number): boolean {
  if (Number.isNaN(r)) return Number.isNaN(b);
  if (!Number.isFinite(r)) return b === r;
  return Number.isFinite(b) && Math.abs(b - r) <= tol;
}

/**
 * Mismatches of `got` against the exact (r64) and float32-simulated (r32) references; empty when it agrees.
 * `exact` replaces r64 with numbers from elsewhere (PyTorch's float64 run, for the committed fixtures).
 */
export function compareGraphResult(spec: GraphSpec, got: GraphResult, tol: GraphTolerance = {}, exact?: GraphResult): string[] {
  const r64 = exact ?? evaluateReference(spec);
  const r32 = evaluateReference(spec, Math.fround);
  const noisy = [1, 2, 3].map((seed) => evaluateReference(spec, perturbedFround(seed)));
  const rtol = (tol.rtolPerOp ?? 1e-5) * (1 + spec.nodes.length);
  const atol = tol.atol ?? 1e-30;
  const problems: string[] = [];
  if (JSON.stringify(got.shape) !== JSON.stringify(r64.shape)) problems.push(`output shape ${JSON.stringify(got.shape)}, expected ${JSON.stringify(r64.shape)}`);
  const check = (what: string, b: number[] | null, e64: number[] | null, e32: number[] | null, en: (number[] | null)[]): void => {
    if ((b === null) !== (e64 === null)) {
      problems.push(`${what}: ${b === null ? 'null' : 'a tensor'}, expected ${e64 === null ? 'null (no path to it)' : 'a tensor'}`);
      return;
    }
    if (!b || !e64 || !e32) return;
    if (b.length !== e64.length) {
      problems.push(`${what}: ${b.length} values, expected ${e64.length}`);
      return;
    }
    for (let i = 0; i < b.length; i++) {
      const x = e64[i]!;
      const y = e32[i]!;
      let spread = Number.isFinite(x) && Number.isFinite(y) ? Math.abs(x - y) : 0;
      for (const e of en) {
        const z = e?.[i];
        if (z !== undefined && Number.isFinite(x) && Number.isFinite(z)) spread = Math.max(spread, Math.abs(x - z));
      }
      spread *= 4;
      const t = (r: number): number => atol + rtol * Math.abs(r) + spread;
      if (matches(b[i]!, x, t(x)) || matches(b[i]!, y, t(y))) continue;
      problems.push(`${what}[${i}] = ${b[i]}, expected ${x} (${exact ? 'PyTorch float64' : 'float64'}; float32-simulated ${y})`);
      if (problems.length > 8) return;
    }
  };
  check('output', got.out, r64.out, r32.out, noisy.map((n) => n.out));
  got.grads.forEach((g, i) => check(`l${i}.grad`, g, r64.grads[i] ?? null, r32.grads[i] ?? null, noisy.map((n) => n.grads[i] ?? null)));
  return problems;
}

/**
 * Run `spec` on `device`, compare forward values and every leaf gradient with the
 * reference, and check that it freed every buffer. Throws with the graph printed as code.
 */
export async function checkGraph(spec: GraphSpec, device: Device, tol: GraphTolerance = {}, exact?: GraphResult): Promise<void> {
  const before = memory()[device]?.buffers ?? 0;
  let problems: string[];
  try {
    const got = await runGraph(spec, device);
    problems = compareGraphResult(spec, got, tol, exact);
  } catch (e) {
    problems = [`threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`];
  }
  const after = memory()[device]?.buffers ?? 0;
  if (tol.checkLeaks !== false && after !== before) problems.push(`live buffers on '${device}' went from ${before} to ${after} (${after - before > 0 ? '+' : ''}${after - before}) after disposing every tensor`);
  if (problems.length > 0) {
    throw new Error(`graph on '${device}' disagrees with the ${exact ? 'PyTorch float64 fixture' : 'float64 reference'}:\n  ${problems.join('\n  ')}\n\n${printGraph(spec, device)}\n`);
  }
}
