import { describe, expect, it } from 'vitest';
import { registerBackend, scope, tensor } from '@nn/core';
import { createCpuBackend } from './index.js';

// Write-through from a view of a base that is itself a strided view whose own base is gone:
// the family's block must still be the buffer span the base reaches, not its shape read row-major.
registerBackend(createCpuBackend({ device: 'cpu-wt', engine: 'wasm' }));
registerBackend(createCpuBackend({ device: 'cpu-wt-js', engine: 'js' }));

describe.each(['cpu-wt', 'cpu-wt-js'])('write-through from a view of a lone strided view on %s', (device) => {
  it('a narrow of a step-2 slice whose base was disposed writes into the slice', () => {
    scope(() => {
      const x = tensor([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], { device });
      const s = x.slice(1, 0, 4, 2); // [[0, 2], [4, 6], [8, 10]], strides [4, 2]
      x.dispose();
      const v = s.narrow(0, 0, 1);
      v.add_(1);
      expect(v.toArray()).toEqual([[1, 3]]);
      expect(s.toArray()).toEqual([[1, 3], [4, 6], [8, 10]]);
    });
  });

  it('a column of a lone transposed narrow writes into it', () => {
    scope(() => {
      const x = tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]], { device });
      const n = x.narrow(1, 1, 2).t(); // [[1, 4, 7, 10], [2, 5, 8, 11]]
      x.dispose();
      const c = n.narrow(1, 2, 1); // [[7], [8]]
      c.zero_();
      expect(n.toArray()).toEqual([[1, 4, 0, 10], [2, 5, 0, 11]]);
    });
  });
});
