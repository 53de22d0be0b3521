// Measure nn on whatever path this machine has, one mode per process:
//   webgpu      @nn/gpu on Dawn (npm `webgpu`) over the machine's Vulkan driver
//   headlessgl  @nn/gpu on headless-gl (needs a display or Xvfb)
//   cpu         @nn/cpu (WebAssembly SIMD gemm) on every core, for scale on the same machine
// Each mode: matmul GFLOP/s, the bench's loops W1/W2/W3 (apps/bench) with launches and compiles per
// step, µs per launch and peak device bytes; gpu modes also the NaN checks, the kernel class that ran
// (asserted) and W1 again on a twin backend with other options (--twin: the older fusion,
// fuse: 'chains', by default; an option createGpuBackend does not have is recorded as refused).
//   node device-check.mjs --mode webgpu|headlessgl|cpu [--out DIR] [--sizes 1024,2048,4096]
//     [--steps 500] [--w3steps 50] [--loops W1,W2,W3] [--budget 1000] [--dump DIR]
//     [--threads N (cpu)] [--twin '{"fuse":"chains"}']
// Writes DIR/device-check-MODE.json after every measurement, so a timeout keeps what was done.
import { writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { loopRun, matmulRate, reader } from './device-check-workloads.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const mode = args.mode ?? 'webgpu';
const out = args.out ?? process.env.OUT ?? '.';
const sizes = (args.sizes ?? '1024,2048,4096').split(',').filter(Boolean).map(Number);
const steps = Number(args.steps ?? 500);
const w3steps = Number(args.w3steps ?? 50);
const loops = (args.loops ?? 'W1,W2,W3').split(',').filter(Boolean);
const budgetMs = Number(args.budget ?? 1000);
// The twin backend's options: the older fusion (only unary and scalar chains) against the default (trees).
const twin = JSON.parse(args.twin ?? '{"fuse":"chains"}');
const twinLabel = Object.entries(twin).map(([k, v]) => `${k}: ${v}`).join(', ');
const expectedClass = { webgpu: 'WebGPUKernel', headlessgl: 'HeadlessGLKernel' }[mode];
const say = (...m) => console.log(`[device-check ${mode}]`, ...m);
const result = { mode, node: process.version, started: new Date().toISOString(), args: { sizes, steps, w3steps, loops, budgetMs }, steps: [], asserts: [] };
const save = () => {
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}/device-check-${mode}.json`, JSON.stringify(result, null, 2));
};
// A set-up step throws on failure (nothing after it can run); a measurement (`must: false`) records it and goes on.
const step = async (name, fn, must = true) => {
  const t0 = performance.now();
  try {
    const r = await fn();
    result.steps.push({ name, ok: true, ms: Math.round(performance.now() - t0) });
    save();
    return r;
  } catch (e) {
    say(`${name} FAILED: ${e?.stack ?? e}`);
    result.steps.push({ name, ok: false, error: String(e?.message ?? e) });
    save();
    if (must) throw e;
    return undefined;
  }
};
const check = (what, ok, detail) => {
  result.asserts.push({ what, ok, detail });
  say(`assert ${what}: ${ok ? 'ok' : 'FAILED'} (${detail})`);
};

try {
  if (mode === 'webgpu') {
    await step('dawn', async () => {
      const webgpu = await import('webgpu');
      Object.assign(globalThis, webgpu.globals);
      const gpu = webgpu.create([]);
      globalThis.navigator = { gpu };
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) throw new Error(`Dawn found no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? ''}, VK_DRIVER_FILES=${process.env.VK_DRIVER_FILES ?? ''})`);
      const info = adapter.info ?? {};
      result.adapter = { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description };
      say('adapter', JSON.stringify(result.adapter));
    });
  }

  if (mode === 'headlessgl') {
    await step('gl renderer', async () => {
      // Which driver headless-gl really renders with: a GPU's, or Mesa's llvmpipe on the CPU.
      const { createRequire } = await import('node:module');
      const gl = createRequire(import.meta.url)('gl')(1, 1);
      if (!gl) throw new Error('headless-gl gave no context (no display?)');
      const dbg = gl.getExtension('WEBGL_debug_renderer_info');
      result.gl = {
        vendor: gl.getParameter(gl.VENDOR),
        renderer: gl.getParameter(gl.RENDERER),
        version: gl.getParameter(gl.VERSION),
        unmaskedRenderer: dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : null,
        maxTextureSize: gl.getParameter(gl.MAX_TEXTURE_SIZE),
      };
      say('gl', JSON.stringify(result.gl));
    });
  }

  const core = await import('@nn/core');
  const testing = await import('@nn/core/testing');
  let backend;
  let device;
  if (mode === 'cpu') {
    const { createCpuBackend } = await import('@nn/cpu');
    const threads = Math.min(64, Number(args.threads ?? availableParallelism()));
    // fma 'on' sets Node 20's relaxed-SIMD flag (as the bench does); where that fails, the default build.
    backend = await step('createCpuBackend', async () => {
      try {
        return createCpuBackend({ threads, fma: 'on' });
      } catch (e) {
        say(`fma 'on' refused (${e?.message ?? e}); using fma 'auto'`);
        return createCpuBackend({ threads });
      }
    });
    device = 'cpu';
    result.threads = threads;
  } else {
    const { createGpuBackend } = await import('@nn/gpu');
    backend = await step('createGpuBackend', () => createGpuBackend({ mode }));
    device = 'gpu';
  }
  core.registerBackend(backend);
  result.info = backend.info;
  say('runtime', backend.info.runtime, '| fallback', backend.info.fallback, '|', backend.info.note);
  const read = reader(backend);
  const sync = backend.readSync !== undefined;

  if (mode !== 'cpu') {
    // ---- NaN and ±Inf through relu, clamp, maximum, minimum, as PyTorch gives them
    // (shader compilers may drop NaN in max/min, or fold a NaN test away).
    await step('nan', async () => {
      const a = core.tensor([NaN, -1, 2, -Infinity, Infinity], { device: 'gpu' });
      const ones = core.tensor([1, 1, 1, 1, 1], { device: 'gpu' });
      const want = {
        relu: [NaN, 0, 2, 0, Infinity],
        clampMin: [NaN, 0, 2, 0, Infinity],
        clampMax: [NaN, -1, 0, -Infinity, 0],
        maximumRight: [NaN, 1, 2, 1, Infinity],
        minimumLeft: [NaN, -1, 1, -Infinity, 1],
      };
      const got = {
        relu: a.relu(),
        clampMin: a.clamp({ min: 0 }),
        clampMax: a.clamp({ max: 0 }),
        maximumRight: ones.maximum(a),
        minimumLeft: a.minimum(1),
      };
      result.nan = {};
      for (const [k, t] of Object.entries(got)) {
        const v = Array.from(await read(t));
        const ok = v.every((x, i) => Object.is(x, want[k][i]) || (Number.isNaN(x) && Number.isNaN(want[k][i])) || x === want[k][i]);
        result.nan[k] = { got: v.map(String), ok };
        t.dispose();
      }
      say('nan', JSON.stringify(result.nan));
      for (const t of [a, ones]) t.dispose();
    }, false);
    result.kernelClass = backend.kernelClass();
    check('kernel class', result.kernelClass === expectedClass, `${result.kernelClass}, expected ${expectedClass}`);
    check('no fallback', backend.info.fallback === false, `info.fallback ${backend.info.fallback}`);
    check('NaN/±Inf as PyTorch', !!result.nan && Object.values(result.nan).every((v) => v.ok), JSON.stringify(result.nan ?? 'not run'));
  }

  // ---- matmul GFLOP/s (a size past the device's limit is a refused row, not a failure)
  result.matmul = [];
  for (const n of sizes) {
    await step(`matmul ${n}`, async () => {
      const row = await matmulRate(core, backend, device, n, budgetMs, read, mode !== 'cpu');
      result.matmul.push(row);
      if (!row.refused) check(`matmul ${n} values and launches`, row.ok, `max err/sqrt(k) ${row.maxErrOverSqrtK.toExponential(2)}, ${row.launchesPerProduct} launches per product`);
      if (row.refused) say(`matmul ${n}: refused (${row.errorName}): ${row.error}`);
      else say(`matmul ${n}×${n}·${n}×${n}: ${row.gflops} GFLOP/s (${row.reps} reps in ${row.ms} ms, readback ${row.readbackMs} ms, first call ${row.firstCallMs} ms, ${row.launchesPerProduct} launches per product, max err/sqrt(k) ${row.maxErrOverSqrtK.toExponential(2)})`);
    }, false);
  }

  // ---- the bench's loops: W1 (the seed program), W2 (three layers), W3 (the seed program at scale)
  result.loops = {};
  const runLoop = async (key, name, dev, be) => {
    const n = name === 'W3' ? w3steps : steps;
    if (n <= 0) return;
    await step(`${key} (${n} steps)`, async () => {
      const r = await loopRun(core, testing, be, dev, name, n, read, { say, dump: key === name ? args.dump : undefined });
      result.loops[key] = r;
      say(`${key}: ${n} steps in ${r.ms} ms (first ${r.firstStepMs} ms, then ${r.msPerStepAfterFirst} ms/step); ${r.launchesPerStep} launches/step (${r.launchesFirstStep} in the first), ${r.compilesFirstStep} compiles in the first step and ${r.compilesAfterFirst} after, ${r.usPerLaunch} µs/launch, peak ${(r.peakBytes / 2 ** 20).toFixed(1)} MiB, live buffers ${r.liveBuffersBefore} → ${r.liveBuffersAfter}`);
    }, false);
  };
  for (const name of loops) {
    await runLoop(name, name, device, backend);
    if (name === 'W1' && mode !== 'cpu' && twinLabel) {
      // W1 again on a backend of its own with the twin's options, where createGpuBackend has them.
      const { createGpuBackend } = await import('@nn/gpu');
      let other = null;
      try {
        other = await createGpuBackend({ mode, device: 'gputwin', ...twin });
      } catch (e) {
        result.twin = { available: false, options: twin, why: `${e?.name}: ${String(e?.message ?? e).slice(0, 300)}` };
        say(`W1 with ${twinLabel}: not measured (createGpuBackend(${JSON.stringify(twin)}) refused: ${result.twin.why})`);
      }
      if (other) {
        result.twin = { available: true, options: twin };
        core.registerBackend(other);
        await runLoop(`W1, ${twinLabel}`, 'W1', 'gputwin', other);
        core.unregisterBackend('gputwin');
        other.dispose();
      }
    }
  }
  for (const [k, r] of Object.entries(result.loops)) check(`${k} losses finite`, r.lossesFinite, JSON.stringify(r.losses.slice(-2)));
  if (mode !== 'cpu') {
    result.kernelClassAtEnd = backend.kernelClass();
    check('kernel class at the end', result.kernelClassAtEnd === expectedClass, result.kernelClassAtEnd);
  }
  result.readSync = sync;
  result.ok = result.steps.every((s) => s.ok) && result.asserts.every((a) => a.ok);
  if (!result.ok) result.error = [...result.steps.filter((s) => !s.ok).map((s) => `${s.name}: ${s.error}`), ...result.asserts.filter((a) => !a.ok).map((a) => `assert ${a.what}: ${a.detail}`)].join('; ');
  backend.dispose?.();
} catch (e) {
  result.ok = false;
  result.error = String(e?.message ?? e);
}
result.finished = new Date().toISOString();
save();
say(result.ok ? 'done' : `FAILED: ${result.error}`, `→ ${out}/device-check-${mode}.json`);
process.exit(result.ok ? 0 : 1);
