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
