import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceError, registerBackend, tensor, unregisterBackend } from '@nn/core';
import { conformanceCases } from '@nn/core/testing';
import { createCpuBackend } from '@nn/cpu';
import { createGpuBackend, type GpuBackend } from './index.js';
import { expectResidentSeedLoop } from '../test/seed-loop-checks.js';

// Headless Chromium, WebGPU on SwiftShader: gpu.js's WebGPUKernel compiles real WGSL.
let gpu: GpuBackend;
beforeAll(async () => {
  gpu = await createGpuBackend({ mode: 'webgpu' });
  registerBackend(gpu);
  // The reference is @nn/cpu's plain TypeScript loops (its living spec). Its
  // WebAssembly kernels read back empty arrays in Chromium after large matmuls
  // (reported to the cpu owner), which would fail these suites for the cpu's sake.
  registerBackend(createCpuBackend({ kernels: 'js' }));
});
afterAll(() => {
  unregisterBackend('gpu');
  gpu?.dispose();
});

describe('conformance on gpu (webgpu, Chromium)', () => {
  it('runs gpu.js WebGPUKernel, readable only asynchronously, not a fallback', () => {
    expect(gpu.info.runtime).toBe('webgpu');
    expect(gpu.kernelClass()).toBe('WebGPUKernel');
    expect(gpu.info.fallback).toBe(false);
    expect(gpu.info.syncRead).toBe(false);
    expect(gpu.readSync).toBeUndefined();
  });
  // Every case reads with `await t.data()`, gradchecks included, so all of them run on WebGPU.
  for (const c of conformanceCases()) {
    it(c.name, () => c.run({ device: 'gpu', reference: 'cpu' }));
  }
  it('dataSync refuses on WebGPU and names await t.data()', () => {
    const t = tensor([1], { device: 'gpu' });
    expect(() => t.dataSync()).toThrow(DeviceError);
    expect(() => t.item()).toThrow(/await t\.data\(\)/);
    t.dispose();
  });
  it('still ran WebGPUKernel after every case', () => {
    expect(gpu.kernelClass()).toBe('WebGPUKernel');
  });
});

describe('seed loop on gpu (webgpu, Chromium)', () => {
  it('40 steps, loss read every 20: no other readback, no upload, no compile after step 1, flat buffers, cpu losses', async () => {
    await expectResidentSeedLoop(40, 20);
    expect(gpu.kernelClass()).toBe('WebGPUKernel');
  }, 600_000);
});
