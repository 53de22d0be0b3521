import type { Measure } from './measurements.js';
import type { Plan } from './plan.js';
import type { Row } from './report.js';
import { W4_N } from './workloads.js';

/**
 * Final-loss check. The loss is ‖y_pred − y‖², and by the end of W1 y_pred
 * matches y to ~2e-4 per element, so the loss is a difference of nearly equal
 * float32 numbers: rounding y_pred (~6e-8·|y|) moves it by ~1e-3 relative,
 * and 500 steps of sums in other orders amplify that. So the check compares
 * residual norms √loss: equal within LOSS_TOL relative, or within
 * RESIDUAL_TOL·‖y‖ absolute (float32's resolution of y_pred, with a margin).
 */
export const LOSS_TOL = 1e-3;
/** See LOSS_TOL. */
export const RESIDUAL_TOL = 1e-5;

const ORDER = ['W1', 'W2', 'W3', 'W4', 'W5 autograd', 'W5 layers', 'W6'];

function norm(a: Float32Array | undefined): number {
  let s = 0;
  if (a) for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/**
 * The table's rows: each measure's time scaled to the full workload, its ratio
 * to nn cpu's, and its final loss checked against nn cpu's after as many steps.
 */
export function toRows(measured: readonly Measure[], plan: Plan): Row[] {
  const rows: Row[] = [];
  const byKey = new Map(measured.map((m) => [`${m.workload}|${m.peer}`, m]));
  const refOf = (w: string): Measure | undefined => byKey.get(`${w}|nn cpu`);
  for (const m of measured) {
    if (!m.t) {
      rows.push({ workload: m.workload, peer: m.peer, runtime: m.runtime, seconds: null, median: null, reps: 0, stepsRun: 0, stepsFull: m.stepsFull, gflops: null, ratio: null, loss: null, lossDiff: null, lossOk: null, skipped: m.skipped ?? 'not run' });
      continue;
    }
    const scale = m.stepsFull / m.stepsRun;
    const seconds = m.t.best * scale;
    const ref = refOf(m.workload);
    const refSeconds = ref?.t ? ref.t.best * (ref.stepsFull / ref.stepsRun) : null;
    const loss = m.t.losses[m.t.losses.length - 1] ?? null;
    // The loss the reference (nn cpu) had after the same number of steps; W5 starts from W1's inputs.
    const refLosses = (ref?.t ?? refOf('W1')?.t)?.losses;
    const isRef = m.peer === 'nn cpu' && (m.workload === 'W1' || !m.workload.startsWith('W5'));
    const refLoss = isRef ? null : m.workload.startsWith('W5') ? refOf('W1')?.t?.losses[m.stepsRun - 1] : refLosses?.[m.workload === 'W4' ? 0 : m.stepsRun - 1];
    const lossDiff = loss !== null && refLoss != null ? Math.abs(loss - refLoss) / Math.max(Math.abs(refLoss), 1e-30) : null;
    const yNorm = m.workload === 'W4' ? 0 : norm(plan.data[m.workload.startsWith('W5') ? 'W1' : m.workload]?.y);
    const lossOk =
      lossDiff === null || loss === null || refLoss == null
        ? null
        : m.workload === 'W4' || m.workload === 'W6'
          ? lossDiff <= LOSS_TOL
          : Math.abs(Math.sqrt(loss) - Math.sqrt(refLoss)) <= Math.max(LOSS_TOL * Math.sqrt(refLoss), RESIDUAL_TOL * yNorm);
    rows.push({
      workload: m.workload,
      peer: m.peer,
      runtime: m.runtime,
      seconds,
      median: m.t.median * scale,
      reps: m.t.reps,
      stepsRun: m.stepsRun,
      stepsFull: m.stepsFull,
      gflops: m.flopsFull / seconds / 1e9,
      ratio: refSeconds ? seconds / refSeconds : null,
      loss,
      lossDiff,
      lossOk,
    });
  }
  rows.sort((a, b) => (ORDER.indexOf(a.workload) + 1 || 99) - (ORDER.indexOf(b.workload) + 1 || 99));
  return rows;
}

/** The notes under the table: what the times mean, which were extrapolated, how losses are checked, and W5's cost. */
export function notesFor(rows: readonly Row[], plan: Plan): string[] {
  const notes: string[] = [];
  notes.push('Times are of the whole workload: every step runs the forward pass, reads the loss back to JavaScript/Python (as the seed program\'s `.item()`), computes the gradients and updates the weights. GFLOP/s counts matrix-product flops only.');
  notes.push('`*`: fewer steps ran and the time is scaled to the full workload (steps run / full: ' +
    rows.filter((r) => r.stepsRun && r.stepsRun < r.stepsFull).map((r) => `${r.workload} ${r.peer} ${r.stepsRun}/${r.stepsFull}`).join(', ') + ').');
  notes.push(
    `Best and median of the timed repetitions after one warm-up run (${plan.reps} on the fast peers; nn cpu's W1, W5 autograd and W5 layers run ${plan.w5Rounds} interleaved rounds, ` +
      `so that their ratio is not skewed by other processes); W4 is one ${W4_N}×${W4_N} product (best and median of ${plan.w4Reps} on the fast peers, 1 on the slow ones).`,
  );
  notes.push(
    `Final loss check: each peer's loss after its last step against nn cpu's loss after as many steps, from the same inputs. ` +
      `The column shows the relative difference of the losses; the check compares residual norms √loss, equal within ${LOSS_TOL} relative or ${RESIDUAL_TOL}·‖y‖ absolute ` +
      `(W1 trains its loss down to ~2e-5, where float32 rounding of y_pred alone moves the loss by ~1e-3 relative). W4 compares the squared Frobenius norm of the product within ${LOSS_TOL} relative` +
        (plan.want('W6') ? `; W6 compares the last batch's cross-entropy within ${LOSS_TOL} relative.` : '.'),
  );
  if (plan.want('W6')) {
    notes.push(
      'W6 is one epoch of the digits MLP (64 → 64 → 10, ReLU, cross-entropy, Adam lr 1e-2, 23 batches of 64 from the 1,438-image train split), ' +
        'every peer from nn\'s initial weights and one seeded batch order, after a whole warm-up epoch; its GFLOP/s counts 23 full batches. ' +
        'TensorFlow.js: tfjs-core alone ships no gradient functions, so its backward pass is written out (tf.train.adam applies the update).',
    );
  }
  const w1 = rows.find((r) => r.workload === 'W1' && r.peer === 'nn cpu');
  for (const v of ['W5 autograd', 'W5 layers']) {
    const r = rows.find((x) => x.workload === v && x.peer === 'nn cpu');
    if (r?.seconds && w1?.seconds) notes.push(`${v} costs ${(r.seconds / w1.seconds).toFixed(2)}x the manual W1 loop on nn cpu (target ≤ 1.2x).`);
  }
  return notes;
}
