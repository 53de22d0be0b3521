/**
 * The example's training-health checks: at a few steps it measures how many
 * units of each ReLU layer are active and each weight's gradient norm, and
 * @nn/explain's HealthMonitor names what went wrong (a dead ReLU layer, a
 * gradient that vanished or exploded). The printing is here; the logic is in
 * @nn/explain, where the playground can use it too.
 */
import { noGrad, scope, type Tensor } from '@nn/core';
import { HealthMonitor, type HealthFinding, type HealthSample } from '@nn/explain';
import { forwardBackward2, forwardBackward3 } from './nets/manual.js';

/** Names of the ReLU layers of each net, input side first (as nets/manual.ts names them). */
export const RELU_NAMES: Record<2 | 3, readonly string[]> = { 2: ['h_relu'], 3: ['h1_relu', 'h2_relu'] };

/** Steps measured: every one of the first ten (where an overshooting rate kills ReLUs), then where the loss is read. */
export const EARLY_STEPS = 10;

/** Measure the net at weights `ws` ([in, out], as the seed program's): active units per ReLU layer and gradient norms. */
export async function measureHealth(step: number, x: Tensor, y: Tensor, ws: readonly Tensor[]): Promise<HealthSample> {
  const net = ws.length === 3 ? 3 : 2;
  const parts = scope(() =>
    noGrad(() => {
      const r = net === 2 ? forwardBackward2(x, y, ws[0]!, ws[1]!) : forwardBackward3(x, y, ws[0]!, ws[1]!, ws[2]!);
      const grads = net === 2 ? [r.grad_w1, r.grad_w2] : [r.grad_w1, r.grad_w2, (r as ReturnType<typeof forwardBackward3>).grad_w3];
      // A unit is active when its output is > 0 for at least one example of the batch.
      const active = r.hidden.map((h) => h.gt(0).sum(0).gt(0).sum());
      const norms = grads.map((g) => g.pow(2).sum().sqrt());
      return [...active, ...norms];
    }),
  );
  try {
    const values: number[] = [];
    for (const t of parts) values.push((await t.data())[0]!);
    const hidden = RELU_NAMES[net];
    return {
      step,
      layers: hidden.map((name, i) => ({ name, units: ws[i]!.shape[1]!, active: values[i]! })),
      gradients: ws.map((_, i) => ({ name: `w${i + 1}`, norm: values[hidden.length + i]! })),
    };
  } finally {
    for (const t of parts) t.dispose();
  }
}

/** The lines the example prints for what the monitor found (none when the run is healthy). */
export function healthLines(monitor: HealthMonitor, findings: readonly HealthFinding[]): string[] {
  if (!findings.length) return [];
  const label: Record<HealthFinding['kind'], string> = { 'dead-relu': 'dead ReLU layer', 'vanishing-gradient': 'vanishing gradient', 'exploding-gradient': 'exploding gradient' };
  const lines: string[] = [];
  // Gradients that vanished for one cause are one line, not one per weight.
  const done = new Set<HealthFinding>();
  for (const f of findings) {
    if (done.has(f)) continue;
    const same = f.cause ? findings.filter((g) => g.kind === f.kind && g.cause === f.cause) : [f];
    same.forEach((g) => done.add(g));
    if (same.length === 1) lines.push(`# ${label[f.kind]}: ${f.message}`);
    else lines.push(`# ${label[f.kind]}s: ${same.map((g) => g.name).join(', ')} are 0 or nearly since step ${Math.min(...same.map((g) => g.since))} (norms below): ${f.cause}`);
  }
  const first = monitor.history[0]!;
  const last = monitor.history.at(-1)!;
  const fmt = (v: number): string => (v === 0 ? '0' : v.toExponential(2));
  const norms = last.gradients.map((g) => `${g.name} ${fmt(first.gradients.find((x) => x.name === g.name)?.norm ?? NaN)} → ${fmt(g.norm)}`);
  const active = last.layers.map((l) => `${l.name} ${first.layers.find((x) => x.name === l.name)?.active ?? '?'} → ${l.active} of ${l.units}`);
  lines.push(`# gradient norms per weight, step ${first.step} → ${last.step}: ${norms.join(', ')}; active units: ${active.join(', ')}`);
  return lines;
}
