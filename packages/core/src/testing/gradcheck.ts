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

// The algorithm is written once as a generator that yields each tensor it must
// read; `gradcheck` drives it with synchronous reads, `gradcheckAsync` with
// `await t.data()` (WebGPU can only read back asynchronously).
type ReadRequest = Tensor;
function* gradcheckSteps(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  opts: GradcheckOptions,
): Generator<ReadRequest, GradcheckReport, Float32Array> {
  const eps = opts.eps ?? 1e-3;
  const atol = opts.atol ?? 1e-2;
  const rtol = opts.rtol ?? 1e-2;
  const hostInputs: Float64Array[] = [];
  for (const t of inputs) hostInputs.push(Float64Array.from(yield t));
  const device = inputs[0]!.device;
  const rnd = lcg(opts.seed ?? 1);

  const leaves = inputs.map((t, i) => tensor(Float32Array.from(hostInputs[i]!), { shape: t.shape, device, requiresGrad: true }));
  const out0 = noGrad(() => fn(...leaves));
  const weights = tensor(Float32Array.from({ length: out0.size }, rnd), { shape: out0.shape, device });
  out0.dispose();

  const project = (xs: Tensor[]): Tensor => sum(mul(fn(...xs), weights));
  scope(() => project(leaves).backward());
  const analytic: number[][] = [];
  for (const l of leaves) analytic.push(l.grad ? Array.from(yield l.grad) : new Array<number>(l.size).fill(0));

  // f at the inputs with one element moved by delta; the caller reads and frees the result.
  const shifted = (which: number, idx: number, delta: number): Tensor =>
    noGrad(() =>
      scope(() => {
        const xs = inputs.map((t, i) => {
          const data = Float32Array.from(hostInputs[i]!);
          if (i === which) data[idx] = hostInputs[i]![idx]! + delta;
          return tensor(data, { shape: t.shape, device });
        });
        return project(xs);
      }),
    );

  const report: GradcheckReport = { ok: true, maxAbsError: 0, inputs: [], message: 'ok' };
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i]!;
    const n = t.size;
    const limit = Math.min(n, opts.maxPerInput ?? n);
    const checked = Array.from({ length: limit }, (_, j) => Math.floor((j * n) / limit));
    const numeric: number[] = [];
    const an: number[] = [];
    for (const idx of checked) {
      // float32 may round x±ε; use the step actually taken.
      const up = Math.fround(hostInputs[i]![idx]! + eps) - hostInputs[i]![idx]!;
      const down = hostInputs[i]![idx]! - Math.fround(hostInputs[i]![idx]! - eps);
      const fUp = shifted(i, idx, up);
      const vUp = (yield fUp)[0]!;
      fUp.dispose();
      const fDown = shifted(i, idx, -down);
      const vDown = (yield fDown)[0]!;
      fDown.dispose();
      const g = (vUp - vDown) / (up + down);
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
  }
  leaves.forEach((l) => {
    l.zeroGrad();
    l.dispose();
  });
  weights.dispose();
  return report;
}

/**
 * Compare autograd's gradients of `fn` with central finite differences.
 * The output is projected onto fixed random weights r, f(x) = Σ fn(x)·r, so one
 * scalar checks every output element. f is evaluated by the backend in float32;
 * the perturbation and the difference quotient (f(x+ε) − f(x−ε)) / 2ε are
 * computed in float64. Inputs should stay away from kinks (relu at 0).
 * Reads synchronously: use `gradcheckAsync` on devices that cannot.
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  const steps = gradcheckSteps(fn, inputs, opts);
  let next = steps.next();
  while (!next.done) next = steps.next(next.value.dataSync());
  return next.value;
}

/** `gradcheck` reading with `await t.data()`: works on every device, WebGPU included. */
export async function gradcheckAsync(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): Promise<GradcheckReport> {
  const steps = gradcheckSteps(fn, inputs, opts);
  let next = steps.next();
  while (!next.done) next = steps.next(await next.value.data());
  return next.value;
}

/** gradcheck that throws with the first mismatch. */
export function assertGradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  const r = gradcheck(fn, inputs, opts);
  if (!r.ok) throw new Error(`gradcheck failed: ${r.message}`);
  return r;
}



/** gradcheckAsync that throws with the first mismatch. */
export async function assertGradcheckAsync(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): Promise<GradcheckReport> {
  const r = await gradcheckAsync(fn, inputs, opts);
  if (!r.ok) throw new Error(`gradcheck failed: ${r.message}`);
  return r;
}
