// Measure @nn/gpu on whatever real GPU path this machine has: matmul GFLOP/s
// and the seed program's loop time, with the gpu.js kernel class that ran.
//   node device-check.mjs --mode webgpu|headlessgl [--out DIR] [--sizes 512,1024,2048] [--steps 500]
// webgpu runs on Dawn (npm `webgpu`) over the machine's Vulkan driver.
import { writeFileSync, mkdirSync } from 'node:fs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const mode = args.mode ?? 'webgpu';
const out = args.out ?? process.env.OUT ?? '.';
const sizes = (args.sizes ?? '256,512,1024,2048').split(',').map(Number);
const steps = Number(args.steps ?? 500);
const budgetMs = Number(args.budget ?? 1500);
const say = (...m) => console.log(`[device-check ${mode}]`, ...m);
const result = { mode, node: process.version, started: new Date().toISOString(), steps: [] };
const save = () => {
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}/device-check-${mode}.json`, JSON.stringify(result, null, 2));
};
const step = async (name, fn) => {
  const t0 = performance.now();
  try {
    const r = await fn();
    result.steps.push({ name, ok: true, ms: Math.round(performance.now() - t0) });
    return r;
  } catch (e) {
    say(`${name} FAILED: ${e?.stack ?? e}`);
    result.steps.push({ name, ok: false, error: String(e?.message ?? e) });
    save();
    throw e;
  }
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
  const { createGpuBackend } = await import('@nn/gpu');
  const gpu = await step('createGpuBackend', () => createGpuBackend({ mode }));
  core.registerBackend(gpu);
  result.info = gpu.info;
  result.kernelClass = gpu.kernelClass();
  say('runtime', gpu.info.runtime, '| kernel class', result.kernelClass, '| fallback', gpu.info.fallback, '|', gpu.info.note);

  const sync = gpu.readSync !== undefined;
  const read = async (t) => (sync ? t.dataSync() : await t.data());

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
  });

  // ---- matmul GFLOP/s: n×n·n×n, launches back to back, one readback at the end.
  result.matmul = [];
  for (const n of sizes) {
    await step(`matmul ${n}`, async () => {
      core.manualSeed(n);
      const a = core.randn([n, n], { device: 'gpu' });
      const b = core.randn([n, n], { device: 'gpu' });
      let c = a.mm(b);
      const t0 = performance.now();
      const first = await read(c);
      const firstMs = performance.now() - t0; // compile + one run + readback
      // correctness on a few entries against float64 on the host
      const ha = await read(a);
      const hb = await read(b);
      let maxErr = 0;
      for (let s = 0; s < 8; s++) {
        const i = (s * 7919) % n;
        const j = (s * 104729) % n;
        let want = 0;
        for (let p = 0; p < n; p++) want += ha[i * n + p] * hb[p * n + j];
        maxErr = Math.max(maxErr, Math.abs(first[i * n + j] - want) / Math.sqrt(n));
      }
      c.dispose();
      // time: double the repetitions until the run takes budgetMs
      let reps = 1;
      let ms = 0;
      for (;;) {
        const t1 = performance.now();
        for (let r = 0; r < reps; r++) {
          c?.dispose();
          c = a.mm(b);
        }
        await read(c);
        ms = performance.now() - t1;
        if (ms >= budgetMs || reps >= 4096) break;
        reps *= 2;
      }
      const t2 = performance.now();
      await read(c);
      const readMs = performance.now() - t2;
      const gflops = (2 * n ** 3 * reps) / ((ms - readMs) / 1000) / 1e9;
      const row = { n, reps, ms: +ms.toFixed(1), readbackMs: +readMs.toFixed(2), gflops: Number(gflops.toPrecision(4)), firstCallMs: +firstMs.toFixed(1), maxErrOverSqrtK: maxErr };
      result.matmul.push(row);
      say(`matmul ${n}×${n}·${n}×${n}: ${row.gflops} GFLOP/s (${reps} reps in ${row.ms} ms, readback ${row.readbackMs} ms, first call ${row.firstCallMs} ms, max err/sqrt(k) ${maxErr.toExponential(2)})`);
      for (const t of [a, b, c]) t.dispose();
      save();
    });
  }

  // ---- the seed program: two-layer net, manual backprop, loss read when t % 100 == 99
  // (core/testing's one copy of it, as the test suites and the bench use).
  await step('seed loop', async () => {
    const { seedNet, seedStep } = await import('@nn/core/testing');
    const net = seedNet('gpu');
    const lr = 1e-6;
    const m0 = core.memory().gpu;
    const losses = [];
    let firstStepMs = 0;
    const t0 = performance.now();
    for (let t = 0; t < steps; t++) {
      const ts = performance.now();
      const loss = core.scope(() => {
        const l = seedStep(net, lr);
        return t % 100 === 99 ? l : null;
      });
      if (loss) {
        const v = (await read(loss))[0];
        losses.push([t, v]);
        say(`${t} ${v}`);
        loss.dispose();
      }
      if (t === 0) {
        await read(net.w[1]);
        firstStepMs = performance.now() - ts;
      }
    }
    await read(net.w[1]); // wait for the device to finish
    const ms = performance.now() - t0;
    const m1 = core.memory().gpu;
    result.seedLoop = {
      steps,
      ms: +ms.toFixed(1),
      msPerStepAfterFirst: +((ms - firstStepMs) / (steps - 1)).toFixed(3),
      firstStepMs: +firstStepMs.toFixed(1),
      losses,
      counters: Object.fromEntries(Object.keys(m1).map((k) => [k, m1[k] - m0[k]])),
    };
    say(`seed loop: ${steps} steps in ${ms.toFixed(0)} ms (${result.seedLoop.msPerStepAfterFirst} ms/step after the first, first ${firstStepMs.toFixed(0)} ms); counters ${JSON.stringify(result.seedLoop.counters)}`);
  });
  result.kernelClassAtEnd = gpu.kernelClass();
  say('kernel class at the end:', result.kernelClassAtEnd);
  result.ok = true;
} catch (e) {
  result.ok = false;
  result.error = String(e?.message ?? e);
}
result.finished = new Date().toISOString();
save();
say(result.ok ? 'done' : `FAILED: ${result.error}`, `→ ${out}/device-check-${mode}.json`);
process.exit(result.ok ? 0 : 1);
