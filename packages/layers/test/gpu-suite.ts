// @nn/layers on a gpu backend: the suite every gpu path runs (packages/gpu/src/layers.*.test.ts).
// Layers are core ops only, so these checks on a GPU path cover that the ops they compose
// (logSoftmax, gather, where, softplus, clamp, stack...) run there too. The full fixture suites
// run on cpu (packages/layers/src/*.test.ts). Every read is `await t.data()`: WebGPU runs it too.
import { describe, expect, it } from 'vitest';
import { assertClose, type Tolerance } from '@nn/core/testing';
import { checkLossCases } from './loss-cases.js';
import { trainSmallMlp } from './mlp-case.js';
import { checkBatchNormCases, checkEmbeddingCases, checkLayerNormCases } from './norm-cases.js';

/**
 * The layers suite on the backend registered as 'gpu' (with an @nn/cpu reference as 'cpu'), which
 * must run `kernelClass` throughout; `tol` is the path's float32 tolerance against torch.
 */
export function describeLayersOnGpu(where: string, kernelClass: string, gpu: () => { kernelClass(): string }, tol: Tolerance): void {
  describe(`@nn/layers on gpu (${where})`, () => {
    it("every loss case's value and input gradient match torch on the device", async () => {
      expect(await checkLossCases('gpu', tol)).toBe(95);
      expect(gpu().kernelClass()).toBe(kernelClass);
    }, 600_000); // ~40 s on headless-gl on a 2-core machine, most of it compiling each shape's kernels once

    it('LayerNorm, BatchNorm1d (3 training steps, running statistics, eval) and Embedding match torch on the device', async () => {
      expect(await checkLayerNormCases('gpu', tol)).toBe(9);
      expect(await checkBatchNormCases('gpu', tol)).toBe(7);
      // A lookup and a scatter-add of binary-exact values: exact on the device too.
      expect(await checkEmbeddingCases('gpu', { atol: 0, rtol: 0 })).toBe(7);
      expect(gpu().kernelClass()).toBe(kernelClass);
    }, 600_000);

    it('an MLP with GELU, Dropout and LogSoftmax trains with AdamW, clipGradNorm_ and CosineAnnealingLR as on cpu', async () => {
      assertClose(await trainSmallMlp('gpu'), await trainSmallMlp('cpu'), { atol: 1e-5, rtol: 1e-4 }, 'losses');
      expect(gpu().kernelClass()).toBe(kernelClass);
    }, 600_000);
  });
}
