import { describe, expect, it } from 'vitest';
import { Generator, memory, scope, type Tensor } from '@nn/core';
import { DataLoader, TensorDataset, digits, randomSplit } from '@nn/data';
import { useGpu } from '../test/use-gpu.js';

// @nn/data on headless-gl: a TensorDataset already on the device is batched on the device. Each epoch
// gathers the (split) data set once in the epoch's order, one upload of the order per tensor, and every
// batch is a view of that copy: no upload, readback or new buffer per batch. The cpu tests of @nn/data are
// packages/data/src/data.test.ts.
const ctx = useGpu('headlessgl');

const gpuStats = () => memory().gpu!;

// The digits on `device`, pixels scaled to [0, 1], split 80/20 and shuffled from one seeded generator, as the example does.
function digitsLoader(device: string, seed: number): DataLoader<Tensor[]> {
  const all = digits({ device });
  const ds = new TensorDataset(all.tensors[0]!.div(16), all.tensors[1]!);
  const generator = new Generator(seed);
  const [train] = randomSplit(ds, [0.8, 0.2], { generator });
  return new DataLoader(train!, { batchSize: 64, shuffle: true, generator });
}

describe('@nn/data on gpu (headless-gl)', () => {
  it('an epoch uploads its order once per tensor, then nothing per batch; no readback; buffers flat across epochs', () => {
    const loader = digitsLoader('gpu', 0);
    expect(loader.length).toBe(23); // 1,438 training samples in batches of 64
    const before = gpuStats();
    let settled = 0;
    for (let epoch = 0; epoch < 3; epoch++) {
      const start = gpuStats();
      const perBatch: { uploads: number; readbacks: number; buffers: number }[] = [];
      let last = gpuStats();
      for (const [x, y] of loader) {
        expect(x!.device).toBe('gpu');
        expect(y!.dtype).toBe('int32');
        const now = gpuStats();
        perBatch.push({ uploads: now.uploads - last.uploads, readbacks: now.readbacks - last.readbacks, buffers: now.buffers - last.buffers });
        last = now;
      }
      // The first batch brings the epoch's gather: the order uploaded once for x and once for y, two copies
      // made (in the first epoch also x itself: the gpu runs x.div(16) only when something first reads it).
      expect(perBatch[0]).toEqual({ uploads: 2, readbacks: 0, buffers: epoch === 0 ? expect.any(Number) : 2 });
      expect(perBatch.slice(1).every((b) => b.uploads === 0 && b.readbacks === 0 && b.buffers === 0), JSON.stringify(perBatch)).toBe(true);
      const end = gpuStats();
      expect(end.uploads - start.uploads).toBe(2);
      expect(end.readbacks - start.readbacks).toBe(0);
      // The epoch's copies are freed when it ends: as many buffers after each epoch as after the first.
      if (epoch === 0) settled = end.buffers;
      expect(end.buffers).toBe(settled);
    }
    expect(settled - before.buffers).toBeLessThanOrEqual(1);
    expect(ctx.gpu.kernelClass()).toBe('HeadlessGLKernel');
  }, 300_000);

  it('the batches hold the same samples, in the same order, as on cpu with the same seed', () => {
    const onGpu: number[][] = [];
    for (const [x, y] of digitsLoader('gpu', 3)) scope(() => void onGpu.push([...Array.from(y!.dataSync()), ...Array.from(x!.sum(1).dataSync())]));
    const onCpu: number[][] = [];
    for (const [x, y] of digitsLoader('cpu', 3)) scope(() => void onCpu.push([...Array.from(y!.dataSync()), ...Array.from(x!.sum(1).dataSync())]));
    expect(onGpu.length).toBe(23);
    // Pixel sums are multiples of 1/16 below 64: exact in float32 on both devices.
    expect(onGpu).toEqual(onCpu);
  }, 300_000);
});
