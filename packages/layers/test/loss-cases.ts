// The PyTorch fixture checks of every loss (fixtures/layers2/losses.json), value and input gradient, on
// any device; shared by the gpu suites (packages/gpu/src/layers.*.test.ts). Reads are `await t.data()`
// (WebGPU has no synchronous read) and the fixture is a JSON module (Chromium has no fs).
import { expect } from 'vitest';
import { dispose, scope, tensor, type Device, type Tensor } from '@nn/core';
import { assertClose, type Tolerance } from '@nn/core/testing';
import * as L from '@nn/layers';
import lossesJson from '../../../fixtures/layers2/losses.json' with { type: 'json' };
import { read } from './norm-cases.js';

/** One case of fixtures/layers2/losses.json (scripts/make_layers2.py). */
export interface LossCase {
  fn: string;
  options: Record<string, unknown>;
  input: number[];
  input_shape: number[];
  target: number[];
  target_shape: number[];
  target_dtype: 'float32' | 'int32';
  upstream: number | number[];
  output: number | number[];
  output_shape: number[];
  grad_input: number[] | null;
}
type AnyLoss = (input: Tensor, target: Tensor, opts?: object) => Tensor;

// JSON has no NaN or infinities: the script writes them as strings.
const revive = (v: unknown): unknown =>
  v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity
    : Array.isArray(v) ? v.map(revive)
      : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)])) : v;
const flat = (v: unknown): number[] => (Array.isArray(v) ? (v as unknown[]).flatMap(flat) : [v as number]);

/** The fixture's cases, NaN and infinities restored. */
export const lossCases = (): LossCase[] => (revive(lossesJson) as { cases: LossCase[] }).cases;

/** Every loss case of the fixture: its value and input gradient against torch's on `device`. Returns the number of cases. */
export async function checkLossCases(device: Device, tol: Tolerance): Promise<number> {
  const cases = lossCases();
  for (const c of cases) {
    const what = `${c.fn} ${JSON.stringify(c.options)}`;
    const { out, gx } = scope(() => {
      const x = tensor(c.input, { shape: c.input_shape, requiresGrad: c.grad_input !== null, device });
      const y = tensor(c.target, { shape: c.target_shape, dtype: c.target_dtype, device });
      const opts: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(c.options)) {
        if (k.endsWith('_shape')) continue;
        opts[k] = k === 'weight' || k === 'posWeight' ? tensor(v as number[], { shape: c.options[`${k}_shape`] as number[], device }) : v;
      }
      const value = ((L as unknown as Record<string, AnyLoss>)[c.fn]!)(x, y, opts);
      if (c.grad_input) value.mul(tensor(flat(c.upstream), { shape: c.output_shape, device })).sum().backward();
      return { out: value, gx: x.grad };
    });
    try {
      expect(out.device, what).toBe(device);
      assertClose(await read(out), flat(c.output), tol, `${what}: value`);
      if (c.grad_input) assertClose(await read(gx!), flat(c.grad_input), tol, `${what}: gradient`);
    } finally {
      dispose([out, gx]);
    }
  }
  return cases.length;
}
