// The measurements of the device check, for any registered nn device (gpu or cpu):
// matmul GFLOP/s and the bench's training loops W1/W2/W3 with their counters.
// device-check.mjs sets the device up; this file only measures.
import { mkdirSync, writeFileSync } from 'node:fs';

/** The bench's loops (apps/bench/src/workloads.ts): N, then the layer widths; lr. */
export const LOOPS = {
  W1: { sizes: [64, 1000, 100, 10], lr: 1e-6 },
  W2: { sizes: [64, 1000, 100, 100, 10], lr: 1e-8 },
  W3: { sizes: [512, 4096, 1024, 64], lr: 1e-9 },
};

/** Matrix-product flops of one manual step (forward, weight and input gradients; elementwise work not counted). */
export function loopFlops(sizes) {
  const n = sizes[0];
  let f = 0;
  for (let i = 1; i < sizes.length - 1; i++) f += 2 * n * sizes[i] * sizes[i + 1] * (i === 1 ? 2 : 3);
  return f;
}

/** The steps whose loss is read back: t % every === every − 1 (every 100 as the seed program; every 10 for short loops). */
export function logEvery(steps) {
  return steps >= 200 ? 100 : 10;
}

/** Read a tensor to the host: dataSync where the backend can, else await data(). */
export function reader(backend) {
  return backend.readSync !== undefined ? async (t) => t.dataSync() : async (t) => await t.data();
}

/**
 * n×n·n×n GFLOP/s on `device`: one first call (compile + run + readback), a check of 8 entries
 * against float64 on the host, then back-to-back products doubling until `budgetMs`, one readback
 * at the end (an asynchronous queue is timed to completion). @nn/gpu defers a product until
 * something reads it (fuse 'trees'), and one nobody reads never runs: so each product is made to
 * run by a 1×n·n×1 product of its first row (a matmul operand is computed first, in one launch;
 * the tiny product stays deferred and unread). launchesPerProduct (from stats()) shows that each
 * ran. A refusal (too large for the device) is returned as a row with `refused`, not thrown.
 */
export async function matmulRate(core, backend, device, n, budgetMs, read, deferred = true) {
  let a, b, c, v;
  try {
    core.manualSeed(n);
    a = core.randn([n, n], { device });
    b = core.randn([n, n], { device });
    v = core.ones([n, 1], { device });
    // (The cpu backend runs every op at once: no forcing there.)
    // The row view is freed too: left alive it would hold every rep's product buffer.
    const force = deferred
      ? () => {
          const row = c.narrow(0, 0, 1);
          row.mm(v).dispose();
          row.dispose();
        }
      : () => {};
    const t0 = performance.now();
    c = a.mm(b);
    const first = await read(c);
    const firstCallMs = performance.now() - t0;
    const [ha, hb] = [await read(a), await read(b)];
    let maxErr = 0;
    for (let s = 0; s < 8; s++) {
      const i = (s * 7919) % n;
      const j = (s * 104729) % n;
      let want = 0;
      for (let p = 0; p < n; p++) want += ha[i * n + p] * hb[p * n + j];
      maxErr = Math.max(maxErr, Math.abs(first[i * n + j] - want) / Math.sqrt(n));
    }
    let reps = 1;
    let ms = 0;
    let launches = 0;
    for (;;) {
      const k0 = backend.stats().kernels;
      const t1 = performance.now();
      for (let r = 0; r < reps; r++) {
        c.dispose();
        c = a.mm(b);
        force();
      }
      await read(c);
      ms = performance.now() - t1;
      launches = (backend.stats().kernels - k0) / reps;
      if (ms >= budgetMs || reps >= 4096) break;
      reps *= 2;
    }
    const t2 = performance.now();
    await read(c);
    const readbackMs = performance.now() - t2;
    const gflops = (2 * n ** 3 * reps) / (Math.max(ms - readbackMs, 1e-3) / 1000) / 1e9;
    return { n, reps, ms: +ms.toFixed(1), readbackMs: +readbackMs.toFixed(2), gflops: Number(gflops.toPrecision(4)), firstCallMs: +firstCallMs.toFixed(1), maxErrOverSqrtK: maxErr, launchesPerProduct: launches, ok: maxErr < 1e-3 && launches >= 1 };
  } catch (e) {
    return { n, refused: true, errorName: e?.name ?? 'Error', error: String(e?.message ?? e).slice(0, 600) };
  } finally {
    for (const t of [a, b, c, v]) t?.dispose();
  }
}

/** Write the seeded inputs of a loop (x, y, w1, …: float32, row-major, in order) for device-check-torch.py. */
export async function dumpLoop(dir, name, net, sizes, read) {
  mkdirSync(dir, { recursive: true });
  const parts = [];
  for (const t of [net.x, net.y, ...net.w]) parts.push(await read(t));
  const bytes = Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
  writeFileSync(`${dir}/${name}.f32`, bytes);
  writeFileSync(`${dir}/${name}.json`, JSON.stringify({ sizes, shapes: [net.x.shape, net.y.shape, ...net.w.map((w) => w.shape)] }));
}

/**
 * One of the bench's loops on `device` (core/testing's seedNet and seedStep, the suites' one copy):
 * `steps` steps, the loss read at t % logEvery(steps) = every − 1, timed in total and after the first
 * step. Counters are the backend's stats() deltas: launches and compiles per step after the first;
 * peak bytes is the most the backend held, sampled at the end of every step's body (before its
 * scope frees the step's temporaries), as BackendStats has no peak of its own.
 */
export async function loopRun(core, testing, backend, device, name, steps, read, opts = {}) {
  const { sizes, lr } = LOOPS[name];
  const before = backend.stats().buffers;
  const net = testing.seedNet(device, { sizes });
  if (opts.dump) await dumpLoop(opts.dump, name, net, sizes, read);
  const every = logEvery(steps);
  const s0 = backend.stats();
  let s1 = s0;
  let peakBytes = s0.bytes;
  const losses = [];
  let firstStepMs = 0;
  const t0 = performance.now();
  for (let t = 0; t < steps; t++) {
    const loss = core.scope(() => {
      const l = testing.seedStep(net, lr);
      peakBytes = Math.max(peakBytes, backend.stats().bytes);
      return t % every === every - 1 ? l : null;
    });
    if (loss) {
      const v = (await read(loss))[0];
      losses.push([t, v]);
      opts.say?.(`${name} ${t} ${v}`);
      loss.dispose();
    }
    if (t === 0) {
      await read(net.w[net.w.length - 1]);
      firstStepMs = performance.now() - t0;
      s1 = backend.stats();
    }
  }
  await read(net.w[net.w.length - 1]); // the queue is done
  const ms = performance.now() - t0;
  const s2 = backend.stats();
  const after = steps - 1;
  const launchesPerStep = after > 0 ? (s2.kernels - s1.kernels) / after : s1.kernels - s0.kernels;
  const msPerStepAfterFirst = after > 0 ? (ms - firstStepMs) / after : firstStepMs;
  for (const t of [net.x, net.y, ...net.w]) t.dispose();
  const s3 = backend.stats();
  const nan = losses.filter(([, v]) => !Number.isFinite(v)).length;
  return {
    name,
    sizes,
    lr,
    steps,
    ms: +ms.toFixed(1),
    firstStepMs: +firstStepMs.toFixed(1),
    msAfterFirst: +(ms - firstStepMs).toFixed(1),
    msPerStepAfterFirst: +msPerStepAfterFirst.toFixed(4),
    gflopsAfterFirst: after > 0 ? Number(((loopFlops(sizes) * after) / ((ms - firstStepMs) / 1000) / 1e9).toPrecision(4)) : null,
    launchesFirstStep: s1.kernels - s0.kernels,
    compilesFirstStep: s1.compiles - s0.compiles,
    launchesPerStep: +launchesPerStep.toFixed(2),
    compilesAfterFirst: s2.compiles - s1.compiles,
    usPerLaunch: launchesPerStep > 0 ? +((msPerStepAfterFirst * 1000) / launchesPerStep).toFixed(2) : null,
    peakBytes,
    liveBuffersBefore: before,
    liveBuffersAfter: s3.buffers,
    counters: Object.fromEntries(Object.keys(s2).map((k) => [k, s2[k] - s0[k]])),
    losses,
    lossesFinite: nan === 0,
  };
}
