import { describe, expect, it } from 'vitest';
import { DeviceError, tensor, zeros } from '@nn/core';
import { installDawn } from '../test/dawn.js';
import { useGpu } from '../test/use-gpu.js';

// Out of device memory on WebGPU (Node + Dawn on SwiftShader's Vulkan), issue 16: a named
// DeviceError, and the backend still works after it. A real GPUOutOfMemoryError needs the
// process's memory capped (scripts/dawn-oom.mjs under `ulimit -v`: vkAllocateMemory fails
// after a few 512 MiB buffers); here, where the machine is shared, the error scope's answer is injected.
const ctx = useGpu('webgpu', { prepare: installDawn });

/** The backend's GPUDevice, whose error scopes the large launches use. */
type Scopes = { pushErrorScope(filter: string): void; popErrorScope(): Promise<{ message: string } | null> };
const deviceOf = (): Scopes => (ctx.gpu as unknown as { webgpuDevice(): Scopes }).webgpuDevice();

describe('device memory on gpu (webgpu, Dawn)', () => {
  it('a tensor past maxStorageBufferBindingSize is refused before any buffer is made, naming the op, the bytes and the limit', async () => {
    const max = (ctx.gpu as unknown as { maxElements: number }).maxElements;
    const side = Math.ceil(Math.sqrt(max + 1));
    const [a, b] = [zeros([side, 1], { device: 'gpu' }), zeros([1, side], { device: 'gpu' })];
    const buffers = ctx.gpu.stats().buffers;
    let err: unknown;
    try {
      a.mm(b);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as Error).message).toMatch(new RegExp(`mm.*\\(${side * side} float32 values, ${side * side * 4} bytes\\) is larger than the webgpu device allows: maxStorageBufferBindingSize ${max * 4} bytes`));
    expect(ctx.gpu.stats().buffers).toBe(buffers);
    expect(Array.from(await a.add(2).sum().data())).toEqual([2 * side]);
    a.dispose();
    b.dispose();
  });

  it('a GPUOutOfMemoryError in a large launch is a DeviceError on read, the result freed, and the backend keeps working', async () => {
    const x = tensor(new Float32Array(1024 * 1024).fill(1), { shape: [1024, 1024], device: 'gpu' });
    // Built once first: gpu.js's own build pops a validation scope, which the injection must not answer.
    const warm = x.mul(3);
    await warm.data();
    warm.dispose();
    const device = deviceOf();
    const real = device.popErrorScope;
    const realPush = device.pushErrorScope;
    const filters: string[] = [];
    device.pushErrorScope = function (this: Scopes, filter: string) {
      filters.push(filter);
      realPush.call(this, filter);
    };
    const buffers = ctx.gpu.stats().buffers;
    const y = x.mul(3); // deferred: its kernel (2^20 values, in an out-of-memory scope) runs when it is read
    let asked = 0;
    device.popErrorScope = async function (this: Scopes) {
      asked++;
      device.popErrorScope = real;
      await real.call(this);
      return { message: 'vkAllocateMemory failed with VK_ERROR_OUT_OF_DEVICE_MEMORY (injected)\n - While calling [Device].CreateBuffer' };
    };
    try {
      const read = y.data();
      await expect(read).rejects.toThrow(DeviceError);
      await expect(read).rejects.toThrow(
        /could not allocate a result of 1048576 float32 values \(4194304 bytes\): out of device memory \(vkAllocateMemory failed .*\(injected\)\), with \d+ buffers .* at most \d+ bytes a buffer \(maxStorageBufferBindingSize \d+ bytes.*dispose tensors/,
      );
    } finally {
      device.popErrorScope = real;
      device.pushErrorScope = realPush;
    }
    expect(asked).toBe(1);
    // The scope the answer came from was an out-of-memory one (a validation scope would catch other errors).
    expect(filters).toEqual(['out-of-memory']);
    y.dispose();
    expect(ctx.gpu.stats().buffers).toBe(buffers);
    // The same kernel again (it makes a new result buffer) and another: right values.
    const again = x.mul(3);
    expect((await again.data())[123_456]).toBe(3);
    expect(Array.from(await x.add(2).sum().data())).toEqual([3 * 1024 * 1024]);
    again.dispose();
    x.dispose();
  });
});
