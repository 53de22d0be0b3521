import { afterAll, beforeAll } from 'vitest';
import { registerBackend, unregisterBackend } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { createGpuBackend, type GpuBackend } from './index.js';
import { describeWebGpu } from '../test/webgpu-suite.js';

// Headless Chromium, WebGPU on SwiftShader: gpu.js's WebGPUKernel compiles real WGSL.
let gpu: GpuBackend;
beforeAll(async () => {
  gpu = await createGpuBackend({ mode: 'webgpu' });
  registerBackend(gpu);
  // The reference is @nn/cpu's plain TypeScript loops, its living spec.
  registerBackend(createCpuBackend({ kernels: 'js' }));
});
afterAll(() => {
  unregisterBackend('gpu');
  gpu?.dispose();
});

describeWebGpu('Chromium', () => gpu);
