import { getBackend, memory, registerBackend, tensor, type Device } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { progress, type Measurements } from './measurements.js';
import { digitsEpoch } from './digits.js';
import { autogradLoop, layersLoop, manualLoop, matmulTimed } from './nn.js';
import { SEED, type Plan } from './plan.js';
import type { Results } from './report.js';
import { loopReps, timeInterleaved, timeLoop, timeProduct, type Timing } from './timing.js';
import { loopData, loops, W4_N, type LoopSpec } from './workloads.js';

/** One nn configuration in the table; `slow` ones run fewer steps, `w5` also runs the autograd and layers loops. */
export interface NnPeer {
  device: Device;
  peer: string;
  slow: boolean;
  w5?: boolean;
}

/**
 * Register nn's backends. nn cpu runs gemm's relaxed-SIMD build (fused
 * multiply-adds): the default wherever the engine ships relaxed SIMD (Chrome,
 * Edge, Node 22+); on Node 20 fma: 'on' turns V8's flag on. 'plain SIMD' is
 * what Node 20 runs by default. nn cpu uses both cores for large products;
 * 'one thread' compares like with like against the single-threaded peers.
 * The gpu joins when @nn/gpu can start here, else `gpuSkip` says why.
 */
export async function startNn(): Promise<{ peers: NnPeer[]; gpuSkip: string | null }> {
  registerBackend(createCpuBackend({ fma: 'on' }));
  registerBackend(createCpuBackend({ device: 'cpu-1t', threads: 1, fma: 'on' }));
  registerBackend(createCpuBackend({ device: 'cpu-plain', fma: 'off' }));
  registerBackend(createCpuBackend({ device: 'cpu-js', engine: 'js' }));
  const peers: NnPeer[] = [
    { device: 'cpu', peer: 'nn cpu', slow: false, w5: true },
    { device: 'cpu-1t', peer: 'nn cpu, one thread', slow: false },
    { device: 'cpu-plain', peer: 'nn cpu, plain SIMD', slow: false },
    { device: 'cpu-js', peer: 'nn cpu, js kernels', slow: true },
  ];
  let gpuSkip: string | null = null;
  try {
    const spec = '@nn/gpu';
    const gpu = (await import(spec)) as { createGpuBackend(o: { device: string }): Promise<Parameters<typeof registerBackend>[0]> };
    registerBackend(await gpu.createGpuBackend({ device: 'gpu' }));
    peers.push({ device: 'gpu', peer: 'nn gpu', slow: true });
  } catch (e) {
    gpuSkip = `cannot start @nn/gpu here: ${(e as Error).message.split('\n')[0]!.slice(0, 300)}`;
    progress(`nn gpu skipped: ${gpuSkip}`);
  }
  return { peers, gpuSkip };
}

/** What runs behind a device, as the table's runtime column says it. */
function runtimeOf(d: Device): string {
  const i = getBackend(d).info;
  return `${i.name} ${i.runtime}${i.fallback ? ' (FALLBACK)' : ''}${i.note ? ` — ${i.note}` : ''}`;
}

/** W1–W6 on every nn peer (W6 on nn cpu and nn gpu). */
export function measureNn(plan: Plan, peers: readonly NnPeer[], m: Measurements): void {
  const { steps, slowSteps, data } = plan;
  for (const p of peers) {
    const rt = runtimeOf(p.device);
    // W5 is judged as a ratio to W1: time the three loops in interleaved rounds,
    // so that other processes disturb them alike.
    let w5: Record<string, Timing> | null = null;
    if (plan.want('W5') && p.w5) {
      const lr = loops.W1.lr;
      const fns: Record<string, (s: number) => number[]> = {
        W1: (s) => manualLoop(data.W1!, p.device, lr, s),
        'W5 autograd': (s) => autogradLoop(data.W1!, p.device, lr, s),
        'W5 layers': (s) => layersLoop(data.W1!, p.device, lr, s),
      };
      progress(`W1 and W5 ${p.peer}, interleaved (${steps.W1} steps)...`);
      w5 = timeInterleaved(fns, steps.W1, plan.w5Rounds, 20);
    }
    for (const w of ['W1', 'W2', 'W3'] as const) {
      if (!plan.want(w)) continue;
      const n = p.slow ? slowSteps[w] : steps[w];
      if (n === 0) m.loop(w, p.peer, rt, loops[w], 0, () => null, 'too slow for --quick');
      else if (w === 'W1' && w5) m.loop(w, p.peer, rt, loops[w], n, () => w5!.W1!);
      else {
        const r = loopReps(w, p.slow, plan.reps);
        m.loop(w, p.peer, rt, loops[w], n, () => timeLoop((s) => manualLoop(data[w]!, p.device, loops[w].lr, s), n, r.reps, r.warm));
      }
    }
    if (w5) {
      m.loop('W5 autograd', p.peer, rt, loops.W1, steps.W1, () => w5!['W5 autograd']!);
      m.loop('W5 layers', p.peer, rt, loops.W1, steps.W1, () => w5!['W5 layers']!);
    }
    if (plan.w4) {
      progress(`W4 ${p.peer}...`);
      const a = tensor(plan.w4.a, { shape: [W4_N, W4_N], device: p.device });
      const b = tensor(plan.w4.b, { shape: [W4_N, W4_N], device: p.device });
      const t = timeProduct(() => matmulTimed(a, b, p.device === 'gpu'), p.slow ? 1 : plan.w4Reps);
      a.dispose();
      b.dispose();
      m.add({ workload: 'W4', peer: p.peer, runtime: rt, t, stepsRun: 1, stepsFull: 1, flopsFull: 2 * W4_N ** 3 });
    }
    const w6 = plan.w6;
    if (w6 && (p.device === 'cpu' || p.device === 'gpu')) {
      // One epoch is short: every peer runs all of it, after a whole warm-up epoch (the first one costs
      // ~5x the next on nn cpu: JIT and wasm tiering; on the gpu it compiles the short last batch's kernels).
      const n = plan.steps.W6;
      m.loop('W6', p.peer, rt, loops.W6, n, () => timeLoop((s) => digitsEpoch(w6, p.device, s), n, p.slow ? 1 : plan.reps, n));
    }
  }
}

/** Per-op overhead: the seed loop at tiny sizes, where kernels cost next to nothing (with W1 only, cpu peers only). */
export function measureOverhead(plan: Plan, peers: readonly NnPeer[]): Results['overhead'] {
  const overhead: Results['overhead'] = [];
  if (!plan.want('W1')) return overhead;
  const tiny: LoopSpec = { sizes: [4, 8, 8, 2], lr: 1e-3, steps: 2000 };
  const d = loopData(tiny, SEED);
  for (const p of peers.filter((x) => x.device !== 'gpu')) {
    manualLoop(d, p.device, tiny.lr, 200);
    const k0 = memory()[p.device]!.kernels;
    let us = Infinity;
    // Best of five: a short run is easily disturbed by other processes.
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      manualLoop(d, p.device, tiny.lr, tiny.steps);
      us = Math.min(us, ((performance.now() - t0) * 1000) / tiny.steps);
    }
    const ops = Math.round((memory()[p.device]!.kernels - k0) / tiny.steps / 5);
    overhead.push({ peer: p.peer, stepMicros: us, opsPerStep: ops, opMicros: us / ops });
  }
  return overhead;
}
