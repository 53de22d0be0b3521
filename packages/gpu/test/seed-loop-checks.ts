import { expect } from 'vitest';
import { memory } from '@nn/core';
import { runSeedLoop } from './seed-loop.js';

/**
 * Run the seed loop on 'gpu' and 'cpu' and check what the gpu backend promises:
 * after the first step no kernel compiles, nothing is uploaded, nothing is
 * read back except the loss every 100th step, the live-buffer count is flat,
 * and the losses match cpu's within float32 tolerance.
 */
export async function expectResidentSeedLoop(steps: number, readEvery = 100): Promise<void> {
  const gpu = await runSeedLoop('gpu', steps, readEvery);
  const cpu = await runSeedLoop('cpu', steps, readEvery);
  const report = { firstStep: gpu.firstStep, later: gpu.later, kernelsPerStep: gpu.kernelsPerStep[1], gpuMs: Math.round(gpu.ms), cpuMs: Math.round(cpu.ms), losses: gpu.losses, cpuLosses: cpu.losses };
  console.log(`[seed loop gpu] ${JSON.stringify(report)}`);
  expect(gpu.firstStep.readbacks, 'readbacks in step 1 (loss not read)').toBe(0);
  expect(gpu.later.compiles, 'kernels compiled after step 1').toBe(0);
  expect(gpu.later.uploads, 'uploads after step 1').toBe(0);
  expect(gpu.later.readbacks, 'readbacks after step 1 besides the loss reads').toBe(0);
  expect([...new Set(gpu.kernelsPerStep.slice(1))], 'kernel launches of every step after the first').toEqual([gpu.kernelsPerStep[1]]);
  // t() and clone() are views, and elementwise ops, wheres and products are deferred
  // into the kernel that reads them: 6 launches a step (x·w1, relu(h)·w2, the loss,
  // grad_out, the masked grad_h, and each weight update with its gradient product
  // inlined; packages/gpu/src/seed-step.gl.test.ts); 22 when each op was a kernel,
  // 18 with views, 11 with only unary and scalar ops deferred (fuse: 'chains').
  expect(gpu.kernelsPerStep[1], 'kernel launches per step').toBeLessThanOrEqual(6);
  const flat = new Set(gpu.buffersPerStep.slice(1));
  expect([...flat], 'live buffers after every step').toEqual([gpu.buffersPerStep[1]]);
  expect(gpu.buffersPerStep[0], 'live buffers after step 1').toBe(gpu.buffersPerStep[1]);
  expect(gpu.losses.length).toBe(Math.floor(steps / readEvery));
  // Tolerance: loss = Σ r² over N = 640 residuals r = y_pred − y. The devices sum
  // in other orders, so y_pred differs by δ ≲ 1e-5 (float32 eps 6e-8 × |terms| ~ 10
  // × √k terms, k ≤ 1000), giving |Δloss| ≈ 2·Σ r·δ ≤ 2·√(N·loss)·δ; and the weights
  // drift apart by rounding as training goes, bounded by 1e-3 relative here. While
  // the loss is large the relative part dominates; once training has converged
  // (loss ~ 4e-3 at step 299) the residuals are tiny and the absolute part does.
  gpu.losses.forEach((l, i) => {
    const want = cpu.losses[i]!;
    const tol = 1e-3 * Math.abs(want) + 2 * Math.sqrt(640 * Math.abs(want)) * 1e-5;
    expect(Math.abs(l - want), `loss at step ${readEvery * (i + 1) - 1}: gpu ${l}, cpu ${want} (tolerance ${tol})`).toBeLessThanOrEqual(tol);
  });
  expect(memory().gpu!.buffers, 'gpu buffers left after disposing the net').toBeLessThanOrEqual(gpu.buffersPerStep[0]! );
}
