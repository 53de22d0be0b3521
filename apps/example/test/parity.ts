// PyTorch's digits run (fixtures/digits-parity/parity.json, scripts/make_digits_parity.py) and the rule nn's
// losses must meet against it; the CLI test (task.test.ts) and the Chromium suites (digits-parity-suite.ts) share it.
import { expect } from 'vitest';
import parityJson from '../../../fixtures/digits-parity/parity.json';

/** What scripts/make_digits_parity.py recorded of PyTorch's run. */
export interface Parity {
  epochs: number;
  batch_size: number;
  lr: number;
  loss_float32: number[];
  loss_float64: number[];
  test_accuracy_float32: number[];
}

/** PyTorch's run, imported as a JSON module (no node:fs, so it loads in Chromium too). */
export const parity = parityJson as Parity;

/**
 * nn's per-epoch losses against PyTorch's float32 run. Tolerance: float32 rounding alone moves torch's losses by
 * |float32 − float64| (≤ 7e-8 here, measured by the script from the same start); nn rounds in another order (its
 * own gemm and reductions), so it differs from torch's float32 run by about as much. Ten times the largest
 * float32-vs-float64 gap leaves room for that and no more: a wrong gradient, Adam step or batch order moves the
 * first epoch's loss by 1e-3 or more. Test accuracies may differ by one sample at most (a near-tie in argmax).
 */
export function expectParity(r: { epochs: unknown[]; losses: number[]; accuracies: number[]; testSize: number }, epochs: number): void {
  expect(r.epochs).toHaveLength(epochs);
  const gap = Math.max(...parity.loss_float32.map((l, i) => Math.abs(l - parity.loss_float64[i]!)));
  expect(gap).toBeGreaterThan(0);
  expect(gap).toBeLessThan(1e-6);
  r.losses.forEach((l, i) => expect(Math.abs(l - parity.loss_float32[i]!), `epoch ${i + 1}: nn ${l}, torch ${parity.loss_float32[i]}`).toBeLessThanOrEqual(10 * gap));
  r.accuracies.forEach((a, i) => expect(Math.abs(a - parity.test_accuracy_float32[i]!)).toBeLessThanOrEqual(1 / r.testSize + 1e-12));
}
