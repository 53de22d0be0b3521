import { expect, it } from 'vitest';
import { Generator, StateError, randperm, registerBackend, setDefaultDevice, tensor, type Backend } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { DataLoader, TensorDataset, randomSplit } from '@nn/data';

// A program with no cpu backend and a device that reads only asynchronously (as WebGPU): the shuffle's
// permutation is drawn on the data's device, and `for await` reads it there. (A file of its own: no
// 'cpu' device is registered in this process.)
it('with no cpu backend, for await shuffles on an async-only device; the sync loop says how to read', async () => {
  const dev = createCpuBackend({ device: 'async-only' });
  // An async-only device has no readSync (core checks its presence); read() still answers.
  const readSync = dev.readSync!.bind(dev);
  Object.defineProperty(dev, 'read', { value: async (h: Parameters<Backend['read']>[0]) => readSync(h) });
  Object.defineProperty(dev, 'readSync', { value: undefined });
  registerBackend(dev);
  setDefaultDevice('async-only');
  const n = 9;
  const ds = new TensorDataset(tensor(Array.from({ length: n }, (_, i) => [i])), tensor(Array.from({ length: n }, (_, i) => i), { dtype: 'int32' }));
  const seen: number[] = [];
  for await (const [, y] of new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator(6) })) seen.push(...Array.from(await y!.data()));
  const expected = Array.from(await randperm(n, { generator: new Generator(6) }).data());
  expect(seen).toEqual(expected);
  expect(() => [...new DataLoader(ds, { shuffle: true })]).toThrow(StateError);
  expect(() => [...new DataLoader(ds, { shuffle: true })]).toThrow(/drawn on 'async-only', which reads only asynchronously .* iterate with `for await/);
  // Without shuffle nothing is read: the sync loop works there.
  expect([...new DataLoader(ds, { batchSize: 9 })].length).toBe(1);
  // randomSplit reads its permutation synchronously: on such a device it names the fix.
  expect(() => randomSplit(ds, [4, 5])).toThrow(/randomSplit: .*register a cpu backend/);
});
