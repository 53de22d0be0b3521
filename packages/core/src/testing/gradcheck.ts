import type { Tensor } from "../tensor.js";
import { tensor } from '../creation.js';
import { noGrad } from '../state.js';
import { scope } from '../memory.js';
import { mul, sum } from '../ops/index.js';

/** Settings of `gradcheck`. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-3: float32 forward passes need a larger step than float64). */
  eps?: number;
  /** Absolute tolerance (default 1e-2). */
  atol?: number;
  /** Relative tolerance (default 1e-2). */
  rtol?: number;
  /** Seed of the random projection of the output (default 1). */
  seed?: number;
  /** Check at most this many elements per input, spread evenly (default all). */
  maxPerInput?: number;
}

/** What gradcheck found. */
export interface GradcheckReport {
  ok: boolean;
  /** Largest |analytic - numeric| over all checked elements. */
  maxAbsError: number;
  /** Per input: analytic and numeric gradients of the checked elements. */
  inputs: { index: number; analytic: number[]; numeric: number[]; checked: number[] }[];
  /** First failure, readable. */
  message: string;
}

// A tiny local generator: gradcheck must not disturb the user's manualSeed stream.
function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

/**
 * Compare autograd's gradients of `fn` with central finite differences.
 * The output is projected onto fixed random weights r, f(x) = Σ fn(x)·r, so one
 * scalar checks every output element. f is evaluated by the backend in float32;
 * the perturbation and the difference quotient (f(x+ε) − f(x−ε)) / 2ε are
 * computed in float64. Inputs should stay away from kinks (relu at 0).
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  const eps = opts.eps ?? 1e-3;
  const atol = opts.atol ?? 1e-2;
  const rtol = opts.rtol ?? 1e-2;
  const hostInputs = inputs.map((t) => Float64Array.from(t.dataSync()));
  const device = inputs[0]!.device;
  const rnd = lcg(opts.seed ?? 1);

  const leaves = inputs.map((t, i) => tensor(Float32Array.from(hostInputs[i]!), { shape: t.shape, device, requiresGrad: true }));
  const out0 = noGrad(() => fn(...leaves));
  const weights = tensor(Float32Array.from({ length: out0.size }, rnd), { shape: out0.shape, device });
  out0.dispose();

  const project = (xs: Tensor[]): Tensor => sum(mul(fn(...xs), weights));
  scope(() => project(leaves).backward());
  const analytic = leaves.map((l) => (l.grad ? Array.from(l.grad.dataSync()) : new Array<number>(l.size).fill(0)));

  const evalAt = (which: number, idx: number, delta: number): number =>
    scope(() =>
      noGrad(() => {
        const xs = inputs.map((t, i) => {
          const data = Float32Array.from(hostInputs[i]!);
          if (i === which) data[idx] = hostInputs[i]![idx]! + delta;
          return tensor(data, { shape: t.shape, device });
        });
        return project(xs).item();
      }),
    );

  const report: GradcheckReport = { ok: true, maxAbsError: 0, inputs: [], message: 'ok' };
  inputs.forEach((t, i) => {
    const n = t.size;
    const limit = Math.min(n, opts.maxPerInput ?? n);
    const checked = Array.from({ length: limit }, (_, j) => Math.floor((j * n) / limit));
    const numeric: number[] = [];
    const an: number[] = [];
    for (const idx of checked) {
      // float32 may round x±ε; use the step actually taken.
      const up = Math.fround(hostInputs[i]![idx]! + eps) - hostInputs[i]![idx]!;
      const down = hostInputs[i]![idx]! - Math.fround(hostInputs[i]![idx]! - eps);
      const g = (evalAt(i, idx, up) - evalAt(i, idx, -down)) / (up + down);
      numeric.push(g);
      const a = analytic[i]![idx]!;
      an.push(a);
      const err = Math.abs(a - g);
      if (err > report.maxAbsError || Number.isNaN(err)) report.maxAbsError = Number.isNaN(err) ? Infinity : err;
      if (report.ok && !(err <= atol + rtol * Math.abs(g))) {
        report.ok = false;
        report.message = `input ${i}${t.name ? ` (${t.name})` : ''} [${t.shape.join(', ')}], element ${idx}: autograd ${a}, finite differences ${g} (|diff| ${err})`;
      }
    }
    report.inputs.push({ index: i, analytic: an, numeric, checked });
  });
  leaves.forEach((l) => {
    l.zeroGrad();
    l.dispose();
  });
  weights.dispose();
  return report;
}

/** gradcheck that throws with the first mismatch. */
export function assertGradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  const r = gradcheck(fn, inputs, opts);
  if (!r.ok) throw new Error(`gradcheck failed: ${r.message}`);
  return r;
}


