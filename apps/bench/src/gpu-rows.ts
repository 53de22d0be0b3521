import { existsSync } from 'node:fs';
import { getBackend, manualSeed, randnArray, registerBackend, scope, tensor, unregisterBackend, type Backend, type Device, type Tensor } from '@nn/core';
import { seedStep } from '@nn/core/testing';
import { progress } from './measurements.js';
import { loopFlops, loops, type LoopData } from './workloads.js';

// The nn gpu rows: W1 (fewer steps) and small products on every gpu path this machine
// can open — headless-gl (Mesa's llvmpipe under xvfb-run, or a GPU's GL) and Dawn
// (SwiftShader's Vulkan, or a GPU's). On a machine without a GPU their times are a
// software rasteriser's, so they are read as ratios to nn cpu in the same run and as
// launches per step (a count, the same everywhere), never as absolute times.

/** SwiftShader's Vulkan driver as Debian's Chromium ships it: Dawn's device where no GPU driver is named. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Which rows a twin runs: W1 (the fusion's twin) or the products (the matmul kernel's). */
export type TwinRuns = 'W1' | 'matmul';

/**
 * Each path's twins, opened beside it with createGpuBackend's `options` and timed on the rows
 * they change, against the path's default in the same run: the older fusion (only unary and
 * scalar chains deferred) on W1, and the plain one-output-per-thread matmul on the products.
 */
export const TWINS: readonly { options: Record<string, string>; runs: TwinRuns }[] = [
  { options: { fuse: 'chains' }, runs: 'W1' },
  { options: { matmul: 'plain' }, runs: 'matmul' },
];

/** One gpu path of the section: its device name, what runs behind it, and whether it is a twin (TWINS) of another. */
export interface GpuPath {
  device: Device;
  /** `nn gpu, headless-gl` / `nn gpu, Dawn`, with `, fuse: chains` for a twin. */
  peer: string;
  /** Kernel class and what it runs on (renderer or adapter). */
  runtime: string;
  /** The peer this one is the twin of. */
  twinOf?: string;
  /** A twin's rows (a path runs them all). */
  runs?: TwinRuns;
}

/** One row of the section: a W1 run or a product on one path. */
export interface GpuRow {
  what: string;
  peer: string;
  runtime: string;
  /** Milliseconds per step (W1) or per product, best of the timed runs. */
  ms: number | null;
  /** Products' GFLOP/s (W1: its matrix-product flops per step). */
  gflops: number | null;
  launchesPerStep: number | null;
  /** Compilations during the timed runs (after a warm-up; nonzero means a kernel was not cached). */
  compiles: number | null;
  /** This path's time over nn cpu's for the same work in the same run (> 1: slower than nn cpu). */
  vsCpu: number | null;
  /** A twin's time over its path's: the older fusion or the plain matmul over the default (> 1: the default is faster). */
  vsDefault?: number | null;
  /** A twin's path (the peer whose default it is timed against). */
  twinOf?: string;
  /** Loss after the last step (W1) or ‖C‖² (products), and whether it matches nn cpu's within 1e-3 relative. */
  check: number | null;
  checkOk: boolean | null;
  skipped?: string;
}

type GpuModule = { createGpuBackend(o: Record<string, unknown>): Promise<Backend & { kernelClass(): string }> };

async function gpuModule(): Promise<GpuModule> {
  const spec = '@nn/gpu';
  return (await import(spec)) as GpuModule;
}

/** Give Node a WebGPU navigator.gpu from Dawn (npm `webgpu`), on SwiftShader unless VK_ICD_FILENAMES names a driver; the adapter's description. */
async function installDawn(): Promise<string> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const spec = 'webgpu';
  const webgpu = (await import(spec)) as { globals: object; create(o: string[]): { requestAdapter(): Promise<{ info?: { description?: string; device?: string } } | null> } };
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create([]);
  (globalThis as { navigator?: unknown }).navigator = { gpu };
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error(`Dawn found no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'})`);
  return adapter.info?.description || adapter.info?.device || 'unknown adapter';
}

/**
 * Open every gpu path this machine has (headless-gl, Dawn), each with its twins (TWINS) where
 * createGpuBackend has the option; the ones that cannot open are returned with why.
 */
export async function openGpuPaths(): Promise<{ paths: GpuPath[]; skipped: { peer: string; why: string }[] }> {
  const paths: GpuPath[] = [];
  const skipped: { peer: string; why: string }[] = [];
  let mod: GpuModule;
  try {
    mod = await gpuModule();
  } catch (e) {
    return { paths, skipped: [{ peer: 'nn gpu', why: `cannot load @nn/gpu: ${(e as Error).message.split('\n')[0]}` }] };
  }
  const kinds = [
    { mode: 'headlessgl', peer: 'nn gpu, headless-gl', device: 'gpu-gl', setup: async () => '' },
    { mode: 'webgpu', peer: 'nn gpu, Dawn', device: 'gpu-dawn', setup: installDawn },
  ];
  for (const k of kinds) {
    try {
      const where = await k.setup();
      const b = await mod.createGpuBackend({ mode: k.mode, device: k.device });
      registerBackend(b);
      const runtime = `@nn/gpu ${b.info.runtime}${where ? ` on ${where}` : ''}`;
      paths.push({ device: k.device, peer: k.peer, runtime });
      for (const t of TWINS) {
        const label = Object.entries(t.options).map(([o, v]) => `${o}: ${v}`).join(', ');
        try {
          const twin = await mod.createGpuBackend({ mode: k.mode, device: `${k.device}-${Object.values(t.options).join('-')}`, ...t.options });
          registerBackend(twin);
          paths.push({ device: twin.device, peer: `${k.peer}, ${label}`, runtime, twinOf: k.peer, runs: t.runs });
        } catch (e) {
          progress(`${k.peer}: no ${label} row (${(e as Error).message.split('\n')[0]!.slice(0, 200)})`);
        }
      }
    } catch (e) {
      const why = (e as Error).message.split('\n')[0]!.slice(0, 300);
      skipped.push({ peer: k.peer, why });
      progress(`${k.peer} skipped: ${why}`);
    }
  }
  return { paths, skipped };
}

/** Close the paths openGpuPaths opened. */
export function closeGpuPaths(paths: readonly GpuPath[]): void {
  for (const p of paths) {
    getBackend(p.device).dispose?.();
    unregisterBackend(p.device);
  }
}

async function read(t: Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

/**
 * W1 on `device`, the loss read back every step (as the bench's W1, awaited: Dawn reads only
 * asynchronously): `steps` steps after a 2-step warm-up that compiles the kernels, best of `reps`.
 */
export async function gpuLoop(d: LoopData, device: Device, lr: number, steps: number, reps: number): Promise<{ msPerStep: number; launchesPerStep: number; compiles: number; losses: number[] }> {
  const backend = getBackend(device);
  const run = async (n: number): Promise<number[]> => {
    const net = { x: tensor(d.x, { shape: d.shapes.x, device }), y: tensor(d.y, { shape: d.shapes.y, device }), w: d.w.map((w, i) => tensor(w, { shape: d.shapes.w[i]!, device })) };
    const losses: number[] = [];
    for (let t = 0; t < n; t++) {
      const loss = scope(() => seedStep(net, lr));
      losses.push((await read(loss))[0]!);
      loss.dispose();
    }
    for (const t of [net.x, net.y, ...net.w]) t.dispose();
    return losses;
  };
  await run(Math.min(2, steps));
  let best = Infinity;
  let losses: number[] = [];
  const s0 = backend.stats();
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    losses = await run(steps);
    best = Math.min(best, (performance.now() - t0) / steps);
  }
  const s1 = backend.stats();
  return { msPerStep: best, launchesPerStep: (s1.kernels - s0.kernels) / (steps * reps), compiles: s1.compiles - s0.compiles, losses };
}

/** An n×n product on `device`, timed to its readback after one warm-up; best of `reps`, with ‖C‖² and the launches per product. */
export async function gpuProduct(a: Float32Array, b: Float32Array, n: number, device: Device, reps: number): Promise<{ ms: number; launches: number; compiles: number; check: number }> {
  const backend = getBackend(device);
  const [ta, tb] = [tensor(a, { shape: [n, n], device }), tensor(b, { shape: [n, n], device })];
  const once = async (): Promise<{ ms: number; v: Float32Array }> => {
    const t0 = performance.now();
    const c = ta.mm(tb);
    const v = await read(c);
    const ms = performance.now() - t0;
    c.dispose();
    return { ms, v };
  };
  await once();
  const s0 = backend.stats();
  let best = Infinity;
  let v: Float32Array = new Float32Array();
  for (let r = 0; r < reps; r++) {
    const m = await once();
    best = Math.min(best, m.ms);
    v = m.v;
  }
  const s1 = backend.stats();
  ta.dispose();
  tb.dispose();
  let check = 0;
  for (let i = 0; i < v.length; i++) check += v[i]! * v[i]!;
  return { ms: best, launches: (s1.kernels - s0.kernels) / reps, compiles: s1.compiles - s0.compiles, check };
}

/** What the section measures: W1's inputs and steps, the product sizes and their inputs, timed repetitions. */
export interface GpuPlan {
  w1: LoopData | null;
  lr: number;
  steps: number;
  sizes: number[];
  products: Record<number, { a: Float32Array; b: Float32Array }>;
  reps: number;
  /** W1's flops per step, for its GFLOP/s. */
  w1Flops: number;
}

const relDiff = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);

/** The section's rows: nn cpu first (the reference of every ratio and check), then each gpu path; skipped paths say why. */
export async function measureGpuRows(plan: GpuPlan, paths: readonly GpuPath[], skipped: readonly { peer: string; why: string }[], cpu: Device = 'cpu'): Promise<GpuRow[]> {
  const rows: GpuRow[] = [];
  const all = [{ device: cpu, peer: 'nn cpu', runtime: getBackend(cpu).info.runtime } as GpuPath, ...paths];
  const ref = new Map<string, { ms: number; check: number }>();
  const fused = new Map<string, number>();
  for (const p of all) {
    const isRef = p.device === cpu;
    const add = (what: string, ms: number, gflops: number, launches: number, compiles: number, check: number, tol: number): void => {
      const r = ref.get(what);
      if (isRef) ref.set(what, { ms, check });
      if (!p.twinOf) fused.set(`${p.peer}|${what}`, ms);
      const f = p.twinOf ? fused.get(`${p.twinOf}|${what}`) : undefined;
      rows.push({
        what,
        peer: p.peer,
        runtime: p.runtime,
        ms,
        gflops,
        launchesPerStep: launches,
        compiles,
        vsCpu: r ? ms / r.ms : isRef ? 1 : null,
        ...(p.twinOf ? { vsDefault: f ? ms / f : null, twinOf: p.twinOf } : {}),
        check,
        checkOk: r ? relDiff(check, r.check) <= tol : null,
      });
    };
    try {
      if (plan.w1 && plan.steps > 0 && (!p.twinOf || p.runs === 'W1')) {
        progress(`gpu rows: W1 ${p.peer} (${plan.steps} steps)...`);
        const w = await gpuLoop(plan.w1, p.device, plan.lr, plan.steps, plan.reps);
        // The loss after steps steps, a difference of nearly equal float32 numbers late in W1: compared within 1e-3.
        add(`W1, ${plan.steps} steps`, w.msPerStep, plan.w1Flops / (w.msPerStep / 1000) / 1e9, w.launchesPerStep, w.compiles, w.losses[w.losses.length - 1]!, 1e-3);
      }
      // A lone product has nothing to fuse: only the matmul kernel's twin runs the products.
      for (const n of !p.twinOf || p.runs === 'matmul' ? plan.sizes : []) {
        progress(`gpu rows: matmul ${n}³ ${p.peer}...`);
        const { a, b } = plan.products[n]!;
        const m = await gpuProduct(a, b, n, p.device, plan.reps);
        add(`matmul ${n}³`, m.ms, (2 * n ** 3) / (m.ms / 1000) / 1e9, m.launches, m.compiles, m.check, 1e-3);
      }
    } catch (e) {
      rows.push(skippedRow(p.peer, `failed: ${(e as Error).message.split('\n')[0]!.slice(0, 300)}`));
    }
  }
  for (const s of skipped) rows.push(skippedRow(s.peer, s.why));
  return rows;
}

function skippedRow(peer: string, why: string): GpuRow {
  return { what: '—', peer, runtime: '', ms: null, gflops: null, launchesPerStep: null, compiles: null, vsCpu: null, check: null, checkOk: null, skipped: why };
}

const f3 = (x: number | null | undefined): string => (x == null ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(3));

/** The section as Markdown: one table, its columns explained. */
export function gpuMarkdown(rows: readonly GpuRow[]): string {
  if (!rows.length) return '';
  const head = ['what', 'peer', 'runtime', 'ms per step or product', 'GFLOP/s', 'launches per step', 'compiles (timed)', 'time vs nn cpu', 'twin vs its path', 'check vs nn cpu'];
  const out = ['nn gpu rows (software rasterisers where the machine has no GPU: read the ratios and the launch counts, not the times):', '', `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const cells = r.skipped
      ? [r.what, r.peer, `skipped: ${r.skipped}`, '—', '—', '—', '—', '—', '—', '—']
      : [r.what, r.peer, r.runtime, f3(r.ms), f3(r.gflops), f3(r.launchesPerStep), String(r.compiles ?? '—'), r.vsCpu == null ? '—' : `${r.vsCpu.toFixed(2)}x`, r.vsDefault == null ? '—' : `${r.vsDefault.toFixed(2)}x`, r.check == null ? '—' : `${r.check.toPrecision(6)}${r.checkOk === null ? ' (reference)' : r.checkOk ? ' ok' : ' MISMATCH'}`];
    out.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  const ratios = twinRatios(rows);
  if (ratios.length) out.push('', "Same-run ratios, each twin's time over its path's default (> 1: the default is faster):", '', ...ratios.map((l) => `- ${l}`));
  return out.join('\n') + '\n';
}

/** One line per twin row: `matmul 512³, nn gpu, Dawn: default (blocked) 2.41x the speed of matmul: plain`. */
export function twinRatios(rows: readonly GpuRow[]): string[] {
  const lines: string[] = [];
  for (const r of rows) {
    if (!r.twinOf || r.vsDefault == null) continue;
    const label = r.peer.startsWith(`${r.twinOf}, `) ? r.peer.slice(r.twinOf.length + 2) : r.peer;
    const kind = label.startsWith('matmul') ? ' (blocked)' : label.startsWith('fuse') ? ' (fuse: trees)' : '';
    lines.push(`${r.what}, ${r.twinOf}: default${kind} ${r.vsDefault.toFixed(2)}x the speed of ${label}`);
  }
  return lines;
}

/** The section's plan from the run's: W1 when W1 is asked for, the products when W4 is; null when neither (or --no-gpu-rows). */
export function makeGpuPlan(plan: { want(w: string): boolean; quick: boolean; data: Record<string, LoopData> }, enabled: boolean, seed: number): GpuPlan | null {
  const w1 = plan.want('W1') ? plan.data.W1 ?? null : null;
  const sizes = plan.want('W4') ? [256, 512] : [];
  if (!enabled || (!w1 && !sizes.length)) return null;
  const products: GpuPlan['products'] = {};
  for (const n of sizes) {
    manualSeed(seed + n);
    products[n] = { a: randnArray(n * n), b: randnArray(n * n) };
  }
  return { w1, lr: loops.W1.lr, steps: plan.quick ? 5 : 20, sizes, products, reps: plan.quick ? 1 : 3, w1Flops: loopFlops(loops.W1) };
}
