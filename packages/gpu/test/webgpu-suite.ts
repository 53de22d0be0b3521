import { describe, expect, it } from 'vitest';
import { DeviceError, tensor } from '@nn/core';
import { conformanceCases } from '@nn/core/testing';
import type { GpuBackend } from '../src/index.js';
import { expectResidentSeedLoop } from './seed-loop-checks.js';
import { describeGraphSuites } from './graph-suites.js';
import { expectSubnormalsFlushed } from './subnormals.js';

/**
 * The WebGPU suites, shared by Node + Dawn and Chromium: the kernel class, every
 * conformance case (all read with `await t.data()`, gradchecks included), the
 * async-only reads, and the resident seed loop. `gpu` is registered as 'gpu'
 * and the reference as 'cpu' by the caller's beforeAll.
 */
export function describeWebGpu(where: string, gpu: () => GpuBackend): void {
  describe(`conformance on gpu (webgpu, ${where})`, () => {
    it('runs gpu.js WebGPUKernel, readable only asynchronously, not a fallback', () => {
      expect(gpu().info.runtime).toBe('webgpu');
      expect(gpu().kernelClass()).toBe('WebGPUKernel');
      expect(gpu().info.fallback).toBe(false);
      expect(gpu().readSync).toBeUndefined();
    });
    for (const c of conformanceCases()) {
      it(c.name, () => c.run({ device: 'gpu', reference: 'cpu' }));
    }
    it('dataSync refuses on WebGPU and names await t.data()', () => {
      const t = tensor([1], { device: 'gpu' });
      expect(() => t.dataSync()).toThrow(DeviceError);
      expect(() => t.item()).toThrow(/await t\.data\(\)/);
      t.dispose();
    });
    it('flushes float32 subnormals to zero in arithmetic and keeps them in copies (SwiftShader; docs/gpu.md)', () => expectSubnormalsFlushed());
    it('still ran WebGPUKernel after every case', () => {
      expect(gpu().kernelClass()).toBe('WebGPUKernel');
    });
  });

  describeGraphSuites(`webgpu, ${where}`);

  describe(`seed loop on gpu (webgpu, ${where})`, () => {
    it('40 steps, loss read every 20: no other readback, no upload, no compile after step 1, flat buffers, cpu losses', async () => {
      await expectResidentSeedLoop(40, 20);
      expect(gpu().kernelClass()).toBe('WebGPUKernel');
    }, 600_000);
  });
}
