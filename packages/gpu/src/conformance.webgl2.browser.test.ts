import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerBackend, unregisterBackend } from '@nn/core';
import { conformanceCases } from '@nn/core/testing';
import { createCpuBackend } from '@nn/cpu';
import { createGpuBackend, type GpuBackend } from './index.js';
import { expectResidentSeedLoop } from '../test/seed-loop-checks.js';

// Headless Chromium, WebGL2 on SwiftShader: gpu.js's WebGL2Kernel compiles real GLSL ES 3.0.
let gpu: GpuBackend;
beforeAll(async () => {
  gpu = await createGpuBackend({ mode: 'webgl2' });
  registerBackend(gpu);
  // The reference is @nn/cpu's plain TypeScript loops, its living spec.
  registerBackend(createCpuBackend({ kernels: 'js' }));
});
afterAll(() => {
  unregisterBackend('gpu');
  gpu?.dispose();
});

describe('conformance on gpu (webgl2, Chromium)', () => {
  it('runs gpu.js WebGL2Kernel, synchronously readable, not a fallback', () => {
    expect(gpu.info.runtime).toBe('webgl2');
    expect(gpu.kernelClass()).toBe('WebGL2Kernel');
    expect(gpu.info.fallback).toBe(false);
    expect(gpu.info.syncRead).toBe(true);
  });
  for (const c of conformanceCases()) {
    it(c.name, () => c.run({ device: 'gpu', reference: 'cpu' }));
  }
  it('still ran WebGL2Kernel after every case', () => {
    expect(gpu.kernelClass()).toBe('WebGL2Kernel');
  });
});

describe('seed loop on gpu (webgl2, Chromium)', () => {
  it('40 steps, loss read every 20: no other readback, no upload, no compile after step 1, flat buffers, cpu losses', async () => {
    await expectResidentSeedLoop(40, 20);
    expect(gpu.kernelClass()).toBe('WebGL2Kernel');
  }, 600_000);
});
