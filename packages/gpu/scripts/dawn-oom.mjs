// A real out-of-device-memory on WebGPU (Node + Dawn on SwiftShader's Vulkan), without eating the machine:
// run it with the process's address space capped, so that SwiftShader's vkAllocateMemory fails after a few
// 512 MiB results (about 1.6 GB of host memory touched at most under a 3 GB cap):
//   npx tsc -p packages/gpu/tsconfig.json   (this script runs the package's own build)
//   (ulimit -v 3000000; node packages/gpu/scripts/dawn-oom.mjs)
// It keeps [8192, 1]·[1, 16384] products (2^27 values each) alive until one fails, prints the error, frees
// them, and checks that the backend still computes (a small op, then one more large product).
import { existsSync } from 'node:fs';

const gpuDist = new URL('../dist/index.js', import.meta.url);
if (!existsSync(gpuDist)) throw new Error(`no ${gpuDist.pathname}: build @nn/gpu first (npx tsc -p packages/gpu/tsconfig.json)`);
const { createGpuBackend } = await import(gpuDist.href);
const core = await import('@nn/core');
const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(swiftshader)) process.env.VK_ICD_FILENAMES = swiftshader;
const webgpu = await import('webgpu');
Object.assign(globalThis, webgpu.globals);
globalThis.navigator = { gpu: webgpu.create([]) };

const gpu = await createGpuBackend({ mode: 'webgpu' });
core.registerBackend(gpu);
const a = core.tensor(new Float32Array(8192).fill(1), { shape: [8192, 1], device: 'gpu' });
const b = core.tensor(new Float32Array(16384).fill(2), { shape: [1, 16384], device: 'gpu' });
/** One 512 MiB product, its launch forced by a one-value read of it (its sum: 2 · 2^27). */
const big = async () => {
  const p = a.mm(b);
  const s = p.sum();
  try {
    return { p, sum: (await s.data())[0] };
  } catch (e) {
    p.dispose();
    throw e;
  } finally {
    s.dispose();
  }
};
const held = [];
let failure = null;
for (let i = 0; i < 16 && !failure; i++) {
  try {
    const { p, sum } = await big();
    held.push(p);
    console.log(`product ${i + 1}: sum ${sum} (want ${2 ** 28}); ${gpu.stats().buffers} buffers, ${(gpu.stats().bytes / 2 ** 20).toFixed(0)} MiB held; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  } catch (e) {
    failure = e;
    console.log(`product ${i + 1} failed: ${e.constructor.name}: ${e.message}`);
  }
}
for (const p of held) p.dispose();
console.log(`after freeing: ${gpu.stats().buffers} buffers (a and b), ${gpu.stats().bytes} bytes`);
const small = core.tensor([1, 2, 3], { device: 'gpu' });
const total = small.add(1).sum();
const after = (await total.data())[0];
console.log(`[1, 2, 3].add(1).sum() = ${after} (want 9)`);
small.dispose();
total.dispose();
let again = 'not tried';
try {
  const { p, sum } = await big();
  again = `sum ${sum}`;
  p.dispose();
} catch (e) {
  again = `failed: ${e.message.slice(0, 200)}`;
}
console.log(`one more large product after freeing: ${again}`);
const ok = failure instanceof core.DeviceError && after === 9 && again === `sum ${2 ** 28}`;
console.log(ok ? 'OK: a DeviceError, and the backend still works' : 'NOT OK');
gpu.dispose();
process.exit(ok ? 0 : 1);
