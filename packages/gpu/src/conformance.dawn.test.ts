import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceError, registerBackend, unregisterBackend } from '@nn/core';
import { conformanceCases } from '@nn/core/testing';
import { createCpuBackend } from '@nn/cpu';
import { createGpuBackend, type GpuBackend } from './index.js';
import { installDawn } from '../test/dawn.js';
import { assertGradcheckAsync, gradFunctions } from '../test/gradcheck-async.js';
import { expectResidentSeedLoop } from '../test/seed-loop-checks.js';

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

describe('conformance on gpu (webgpu, Node + Dawn)', () => {
  it('runs gpu.js WebGPUKernel, readable only asynchronously, not a fallback', () => {
    expect(gpu.info.runtime).toBe('webgpu');
    expect(gpu.kernelClass()).toBe('WebGPUKernel');
    expect(gpu.info.fallback).toBe(false);
    expect(gpu.readSync).toBeUndefined();
  });
  for (const c of conformanceCases()) {
    if (c.name.startsWith('gradcheck:')) {
      it(`${c.name} (sync gradcheck refuses: use await t.data())`, async () => {
        let err: unknown = null;
        try {
          await c.run({ device: 'gpu', reference: 'cpu' });
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(DeviceError);
        expect((err as Error).message).toMatch(/await t\.data\(\)/);
      });
    } else {
      it(c.name, () => c.run({ device: 'gpu', reference: 'cpu' }));
    }
  }
  gradFunctions.forEach(([label, shapes, fn], ci) => {
    it(`gradcheck (async reads): ${label}`, async () => {
      await assertGradcheckAsync(fn, shapes, 'gpu', 'cpu', 100 * ci);
    });
  });
  it('still ran WebGPUKernel after every case', () => {
    expect(gpu.kernelClass()).toBe('WebGPUKernel');
  });
});

describe('seed loop on gpu (webgpu, Node + Dawn)', () => {
  it('40 steps, loss read every 20: no other readback, no upload, no compile after step 1, flat buffers, cpu losses', async () => {
    await expectResidentSeedLoop(40, 20);
    expect(gpu.kernelClass()).toBe('WebGPUKernel');
  }, 600_000);
});
