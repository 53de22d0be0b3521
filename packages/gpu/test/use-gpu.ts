import { afterAll, beforeAll } from 'vitest';
import { registerBackend, unregisterBackend } from '@nn/core';
import { createCpuBackend, type CpuBackendOptions } from '@nn/cpu';
import { createGpuBackend, type GpuBackend, type GpuMode } from '../src/index.js';

/**
 * For one test file: before its tests, start gpu.js in `mode` (no fallback) and
 * register it as 'gpu', with an @nn/cpu reference as 'cpu'; after them, release it.
 * `prepare` runs first (e.g. giving Node a navigator.gpu from Dawn).
 */
export function useGpu(mode: GpuMode, opts: { reference?: CpuBackendOptions; prepare?: () => Promise<void> } = {}): { gpu: GpuBackend } {
  const ctx = {} as { gpu: GpuBackend };
  beforeAll(async () => {
    await opts.prepare?.();
    ctx.gpu = await createGpuBackend({ mode });
    registerBackend(ctx.gpu);
    registerBackend(createCpuBackend(opts.reference));
  });
  afterAll(() => {
    unregisterBackend('gpu');
    ctx.gpu?.dispose();
  });
  return ctx;
}
