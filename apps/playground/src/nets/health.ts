import { noGrad, scope, type Tensor } from '@nn/core';
import type { HealthSample } from '@nn/explain';
import type { Trainer } from './trainer.js';

/** One ReLU layer's mask at the current weights: 1 where a unit is active (output > 0) for an example. */
export interface ReluMask {
  /** The layer's name in the code (`h_relu`, `h2_relu`). */
  readonly name: string;
  /** Examples (the batch, 64). */
  readonly rows: number;
  /** Units (100). */
  readonly cols: number;
  /** rows × cols, row-major, 0 or 1. */
  readonly data: Float32Array;
}

/** What one measurement read back: @nn/explain's HealthSample and the masks it counts. */
export interface HealthReading {
  readonly sample: HealthSample;
  readonly masks: readonly ReluMask[];
}

/** Names of the ReLU layers of each net, input side first (as the manual code names them, and the CLI). */
export const reluNames = (layers: number): string[] => (layers === 2 ? ['h_relu'] : Array.from({ length: layers - 1 }, (_, i) => `h${i + 1}_relu`));

/** The ReLU outputs of the seed program's forward at weights `ws` ([in, out]): x·w1 → relu → … (no gradient recorded). */
export function reluOutputs(x: Tensor, ws: readonly Tensor[]): Tensor[] {
  return noGrad(() => {
    const out: Tensor[] = [];
    let a = x;
    for (const w of ws.slice(0, -1)) {
      a = a.mm(w).clamp({ min: 0 });
      out.push(a);
    }
    return out;
  });
}

/**
 * Measure the trainer's health at step `step`, as the CLI does (apps/example's
 * measureHealth): the active units of each ReLU layer at the current weights
 * (a unit counts when its output is > 0 for at least one example) and each
 * weight's gradient norm from the last step. Null before the first step (no
 * gradient yet). Reads back with `await t.data()`, so WebGPU works too.
 */
export async function measureHealth(trainer: Trainer, step: number): Promise<HealthReading | null> {
  if (trainer.weights.some((w) => !w.grad() || w.grad()!.isDisposed)) return null;
  const parts = scope(() =>
    noGrad(() => {
      const relus = trainer.relus();
      const masks = relus.map((h) => h.gt(0));
      const active = masks.map((m) => m.sum(0).gt(0).sum());
      const norms = trainer.weights.map((w) => w.grad()!.pow(2).sum().sqrt());
      return { masks, scalars: [...active, ...norms] };
    }),
  );
  try {
    const values: number[] = [];
    for (const t of parts.scalars) values.push((await t.data())[0]!);
    const names = reluNames(trainer.weights.length);
    const masks: ReluMask[] = [];
    for (let i = 0; i < parts.masks.length; i++) {
      const m = parts.masks[i]!;
      masks.push({ name: names[i]!, rows: m.shape[0]!, cols: m.shape[1]!, data: Float32Array.from(await m.data()) });
    }
    return {
      sample: {
        step,
        layers: masks.map((m, i) => ({ name: m.name, units: m.cols, active: values[i]! })),
        gradients: trainer.weights.map((w, i) => ({ name: w.name, norm: values[masks.length + i]! })),
      },
      masks,
    };
  } finally {
    for (const t of [...parts.masks, ...parts.scalars]) t.dispose();
  }
}
