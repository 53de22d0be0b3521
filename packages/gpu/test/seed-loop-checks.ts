import { expect } from 'vitest';
import { memory } from '@nn/core';
import { runSeedLoop } from './seed-loop.js';

/**
 * Run the seed loop on 'gpu' and 'cpu' and check what the gpu backend promises:
 * after the first step no kernel compiles, nothing is uploaded, nothing is
 * read back except the loss every 100th step, the live-buffer count is flat,
 * and the losses match cpu's within float32 tolerance.
 */
export async function expectResidentSeedLoop(steps: number): Promise<void> {
  const gpu = await runSeedLoop('gpu', steps);
  const cpu = await runSeedLoop('cpu', steps);
  const report = { firstStep: gpu.firstStep, later: gpu.later, kernelsPerStep: gpu.kernelsPerStep[1], gpuMs: Math.round(gpu.ms), cpuMs: Math.round(cpu.ms), losses: gpu.losses, cpuLosses: cpu.losses };
  console.log(`[seed loop gpu] ${JSON.stringify(report)}`);
  expect(gpu.firstStep.readbacks, 'readbacks in step 1 (loss not read)').toBe(0);
  expect(gpu.later.compiles, 'kernels compiled after step 1').toBe(0);
  expect(gpu.later.uploads, 'uploads after step 1').toBe(0);
  expect(gpu.later.readbacks, 'readbacks after step 1 besides the loss reads').toBe(0);
  expect([...new Set(gpu.kernelsPerStep.slice(1))], 'kernel launches of every step after the first').toEqual([gpu.kernelsPerStep[1]]);
  const flat = new Set(gpu.buffersPerStep.slice(1));
  expect([...flat], 'live buffers after every step').toEqual([gpu.buffersPerStep[1]]);
  expect(gpu.buffersPerStep[0], 'live buffers after step 1').toBe(gpu.buffersPerStep[1]);
  expect(gpu.losses.length).toBe(Math.floor(steps / 100));
  // float32 sums over 64·10 squared residuals in another order: agree to ~1e-4 relative
  // at first; the weights drift apart by rounding as training goes, so allow 1e-3.
  gpu.losses.forEach((l, i) => expect(Math.abs(l - cpu.losses[i]!) / Math.abs(cpu.losses[i]!), `loss at step ${100 * i + 99}: gpu ${l}, cpu ${cpu.losses[i]}`).toBeLessThan(1e-3));
  expect(memory().gpu!.buffers, 'gpu buffers left after disposing the net').toBeLessThanOrEqual(gpu.buffersPerStep[0]! );
}
