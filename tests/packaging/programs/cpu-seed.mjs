// The seed loop on @nn/cpu with worker threads on, for a minified bundle: prints what runs and the losses.
import { manualSeed, randn, registerBackend, scope } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';

const cpu = createCpuBackend({ threads: 2, minParallelMacs: 1 });
registerBackend(cpu);
// Wait for the worker to be up, so that the products below are really shared.
for (let i = 0; i < 400 && cpu.threads.ready() === 0; i++) await new Promise((r) => setTimeout(r, 25));
manualSeed(0);
const [N, D_in, H, D_out] = [64, 1000, 100, 10];
const x = randn([N, D_in]);
const y = randn([N, D_out]);
const w1 = randn([D_in, H]);
const w2 = randn([H, D_out]);
const losses = [];
for (let t = 0; t < 200; t++) {
  scope(() => {
    const h = x.mm(w1);
    const hRelu = h.clamp({ min: 0 });
    const yPred = hRelu.mm(w2);
    if (t % 100 === 99) losses.push(yPred.sub(y).pow(2).sum().item());
    const gradYPred = yPred.sub(y).mul(2.0);
    const gradW2 = hRelu.t().mm(gradYPred);
    const gradH = gradYPred.mm(w2.t()).clone();
    gradH.maskedFill_(h.lt(0), 0);
    const gradW1 = x.t().mm(gradH);
    w1.sub_(gradW1.mul(1e-6));
    w2.sub_(gradW2.mul(1e-6));
  });
}
console.log(JSON.stringify({ runtime: cpu.info.runtime, note: cpu.info.note, workerChunks: cpu.threads.workerChunks(), losses }));
cpu.dispose();
