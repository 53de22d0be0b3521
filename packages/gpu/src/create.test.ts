import { describe, expect, it } from 'vitest';
import { DeviceError, registerBackend, tensor, unregisterBackend } from '@nn/core';
import { createGpuBackend } from './index.js';

// Choosing the runtime and being honest about it. These run in plain Node (the
// `node` project): no browser, so the browser modes are unavailable here.
describe('createGpuBackend: choosing and reporting the runtime', () => {
  it('refuses a mode that cannot run here, naming why and the fallback switch', async () => {
    const err = await createGpuBackend({ mode: 'webgl2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as Error).message).toMatch(/WebGL2 needs a browser/);
    expect((err as Error).message).toMatch(/allowFallback/);
  });

  it('with allowFallback, runs something else and says so in info', async () => {
    const gpu = await createGpuBackend({ mode: 'webgl2', allowFallback: true, device: 'gpu-fallback' });
    try {
      expect(gpu.info.fallback).toBe(true);
      expect(gpu.info.note).toMatch(/^FALLBACK: asked for webgl2/);
      expect(['headlessgl', 'webasm', 'cpu']).toContain(gpu.info.runtime);
      expect(gpu.kernelClass()).toBe({ headlessgl: 'HeadlessGLKernel', webasm: 'WebAssemblyKernel', cpu: 'CPUKernel' }[gpu.info.runtime]);
      registerBackend(gpu);
      const y = tensor([[1, 2], [3, 4]], { device: 'gpu-fallback' }).mm(tensor([[1], [1]], { device: 'gpu-fallback' }));
      expect(Array.from(await y.data())).toEqual([3, 7]);
    } finally {
      unregisterBackend('gpu-fallback');
      gpu.dispose();
    }
  });

  it("mode 'webasm' asked for explicitly is not a fallback, and says it runs on the CPU", async () => {
    const gpu = await createGpuBackend({ mode: 'webasm', device: 'gpu-webasm' });
    try {
      expect(gpu.info.runtime).toBe('webasm');
      expect(gpu.kernelClass()).toBe('WebAssemblyKernel');
      expect(gpu.info.fallback).toBe(false);
      expect(gpu.info.note).toMatch(/on the CPU, not a GPU/);
      registerBackend(gpu);
      const a = tensor([1, -2, 3], { device: 'gpu-webasm' });
      expect(Array.from(await a.relu().add(1).data())).toEqual([2, 1, 4]);
      expect(gpu.stats().uploads).toBeGreaterThan(0);
    } finally {
      unregisterBackend('gpu-webasm');
      gpu.dispose();
    }
  });

  it('puts no cap of its own past 2^22 values (index arithmetic is integer): the runtime\'s limit is the only one', async () => {
    const gpu = await createGpuBackend({ mode: 'cpu', device: 'gpu-cap' });
    try {
      registerBackend(gpu);
      const big = tensor(new Float32Array(2 ** 22 + 1).fill(2), { device: 'gpu-cap' });
      expect(big.size).toBe(2 ** 22 + 1);
      expect((gpu as unknown as { maxElements: number }).maxElements).toBe(2 ** 31 - 1);
      big.dispose();
    } finally {
      unregisterBackend('gpu-cap');
      gpu.dispose();
    }
  });

  it('names the tensor shape and the device limit when a tensor is too large', async () => {
    const gpu = await createGpuBackend({ mode: 'cpu', device: 'gpu-tiny' });
    try {
      // The cpu runtime has no texture limit; shrink it to see the message.
      (gpu as unknown as { maxElements: number }).maxElements = 10;
      registerBackend(gpu);
      expect(() => tensor(new Float32Array(12), { shape: [3, 4], device: 'gpu-tiny' })).toThrow(/^upload: the \[3, 4\] tensor \(12 float32 values, 48 bytes\) is larger than the cpu device allows: .* = 10 values; split the work/);
    } finally {
      unregisterBackend('gpu-tiny');
      gpu.dispose();
    }
  });
});
