import { noGrad, scope, type Tensor } from '@nn/core';
import { maxAbsDiff as maxAbsDiffOf } from '@nn/core/testing';
import { forwardBackward2, forwardBackward3 } from './nets/manual.js';
import { loss2, loss3 } from './nets/autograd.js';

/**
 * Tolerance of the manual-vs-autograd comparison, relative to the largest
 * gradient of each weight. Both sides run the same float32 ops on the same
 * numbers; only the order of accumulation may differ (autograd's mm backward
 * reads the transposed operand in place, the manual code materialises `.t()`).
 * A float32 dot product of K terms is off by at most ~K·2⁻²⁴·Σ|terms| (worst
 * case), ~√K·2⁻²⁴·Σ|terms| typically; with K ≤ 1000 that is ≤ 6e-5 of the
 * terms' scale, and cancellation can make a gradient smaller than its terms.
 * 1e-3·max|grad| leaves room for that while a real bug (a missing ReLU mask,
 * a wrong transpose, a missing factor 2) moves gradients by O(max|grad|).
 */
export const GRAD_RTOL = 1e-3;

/** Result of comparing one weight's gradients. */
export interface WeightCheck {
  name: string;
  maxAbsDiff: number;
  maxAbsGrad: number;
  tolerance: number;
}

/** Result of the whole check. */
export interface GradCheck {
  ok: boolean;
  /** Largest |manual - autograd| over all weights. */
  maxAbsDiff: number;
  weights: WeightCheck[];
}

/** Compare the manual gradients with autograd's at the current weights (which are left unchanged). */
export async function checkGradients(x: Tensor, y: Tensor, ws: readonly Tensor[]): Promise<GradCheck> {
  // Compute both sides in one scope, read them back after (reading may be async on a GPU).
  const pairs = scope(() => {
    const manual = noGrad(() => {
      const r = ws.length === 2 ? forwardBackward2(x, y, ws[0]!, ws[1]!) : forwardBackward3(x, y, ws[0]!, ws[1]!, ws[2]!);
      return ws.length === 2 ? [r.grad_w1, r.grad_w2] : [r.grad_w1, r.grad_w2, (r as ReturnType<typeof forwardBackward3>).grad_w3];
    });
    const leaves = ws.map((w) => w.detach().requiresGrad_());
    const loss = leaves.length === 2 ? loss2(x, y, leaves[0]!, leaves[1]!) : loss3(x, y, leaves[0]!, leaves[1]!, leaves[2]!);
    loss.backward();
    const auto = leaves.map((l) => l.grad!.clone());
    for (const l of leaves) l.zeroGrad();
    return { manual, auto };
  });
  const weights: WeightCheck[] = [];
  for (let i = 0; i < ws.length; i++) {
    const m = await pairs.manual[i]!.data();
    const a = await pairs.auto[i]!.data();
    const maxAbsDiff = maxAbsDiffOf(m, a);
    let maxAbsGrad = 0;
    for (let k = 0; k < a.length; k++) maxAbsGrad = Math.max(maxAbsGrad, Math.abs(a[k]!));
    weights.push({ name: `w${i + 1}`, maxAbsDiff, maxAbsGrad, tolerance: GRAD_RTOL * maxAbsGrad });
  }
  for (const t of [...pairs.manual, ...pairs.auto]) t.dispose();
  const maxAbsDiff = Math.max(...weights.map((w) => w.maxAbsDiff));
  return { ok: weights.every((w) => w.maxAbsDiff <= w.tolerance && w.maxAbsGrad > 0), maxAbsDiff, weights };
}
