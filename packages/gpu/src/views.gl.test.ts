import { describe, expect, it } from 'vitest';
import { memory, scope, tensor } from '@nn/core';
import { useGpu } from '../test/use-gpu.js';

// Views on headless-gl: t(), reshape() and clone()-then-read-only launch no
// kernel and hold no new buffer; matmul reads a transposed view in place.
useGpu('headlessgl');
const gpu = () => ({ kernels: memory().gpu!.kernels, buffers: memory().gpu!.buffers });

describe('views on gpu (headless-gl)', () => {
  it('t(), reshape() and clone() launch no kernel and hold no new buffer; mm of t() launches one', () => {
    scope(() => {
      const x = tensor([[1, 2, 3], [4, 5, 6]], { device: 'gpu' });
      const w = tensor([[1, 0], [0, 1], [1, 1]], { device: 'gpu' });
      const before = gpu();
      const v = [x.t(), x.reshape(3, 2), x.clone(), w.t()];
      expect(gpu()).toEqual(before);
      const p = v[3]!.t().mm(v[0]!.t()); // (wᵀ)ᵀ [3,2] · (xᵀ)ᵀ [2,3], both views read in place
      expect(p.toArray()).toEqual([[1, 2, 3], [4, 5, 6], [5, 7, 9]]); // the product is deferred until this read
      expect(gpu()).toEqual({ kernels: before.kernels + 1, buffers: before.buffers + 1 });
      expect(v[2]!.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]); // a clone read back: no copy kernel
      expect(v[1]!.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
      expect(gpu().kernels).toBe(before.kernels + 1);
      expect(v[0]!.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]); // reading a transposed view gathers it once
    });
  });
});
