import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerBackend, unregisterBackend } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { createGpuBackend, type GpuBackend } from './index.js';
import { expectResidentSeedLoop } from '../test/seed-loop-checks.js';

// The seed program on headless-gl: resident on the device, no per-step traffic.
let gpu: GpuBackend;
beforeAll(async () => {
  gpu = await createGpuBackend({ mode: 'headlessgl' });
  registerBackend(gpu);
  registerBackend(createCpuBackend());
});
afterAll(() => {
  unregisterBackend('gpu');
  gpu?.dispose();
});

describe('seed loop on gpu (headless-gl)', () => {
  it('300 steps: no readback but the loss, no upload, no compile after step 1, flat buffers, cpu losses', async () => {
    await expectResidentSeedLoop(300);
    expect(gpu.kernelClass()).toBe('HeadlessGLKernel');
  }, 600_000);
});
