import { afterAll, beforeAll } from 'vitest';
import { registerBackend, unregisterBackend } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { createGpuBackend, type GpuBackend } from './index.js';
import { installDawn } from '../test/dawn.js';
import { describeWebGpu } from '../test/webgpu-suite.js';

// Node + Dawn (npm `webgpu`) on SwiftShader's Vulkan: gpu.js's WebGPUKernel compiles real WGSL.
let gpu: GpuBackend;
beforeAll(async () => {
  await installDawn();
  gpu = await createGpuBackend({ mode: 'webgpu' });
  registerBackend(gpu);
  registerBackend(createCpuBackend());
});
afterAll(() => {
  unregisterBackend('gpu');
  gpu?.dispose();
});

describeWebGpu('Node + Dawn', () => gpu);
