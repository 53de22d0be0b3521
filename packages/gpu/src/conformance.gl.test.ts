import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerBackend, unregisterBackend } from '@nn/core';
import { conformanceCases } from '@nn/core/testing';
import { createCpuBackend } from '@nn/cpu';
import { createGpuBackend, type GpuBackend } from './index.js';

// Node + headless-gl (Mesa llvmpipe under Xvfb): real GLSL shaders, no browser.
// Run under `xvfb-run -a`; without a display createGpuBackend fails and says so.
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

describe('conformance on gpu (headless-gl)', () => {
  it('runs gpu.js HeadlessGLKernel, synchronously readable, not a fallback', () => {
    expect(gpu.info.runtime).toBe('headlessgl');
    expect(gpu.kernelClass()).toBe('HeadlessGLKernel');
    expect(gpu.info.fallback).toBe(false);
    expect(gpu.info.syncRead).toBe(true);
  });
  for (const c of conformanceCases()) {
    it(c.name, () => c.run({ device: 'gpu', reference: 'cpu' }));
  }
  it('still ran HeadlessGLKernel after every case', () => {
    expect(gpu.kernelClass()).toBe('HeadlessGLKernel');
  });
});
