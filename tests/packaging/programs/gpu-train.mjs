// The seed loop (smaller sizes) on @nn/gpu in a browser page, WebGL2 and WebGPU, beside @nn/cpu, for a minified
// bundle: window.nnResult resolves to what each device really ran and its losses.
import { manualSeed, randn, registerBackend, scope } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { createGpuBackend } from '@nn/gpu';

const [N, D_in, H, D_out] = [16, 64, 32, 8];
const STEPS = 30;

/** Train on `device` and read the loss at the first and the last step. */
async function train(device) {
  manualSeed(0);
  const x = randn([N, D_in], { device });
  const y = randn([N, D_out], { device });
  const w1 = randn([D_in, H], { device });
  const w2 = randn([H, D_out], { device });
  const losses = [];
  for (let t = 0; t < STEPS; t++) {
    const loss = scope(() => {
      const h = x.mm(w1);
      const hRelu = h.clamp({ min: 0 });
      const yPred = hRelu.mm(w2);
      const gradYPred = yPred.sub(y).mul(2.0);
      const gradW2 = hRelu.t().mm(gradYPred);
      const gradH = gradYPred.mm(w2.t()).clone();
      gradH.maskedFill_(h.lt(0), 0);
      const gradW1 = x.t().mm(gradH);
      w1.sub_(gradW1.mul(3e-5));
      w2.sub_(gradW2.mul(3e-5));
      return yPred.sub(y).pow(2).sum();
    });
    if (t === 0 || t === STEPS - 1) losses.push((await loss.data())[0]);
    loss.dispose();
  }
  return losses;
}

async function main() {
  const cpu = createCpuBackend({ threads: 1 });
  registerBackend(cpu);
  const result = { cpu: { runtime: cpu.info.runtime, losses: await train('cpu') } };
  for (const mode of ['webgl2', 'webgpu']) {
    const gpu = await createGpuBackend({ mode, device: mode });
    registerBackend(gpu);
    const losses = await train(mode);
    result[mode] = { runtime: gpu.info.runtime, fallback: gpu.info.fallback, kernelClass: gpu.kernelClass(), losses };
  }
  return result;
}

window.nnResult = main().catch((e) => ({ error: `${e.name}: ${e.message}` }));
