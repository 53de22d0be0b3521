import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { progress, type Measurements } from './measurements.js';
import type { Plan } from './plan.js';
import { pythonUnavailable, runPython, writeNpy, type PythonJob, type PythonReport } from './python.js';
import { loadTf, tfDigitsEpoch, tfManualLoop, tfMatmulTimed } from './tfjs.js';
import { W6_BATCH } from './digits.js';
import { loopReps, timeLoop, timeProduct, type Timing } from './timing.js';
import { loopFlops, loops, W4_N, type LoopSpec } from './workloads.js';

/** W1–W4 on TensorFlow.js's wasm and cpu backends (cpu is a slow peer), W6 on wasm; a backend that cannot load is a skipped row. */
export async function measureTfjs(plan: Plan, m: Measurements): Promise<void> {
  for (const backend of ['wasm', 'cpu'] as const) {
    const peer = `TensorFlow.js ${backend}`;
    const slow = backend === 'cpu';
    let tf;
    try {
      tf = await loadTf(backend);
    } catch (e) {
      m.skip(peer, (e as Error).message);
      continue;
    }
    const rt = `tfjs-core 4.22 ${tf.runtime}${backend === 'wasm' ? '; transposed products as matMul(transpose(a), b), its fast form' : ''}`;
    for (const w of ['W1', 'W2', 'W3'] as const) {
      if (!plan.want(w)) continue;
      const n = slow ? plan.slowSteps[w] : plan.steps[w];
      if (n === 0) m.loop(w, peer, rt, loops[w], 0, () => null, 'too slow for --quick');
      else {
        const r = loopReps(w, slow, plan.reps);
        m.loop(w, peer, rt, loops[w], n, () => timeLoop((s) => tfManualLoop(tf.tf, plan.data[w]!, loops[w].lr, s, backend === 'wasm'), n, r.reps, r.warm));
      }
    }
    if (plan.w4) {
      progress(`W4 ${peer}...`);
      const w4 = plan.w4;
      const t = timeProduct(() => tfMatmulTimed(tf.tf, w4.a, w4.b, W4_N), slow ? 1 : plan.w4Reps);
      m.add({ workload: 'W4', peer, runtime: rt, t, stepsRun: 1, stepsFull: 1, flopsFull: 2 * W4_N ** 3 });
    }
    const w6 = plan.w6;
    if (w6 && backend === 'wasm') {
      const n = plan.steps.W6;
      m.loop('W6', peer, `tfjs-core 4.22 ${tf.runtime}`, loops.W6, n, () => timeLoop((s) => tfDigitsEpoch(tf.tf, w6, s), n, plan.reps, n));
    }
  }
}

/** PyTorch and NumPy in one Python process, from the same inputs written as .npy files; skipped rows when Python cannot run them. */
export function measurePython(plan: Plan, m: Measurements): void {
  const noPython = pythonUnavailable();
  if (noPython) {
    progress(`PyTorch and NumPy skipped: ${noPython}`);
    for (const peer of ['PyTorch', 'NumPy']) m.skip(peer, noPython);
    return;
  }
  const specs: Record<string, LoopSpec> = { W1: loops.W1, W2: loops.W2, W3: loops.W3, W5: loops.W1, W6: loops.W6 };
  const { steps, reps, w4Reps, w4 } = plan;
  const dir = mkdtempSync(join(tmpdir(), 'nn-bench-'));
  try {
    const jobs: PythonJob[] = [];
    for (const [w, prefix] of [['W1', 'w1_'], ['W2', 'w2_'], ['W3', 'w3_']] as const) {
      const d = plan.data[w];
      if (!d) continue;
      writeNpy(dir, `${prefix}x`, d.x, d.shapes.x);
      writeNpy(dir, `${prefix}y`, d.y, d.shapes.y);
      d.w.forEach((a, i) => writeNpy(dir, `${prefix}w${i + 1}`, a, d.shapes.w[i]!));
      if (plan.want(w)) for (const peer of ['pytorch', 'numpy'] as const) jobs.push({ peer, workload: w, steps: steps[w], lr: loops[w].lr, reps: w === 'W3' ? 1 : reps });
    }
    if (plan.w6) {
      const d = plan.w6;
      writeNpy(dir, 'w6_x', d.x, [d.n, d.sizes[0]]);
      writeNpy(dir, 'w6_y', d.y, [d.n]);
      writeNpy(dir, 'w6_order', Float32Array.from(d.order), [d.n]);
      writeNpy(dir, 'w6_w1', d.w1, [d.sizes[1], d.sizes[0]]);
      writeNpy(dir, 'w6_b1', d.b1, [d.sizes[1]]);
      writeNpy(dir, 'w6_w2', d.w2, [d.sizes[2], d.sizes[1]]);
      writeNpy(dir, 'w6_b2', d.b2, [d.sizes[2]]);
      jobs.push({ peer: 'pytorch', workload: 'W6', steps: steps.W6, lr: loops.W6.lr, batch: W6_BATCH, reps });
    }
    if (plan.want('W5')) jobs.push({ peer: 'pytorch', workload: 'W5-autograd', steps: steps.W1, lr: loops.W1.lr, reps });
    if (w4) {
      writeNpy(dir, 'w4_a', w4.a, [W4_N, W4_N]);
      writeNpy(dir, 'w4_b', w4.b, [W4_N, W4_N]);
      for (const peer of ['pytorch', 'numpy'] as const) jobs.push({ peer, workload: 'W4', reps: w4Reps });
    }
    progress('PyTorch and NumPy...');
    const rep: PythonReport = runPython(dir, jobs);
    const blas = rep.blas.openblas_core
      ? `OpenBLAS (${rep.blas.openblas_config?.split(' ').slice(0, 2).join(' ')}, core ${rep.blas.openblas_core}), 1 thread`
      : `BLAS: ${rep.blas.libraries.join(', ') || 'unknown'}`;
    for (const [key, peer] of [['pytorch', 'PyTorch'], ['numpy', 'NumPy']] as const) {
      if (rep.skipped[key]) m.skip(peer, rep.skipped[key]!);
      const rt = key === 'pytorch' ? `torch ${rep.torch}, ${blas}` : `numpy ${rep.numpy}, ${blas}`;
      for (const r of rep.runs.filter((x) => x.peer === key)) {
        const workload = r.workload === 'W5-autograd' ? 'W5 autograd' : r.workload;
        const spec = specs[r.workload.slice(0, 2)]!;
        const t: Timing = { best: r.best, median: r.median, reps: jobs.find((j) => j.peer === key && j.workload === r.workload)!.reps, losses: r.losses };
        m.add({ workload, peer, runtime: rt, t, stepsRun: r.steps, stepsFull: r.steps, flopsFull: r.workload === 'W4' ? 2 * W4_N ** 3 : loopFlops(spec) * r.steps });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
