// The digits parity check of task.test.ts, in Chromium (packages/gpu/src/digits-parity.*.browser.test.ts): the
// example's own training loop (runTask) on the gpu backend registered as 'gpu', from PyTorch's initial weights and
// batch order, against PyTorch's per-epoch losses. The fixture files come through Vite as URLs and `fetch`.
import { describe, expect, it } from 'vitest';
import { getDefaultDevice, setDefaultDevice, type BackendInfo } from '@nn/core';
import { runTask, type TaskData } from '../src/task.js';
import { expectParity, parity } from './parity.js';

const urls = import.meta.glob('../../../fixtures/digits-parity/*.{npz,npy}', { eager: true, query: '?url', import: 'default' }) as Record<string, string>;

// The --data directory's four files, as the CLI reads them from disk.
async function fetchDigitsParity(): Promise<TaskData> {
  const bytes = async (name: string): Promise<Uint8Array> => {
    const url = Object.entries(urls).find(([path]) => path.endsWith(`/${name}`))?.[1];
    if (!url) throw new Error(`fixtures/digits-parity/${name} was not found by import.meta.glob (found: ${Object.keys(urls).join(', ')})`);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`fetching ${url}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  };
  const [init, train, test, orders] = await Promise.all(['init.npz', 'train.npy', 'test.npy', 'orders.npy'].map(bytes));
  return { dir: 'fixtures/digits-parity', init: init!, train: train!, test: test!, orders: orders! };
}

/** One epoch of `--task digits --data fixtures/digits-parity` on 'gpu' (which must run `runtime`), matched against PyTorch. */
export function describeDigitsParity(where: string, runtime: string, info: () => BackendInfo): void {
  describe(`--task digits on gpu (${where})`, () => {
    it("matches PyTorch's float32 loss of the first epoch from the same weights and batch order", async () => {
      const data = await fetchDigitsParity();
      const before = getDefaultDevice();
      // runTask makes its tensors on the default device, as the CLI's setupDevice arranges.
      setDefaultDevice('gpu');
      try {
        const r = await runTask({ task: 'digits', device: 'gpu', epochs: 1, batchSize: parity.batch_size, lr: parity.lr, seed: 0, data, json: true }, info(), null);
        expect(r.backend).toMatchObject({ name: '@nn/gpu', runtime, fallback: false });
        expect(r).toMatchObject({ trainSize: 1438, testSize: 359, data: 'fixtures/digits-parity' });
        expectParity(r, 1);
      } finally {
        setDefaultDevice(before);
      }
    }, 600_000);
  });
}
