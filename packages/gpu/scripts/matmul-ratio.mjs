// The blocked matmul against the plain one-output-per-thread kernel, in one process:
// two @nn/gpu backends on the same path, createGpuBackend({ matmul: 'auto' }) as 'gpu'
// and { matmul: 'plain' } as 'gpu-plain', the same n×n operands on each, alternating
// runs (the machine's load hits both alike), best time of each with the readback.
//   npm run build -w @nn/gpu (or npx tsc -p packages/gpu/tsconfig.json), then from the repo root:
//   xvfb-run -a node packages/gpu/scripts/matmul-ratio.mjs [--modes headlessgl,webgpu] [--sizes 256,512] [--reps 3] [--out DIR]
// webgpu runs on Dawn (npm `webgpu`), on SwiftShader unless VK_ICD_FILENAMES names a driver.
// Prints one line per path and size (GFLOP/s plain and blocked, their ratio, the largest
// difference between the two results); --out also writes DIR/matmul-ratio.json.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const modes = (args.modes ?? 'headlessgl,webgpu').split(',').filter(Boolean);
const sizes = (args.sizes ?? '256,512').split(',').filter(Boolean).map(Number);
const reps = Number(args.reps ?? 3);
const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';

// This package's own build (not whatever @nn/gpu resolves to), so a worktree measures its own kernels.
const gpuDist = new URL('../dist/index.js', import.meta.url);
if (!existsSync(gpuDist)) throw new Error(`no ${gpuDist.pathname}: build @nn/gpu first (npx tsc -p packages/gpu/tsconfig.json)`);
const { createGpuBackend } = await import(gpuDist.href);
const core = await import('@nn/core');
// The operands are drawn on cpu (seeded), then copied to both gpu devices.
core.registerBackend((await import('@nn/cpu')).createCpuBackend());

const rows = [];
for (const mode of modes) {
  if (mode === 'webgpu') {
    if (!process.env.VK_ICD_FILENAMES && existsSync(swiftshader)) process.env.VK_ICD_FILENAMES = swiftshader;
    const webgpu = await import('webgpu');
    Object.assign(globalThis, webgpu.globals);
    globalThis.navigator = { gpu: webgpu.create([]) };
  }
  const blocked = await createGpuBackend({ mode, device: 'gpu' });
  const plain = await createGpuBackend({ mode, device: 'gpu-plain', matmul: 'plain' });
  core.registerBackend(blocked);
  core.registerBackend(plain);
  try {
    for (const n of sizes) {
      core.manualSeed(n);
      const [ha, hb] = [core.randn([n, n]), core.randn([n, n])];
      const ops = { blocked: [ha.to('gpu'), hb.to('gpu')], plain: [ha.to('gpu-plain'), hb.to('gpu-plain')] };
      const best = { blocked: Infinity, plain: Infinity };
      const last = {};
      // One warm-up run each (it compiles), then `reps` timed runs each, alternating.
      for (let r = 0; r <= reps; r++) {
        for (const which of ['plain', 'blocked']) {
          const t0 = performance.now();
          const c = ops[which][0].mm(ops[which][1]);
          last[which] = await c.data();
          c.dispose();
          if (r > 0) best[which] = Math.min(best[which], performance.now() - t0);
        }
      }
      let diff = 0;
      for (let i = 0; i < n * n; i++) diff = Math.max(diff, Math.abs(last.blocked[i] - last.plain[i]));
      const gflops = (ms) => Number(((2 * n ** 3) / ms / 1e6).toPrecision(3));
      const row = { mode, n, plainMs: +best.plain.toFixed(1), blockedMs: +best.blocked.toFixed(1), plainGflops: gflops(best.plain), blockedGflops: gflops(best.blocked), ratio: +(best.plain / best.blocked).toFixed(2), maxDiff: diff };
      rows.push(row);
      console.log(`${mode} ${n}³: plain ${row.plainMs} ms (${row.plainGflops} GFLOP/s), blocked ${row.blockedMs} ms (${row.blockedGflops} GFLOP/s), ratio ${row.ratio}×, max |blocked − plain| ${diff.toExponential(2)}`);
      for (const t of [ha, hb, ...ops.blocked, ...ops.plain]) t.dispose();
    }
  } finally {
    core.unregisterBackend('gpu');
    core.unregisterBackend('gpu-plain');
    blocked.dispose();
    plain.dispose();
  }
}
if (args.out) {
  mkdirSync(args.out, { recursive: true });
  writeFileSync(`${args.out}/matmul-ratio.json`, JSON.stringify({ node: process.version, reps, rows }, null, 2));
}
