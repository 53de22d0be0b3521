#!/usr/bin/env node
// nn's benchmark: the workloads of docs/bench.md on nn (cpu with both kernel
// sets, gpu when it can start), TensorFlow.js (wasm and cpu), PyTorch and
// NumPy, one after another in one process tree, from the same seeded inputs.
// Prints a table and writes results/latest.{json,md} (partial.* for --only/--quick).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { getBackend, memory, registerBackend, tensor, type Device } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { autogradLoop, layersLoop, manualLoop, matmulTimed } from './nn.js';
import { loadTf, tfManualLoop, tfMatmulTimed } from './tfjs.js';
import { pythonUnavailable, runPython, writeNpy, type PythonJob, type PythonReport } from './python.js';
import { loopData, loopFlops, loops, matmulData, W4_N, type LoopData, type LoopSpec } from './workloads.js';
import { markdown, textTable, type Results, type Row } from './report.js';

const ALL = ['W1', 'W2', 'W3', 'W4', 'W5'] as const;
/**
 * Final-loss check. The loss is ‖y_pred − y‖², and by the end of W1 y_pred
 * matches y to ~2e-4 per element, so the loss is a difference of nearly equal
 * float32 numbers: rounding y_pred (~6e-8·|y|) moves it by ~1e-3 relative,
 * and 500 steps of sums in other orders amplify that. So the check compares
 * residual norms √loss: equal within LOSS_TOL relative, or within
 * RESIDUAL_TOL·‖y‖ absolute (float32's resolution of y_pred, with a margin).
 */
const LOSS_TOL = 1e-3;
const RESIDUAL_TOL = 1e-5;
const SEED = 0;

interface Args {
  only: Set<string>;
  quick: boolean;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { only: new Set(ALL), quick: false, out: fileURLToPath(new URL('../results', import.meta.url)) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--only') {
      const list = (argv[++i] ?? '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
      const bad = list.filter((w) => !(ALL as readonly string[]).includes(w));
      if (bad.length || !list.length) throw new Error(`--only takes a comma-separated list of ${ALL.join(', ')}; got '${argv[i] ?? ''}'`);
      args.only = new Set(list);
    } else if (a === '--out') args.out = argv[++i]!;
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench -- [--only W1,W4] [--quick] [--out DIR]');
      process.exit(0);
    } else throw new Error(`unknown flag ${a}; try --help`);
  }
  return args;
}

function machine(): Results['machine'] {
  let cpu = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const m = /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }));
    if (m) cpu = m[1]!.trim();
    const flags = readFileSync('/proc/cpuinfo', 'utf8');
    cpu += /\bavx512f\b/.test(flags) ? ' (AVX-512)' : /\bavx2\b/.test(flags) ? ' (AVX2, no AVX-512)' : '';
  } catch {
    // lscpu or /proc missing: keep Node's model string
  }
  return { cpu, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.versions.node, os: `${type()} ${release()}` };
}

interface Timing {
  best: number;
  median: number;
  reps: number;
  losses: number[];
}

/** Best and median of the timed repetitions (seconds). */
function summarize(times: number[], losses: number[]): Timing {
  const t = [...times].sort((a, b) => a - b);
  return { best: t[0]!, median: t[Math.floor((t.length - 1) / 2)]!, reps: t.length, losses };
}

/** One short warm-up run (JIT, caches), then `reps` timed runs of `steps` steps. */
function timeLoop(fn: (steps: number) => number[], steps: number, reps: number, warmSteps: number): Timing {
  fn(Math.min(steps, warmSteps));
  const times: number[] = [];
  let losses: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    losses = fn(steps);
    times.push((performance.now() - t0) / 1000);
  }
  return summarize(times, losses);
}

/** W4: one warm-up product, then `reps` timed ones; the check value is the product's squared norm. */
function timeProduct(run: () => { seconds: number; check: number }, reps: number): Timing {
  run();
  const times: number[] = [];
  let check = 0;
  for (let i = 0; i < reps; i++) {
    const m = run();
    times.push(m.seconds);
    check = m.check;
  }
  return summarize(times, [check]);
}

/** Timed repetitions and warm-up steps of a loop workload: W3 is long, the slow peers run once. */
function loopReps(w: 'W1' | 'W2' | 'W3', slow: boolean, reps: number): { reps: number; warm: number } {
  if (slow) return { reps: 1, warm: 1 };
  return w === 'W3' ? { reps: 1, warm: 2 } : { reps, warm: 20 };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Like timeLoop for several loops at once, one repetition of each per round. */
function timeInterleaved(fns: Record<string, (steps: number) => number[]>, steps: number, reps: number, warmSteps: number): Record<string, Timing> {
  const times: Record<string, number[]> = {};
  const losses: Record<string, number[]> = {};
  for (const [k, fn] of Object.entries(fns)) {
    fn(Math.min(steps, warmSteps));
    times[k] = [];
  }
  for (let r = 0; r < reps; r++) {
    for (const [k, fn] of Object.entries(fns)) {
      const t0 = performance.now();
      losses[k] = fn(steps);
      times[k]!.push((performance.now() - t0) / 1000);
    }
  }
  const out: Record<string, Timing> = {};
  for (const k of Object.keys(fns)) out[k] = summarize(times[k]!, losses[k]!);
  return out;
}

function norm(a: Float32Array | undefined): number {
  let s = 0;
  if (a) for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

function progress(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Other processes skew every time here: record how busy the machine was.
  const loadBefore = loadavg()[0]!;
  const q = args.quick;
  const want = (w: string): boolean => args.only.has(w);
  const rows: Row[] = [];
  const notes: string[] = [];
  // Steps of the full loops, and of the slow peers (plain-JS kernels), whose time is extrapolated.
  const steps = { W1: q ? 100 : 500, W2: q ? 100 : 500, W3: q ? 5 : 50 };
  const slowSteps = { W1: q ? 10 : 50, W2: q ? 10 : 50, W3: q ? 0 : 1 };
  const reps = q ? 1 : 3;
  const w4Reps = q ? 3 : 10;

  const specs: Record<string, LoopSpec> = { W1: loops.W1, W2: loops.W2, W3: loops.W3, W5: loops.W1 };
  const data: Record<string, LoopData> = {};
  for (const w of ['W1', 'W2', 'W3'] as const) if (want(w) || (w === 'W1' && want('W5'))) data[w] = loopData(loops[w], SEED);
  const w4 = want('W4') ? matmulData(SEED + 1) : null;

  // ------------------------------------------------------------ nn
  // nn cpu runs gemm's relaxed-SIMD build (fused multiply-adds): the default
  // wherever the engine ships relaxed SIMD (Chrome, Edge, Node 22+); on
  // Node 20 fma: 'on' turns V8's flag on. 'plain SIMD' is what Node 20 runs
  // by default. nn cpu uses both cores for large products; 'one thread'
  // compares like with like against the single-threaded peers.
  registerBackend(createCpuBackend({ fma: 'on' }));
  registerBackend(createCpuBackend({ device: 'cpu-1t', threads: 1, fma: 'on' }));
  registerBackend(createCpuBackend({ device: 'cpu-plain', fma: 'off' }));
  registerBackend(createCpuBackend({ device: 'cpu-js', engine: 'js' }));
  const nnPeers: { device: Device; peer: string; slow: boolean; w5?: boolean }[] = [
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
    nnPeers.push({ device: 'gpu', peer: 'nn gpu', slow: true });
  } catch (e) {
    gpuSkip = `cannot start @nn/gpu here: ${(e as Error).message.split('\n')[0]!.slice(0, 300)}`;
    progress(`nn gpu skipped: ${gpuSkip}`);
  }
  const runtimeOf = (d: Device): string => {
    const i = getBackend(d).info;
    return `${i.name} ${i.runtime}${i.fallback ? ' (FALLBACK)' : ''}${i.note ? ` — ${i.note}` : ''}`;
  };

  type Measure = { workload: string; peer: string; runtime: string; t: Timing | null; stepsRun: number; stepsFull: number; flopsFull: number; skipped?: string };
  const measured: Measure[] = [];
  const addLoop = (workload: string, peer: string, runtime: string, spec: LoopSpec, stepsRun: number, run: () => Timing | null, skipped?: string): void => {
    // The full workload of this run (fewer steps under --quick); slow peers run part of it.
    const key = workload.startsWith('W5') ? 'W1' : workload;
    const stepsFull = (steps as Record<string, number>)[key] ?? spec.steps;
    if (skipped) {
      measured.push({ workload, peer, runtime, t: null, stepsRun: 0, stepsFull, flopsFull: 0, skipped });
      return;
    }
    progress(`${workload} ${peer} (${stepsRun} steps)...`);
    const t = run();
    measured.push({ workload, peer, runtime, t, stepsRun, stepsFull, flopsFull: loopFlops(spec) * stepsFull });
  };

  for (const p of nnPeers) {
    const rt = runtimeOf(p.device);
    // W5 is judged as a ratio to W1: time the three loops in interleaved rounds,
    // so that other processes disturb them alike.
    let w5: Record<string, Timing> | null = null;
    if (want('W5') && p.w5) {
      const lr = loops.W1.lr;
      const fns: Record<string, (s: number) => number[]> = {
        W1: (s) => manualLoop(data.W1!, p.device, lr, s),
        'W5 autograd': (s) => autogradLoop(data.W1!, p.device, lr, s),
        'W5 layers': (s) => layersLoop(data.W1!, p.device, lr, s),
      };
      progress(`W1 and W5 ${p.peer}, interleaved (${steps.W1} steps)...`);
      w5 = timeInterleaved(fns, steps.W1, q ? 1 : 5, 20);
    }
    for (const w of ['W1', 'W2', 'W3'] as const) {
      if (!want(w)) continue;
      const n = p.slow ? slowSteps[w] : steps[w];
      if (n === 0) addLoop(w, p.peer, rt, loops[w], 0, () => null, 'too slow for --quick');
      else if (w === 'W1' && w5) addLoop(w, p.peer, rt, loops[w], n, () => w5!.W1!);
      else {
        const r = loopReps(w, p.slow, reps);
        addLoop(w, p.peer, rt, loops[w], n, () => timeLoop((s) => manualLoop(data[w]!, p.device, loops[w].lr, s), n, r.reps, r.warm));
      }
    }
    if (w5) {
      addLoop('W5 autograd', p.peer, rt, loops.W1, steps.W1, () => w5!['W5 autograd']!);
      addLoop('W5 layers', p.peer, rt, loops.W1, steps.W1, () => w5!['W5 layers']!);
    }
    if (want('W4')) {
      progress(`W4 ${p.peer}...`);
      const a = tensor(w4!.a, { shape: [W4_N, W4_N], device: p.device });
      const b = tensor(w4!.b, { shape: [W4_N, W4_N], device: p.device });
      const t = timeProduct(() => matmulTimed(a, b, p.device === 'gpu'), p.slow ? 1 : w4Reps);
      a.dispose();
      b.dispose();
      measured.push({ workload: 'W4', peer: p.peer, runtime: rt, t, stepsRun: 1, stepsFull: 1, flopsFull: 2 * W4_N ** 3 });
    }
  }
  if (gpuSkip) measured.push({ workload: [...args.only].join(','), peer: 'nn gpu', runtime: '', t: null, stepsRun: 0, stepsFull: 0, flopsFull: 0, skipped: gpuSkip });

  // Per-op overhead: the seed loop at tiny sizes, where kernels cost next to nothing.
  const overhead: Results['overhead'] = [];
  if (want('W1')) {
    const tiny: LoopSpec = { sizes: [4, 8, 8, 2], lr: 1e-3, steps: 2000 };
    const d = loopData(tiny, SEED);
    for (const p of nnPeers.filter((x) => x.device !== 'gpu')) {
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
  }

  // ------------------------------------------------------------ TensorFlow.js
  for (const backend of ['wasm', 'cpu'] as const) {
    const peer = `TensorFlow.js ${backend}`;
    const slow = backend === 'cpu';
    let tf;
    try {
      tf = await loadTf(backend);
    } catch (e) {
      measured.push({ workload: [...args.only].join(','), peer, runtime: '', t: null, stepsRun: 0, stepsFull: 0, flopsFull: 0, skipped: (e as Error).message });
      continue;
    }
    const rt = `tfjs-core 4.22 ${tf.runtime}${backend === 'wasm' ? '; transposed products as matMul(transpose(a), b), its fast form' : ''}`;
    for (const w of ['W1', 'W2', 'W3'] as const) {
      if (!want(w)) continue;
      const n = slow ? slowSteps[w] : steps[w];
      if (n === 0) addLoop(w, peer, rt, loops[w], 0, () => null, 'too slow for --quick');
      else {
        const r = loopReps(w, slow, reps);
        addLoop(w, peer, rt, loops[w], n, () => timeLoop((s) => tfManualLoop(tf.tf, data[w]!, loops[w].lr, s, backend === 'wasm'), n, r.reps, r.warm));
      }
    }
    if (want('W4')) {
      progress(`W4 ${peer}...`);
      const t = timeProduct(() => tfMatmulTimed(tf.tf, w4!.a, w4!.b, W4_N), slow ? 1 : w4Reps);
      measured.push({ workload: 'W4', peer, runtime: rt, t, stepsRun: 1, stepsFull: 1, flopsFull: 2 * W4_N ** 3 });
    }
  }

  // ------------------------------------------------------------ PyTorch and NumPy
  const noPython = pythonUnavailable();
  if (noPython) {
    progress(`PyTorch and NumPy skipped: ${noPython}`);
    for (const peer of ['PyTorch', 'NumPy']) measured.push({ workload: [...args.only].join(','), peer, runtime: '', t: null, stepsRun: 0, stepsFull: 0, flopsFull: 0, skipped: noPython });
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'nn-bench-'));
    try {
      const jobs: PythonJob[] = [];
      for (const [w, prefix] of [['W1', 'w1_'], ['W2', 'w2_'], ['W3', 'w3_']] as const) {
        const d = data[w];
        if (!d) continue;
        writeNpy(dir, `${prefix}x`, d.x, d.shapes.x);
        writeNpy(dir, `${prefix}y`, d.y, d.shapes.y);
        d.w.forEach((a, i) => writeNpy(dir, `${prefix}w${i + 1}`, a, d.shapes.w[i]!));
        if (want(w)) for (const peer of ['pytorch', 'numpy'] as const) jobs.push({ peer, workload: w, steps: steps[w], lr: loops[w].lr, reps: w === 'W3' ? 1 : reps });
      }
      if (want('W5')) jobs.push({ peer: 'pytorch', workload: 'W5-autograd', steps: steps.W1, lr: loops.W1.lr, reps });
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
        if (rep.skipped[key]) measured.push({ workload: [...args.only].join(','), peer, runtime: '', t: null, stepsRun: 0, stepsFull: 0, flopsFull: 0, skipped: rep.skipped[key] });
        const rt = key === 'pytorch' ? `torch ${rep.torch}, ${blas}` : `numpy ${rep.numpy}, ${blas}`;
        for (const r of rep.runs.filter((x) => x.peer === key)) {
          const workload = r.workload === 'W5-autograd' ? 'W5 autograd' : r.workload;
          const spec = specs[r.workload.slice(0, 2)]!;
          const t: Timing = { best: r.best, median: r.median, reps: jobs.find((j) => j.peer === key && j.workload === r.workload)!.reps, losses: r.losses };
          measured.push({ workload, peer, runtime: rt, t, stepsRun: r.steps, stepsFull: r.steps, flopsFull: r.workload === 'W4' ? 2 * W4_N ** 3 : loopFlops(spec) * r.steps });
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // ------------------------------------------------------------ table
  const order = ['W1', 'W2', 'W3', 'W4', 'W5 autograd', 'W5 layers'];
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
    const yNorm = m.workload === 'W4' ? 0 : norm(data[m.workload.startsWith('W5') ? 'W1' : m.workload]?.y);
    const lossOk =
      lossDiff === null || loss === null || refLoss == null
        ? null
        : m.workload === 'W4'
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
  rows.sort((a, b) => (order.indexOf(a.workload) + 1 || 99) - (order.indexOf(b.workload) + 1 || 99));

  notes.push('Times are of the whole workload: every step runs the forward pass, reads the loss back to JavaScript/Python (as the seed program\'s `.item()`), computes the gradients and updates the weights. GFLOP/s counts matrix-product flops only.');
  notes.push('`*`: fewer steps ran and the time is scaled to the full workload (steps run / full: ' +
    rows.filter((r) => r.stepsRun && r.stepsRun < r.stepsFull).map((r) => `${r.workload} ${r.peer} ${r.stepsRun}/${r.stepsFull}`).join(', ') + ').');
  notes.push(
    `Best and median of the timed repetitions after one warm-up run (${reps} on the fast peers; nn cpu's W1, W5 autograd and W5 layers run ${q ? 1 : 5} interleaved rounds, ` +
      `so that their ratio is not skewed by other processes); W4 is one ${W4_N}×${W4_N} product (best and median of ${w4Reps} on the fast peers, 1 on the slow ones).`,
  );
  notes.push(
    `Final loss check: each peer's loss after its last step against nn cpu's loss after as many steps, from the same inputs. ` +
      `The column shows the relative difference of the losses; the check compares residual norms √loss, equal within ${LOSS_TOL} relative or ${RESIDUAL_TOL}·‖y‖ absolute ` +
      `(W1 trains its loss down to ~2e-5, where float32 rounding of y_pred alone moves the loss by ~1e-3 relative). W4 compares the squared Frobenius norm of the product within ${LOSS_TOL} relative.`,
  );
  const w1 = rows.find((r) => r.workload === 'W1' && r.peer === 'nn cpu');
  for (const v of ['W5 autograd', 'W5 layers']) {
    const r = rows.find((x) => x.workload === v && x.peer === 'nn cpu');
    if (r?.seconds && w1?.seconds) notes.push(`${v} costs ${(r.seconds / w1.seconds).toFixed(2)}x the manual W1 loop on nn cpu (target ≤ 1.2x).`);
  }

  const results: Results = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
    machine: { ...machine(), loadBefore: round2(loadBefore), loadAfter: round2(loadavg()[0]!) },
    quick: q,
    lossTolerance: LOSS_TOL,
    residualTolerance: RESIDUAL_TOL,
    rows,
    notes,
    overhead,
  };
  console.log(textTable(results));
  if (overhead.length) for (const o of overhead) console.log(`per-op overhead, ${o.peer}: ${o.opMicros.toFixed(2)} µs/op (${o.opsPerStep} ops, ${o.stepMicros.toFixed(1)} µs per tiny step)`);
  for (const n of notes) console.log(`- ${n}`);
  mkdirSync(args.out, { recursive: true });
  const base = args.quick || args.only.size < ALL.length ? 'partial' : 'latest';
  writeFileSync(join(args.out, `${base}.json`), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(args.out, `${base}.md`), markdown(results));
  console.log(`wrote ${join(args.out, base)}.{json,md}`);
  if (base === 'latest') refreshDocs(markdown(results));
  const bad = rows.filter((r) => r.lossOk === false);
  for (const b of [...nnPeers.map((p) => p.device)]) getBackend(b).dispose?.();
  if (bad.length) {
    console.error(`final losses differ beyond ${LOSS_TOL}: ${bad.map((r) => `${r.workload} ${r.peer}`).join(', ')}`);
    process.exitCode = 1;
  }
}

/** Put the latest table into docs/bench.md between its bench:start/bench:end markers. */
function refreshDocs(table: string): void {
  const file = fileURLToPath(new URL('../../../docs/bench.md', import.meta.url));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return;
  writeFileSync(file, `${text.slice(0, i + start.length)}\n${table}${text.slice(j)}`);
  console.log(`updated ${file}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
