import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@nn/cpu';
import { DTypeError, registerBackend, tensor, zeros } from './index.js';

beforeAll(() => registerBackend(createCpuBackend()));

describe('int32 results hold whole numbers', () => {
  it('scatterAdd of float32 values into an int32 tensor is a DTypeError (PyTorch refuses a src of another dtype)', () => {
    const x = zeros([3], { dtype: 'int32' });
    const src = tensor([0.5, 1.25]);
    expect(() => x.scatterAdd(0, [0, 2], src)).toThrow(DTypeError);
    expect(() => x.scatterAdd(0, [0, 2], src)).toThrow(/scatterAdd.*int32.*float32.*\.int\(\)|scatterAdd.*int32.*float32/s);
    expect(() => x.scatterAdd_(0, [0, 2], src)).toThrow(DTypeError);
    expect(x.toArray()).toEqual([0, 0, 0]);
    // Same dtypes still work, and stay int32.
    const y = x.scatterAdd(0, [0, 2, 2], tensor([1, 2, 3], { dtype: 'int32' }));
    expect(y.dtype).toBe('int32');
    expect(y.toArray()).toEqual([1, 0, 5]);
  });
});

describe('rand stays inside [low, high)', () => {
  it('a draw just under 1 does not round up to high in float32 (torch.rand is [0, 1))', async () => {
    const { Generator, rand } = await import('./index.js');
    const g = new Generator(0);
    // The largest number the stream gives: 1 − 2^-53, which float32 rounds to 1.
    g.next = () => 1 - 2 ** -53;
    const u = rand([4], { generator: g }).toArray() as number[];
    for (const v of u) expect(v).toBeLessThan(1);
    const w = rand([4], { low: -2, high: 3, generator: g }).toArray() as number[];
    for (const v of w) expect(v).toBeLessThan(3);
  });
});

describe('rand bounds that float32 cannot hold', () => {
  it('high = 0.1 (not a float32): draws stay below 0.1, and a negative high works', async () => {
    const { Generator, rand } = await import('./index.js');
    const g = new Generator(0);
    g.next = () => 1 - 2 ** -53;
    for (const v of rand([2], { low: 0, high: 0.1, generator: g }).toArray() as number[]) expect(v).toBeLessThan(0.1);
    for (const v of rand([2], { low: -3, high: -1, generator: g }).toArray() as number[]) {
      expect(v).toBeLessThan(-1);
      expect(v).toBeGreaterThan(-1.0001);
    }
    for (const v of rand([2], { low: -1, high: 0, generator: g }).toArray() as number[]) expect(v).toBeLessThan(0);
  });
});

describe('int() on a device that reads only asynchronously', () => {
  it('names a fix that works there', async () => {
    const { createCpuBackend: make } = await import('@nn/cpu');
    const { DeviceError } = await import('./index.js');
    const dev = make({ device: 'cpu-async-only', engine: 'js' });
    const readSync = dev.readSync!.bind(dev);
    Object.defineProperty(dev, 'read', { value: async (h: Parameters<typeof readSync>[0]) => readSync(h) });
    Object.defineProperty(dev, 'readSync', { value: undefined });
    registerBackend(dev);
    const t = tensor([2.7, -0.5, -3.2], { device: 'cpu-async-only' });
    let message = '';
    try {
      t.int();
    } catch (e) {
      expect(e).toBeInstanceOf(DeviceError);
      message = (e as Error).message;
    }
    // The fix the message names, run as written: it must not be int() again on this device.
    expect(message).toContain("tensor((await t.data()).map(Math.trunc), { shape: t.shape, device: t.device, dtype: 'int32' })");
    const i = tensor((await t.data()).map(Math.trunc), { shape: t.shape, device: t.device, dtype: 'int32' });
    expect(i.dtype).toBe('int32');
    expect(await i.array()).toEqual([2, 0, -3]);
  });
});
