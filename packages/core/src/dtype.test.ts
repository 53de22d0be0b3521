import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@nn/cpu';
import { arange, DTypeError, full, ones, onesLike, rand, randn, registerBackend, tensor, where, zeros, zerosLike } from './index.js';

beforeAll(() => registerBackend(createCpuBackend()));

describe('int32 tensors', () => {
  it('are made from whole numbers and read back as those integers', () => {
    const t = tensor([[1, -2], [3, 16_777_216]], { dtype: 'int32' });
    expect(t.dtype).toBe('int32');
    expect(t.toArray()).toEqual([[1, -2], [3, 16_777_216]]);
    expect(tensor([1.5]).dtype).toBe('float32');
    expect(zeros([2], { dtype: 'int32' }).dtype).toBe('int32');
    expect(ones([2], { dtype: 'int32' }).toArray()).toEqual([1, 1]);
    expect(full([2], -7, { dtype: 'int32' }).toArray()).toEqual([-7, -7]);
    expect(arange(0, 6, 2, { dtype: 'int32' }).toArray()).toEqual([0, 2, 4]);
    expect(tensor(new Int32Array([4, 5]), { dtype: 'int32' }).toArray()).toEqual([4, 5]);
  });

  it('refuse fractions, NaN, ±Inf and values beyond ±2^24, naming the limit', () => {
    expect(() => tensor([1, 2.5], { dtype: 'int32' })).toThrow(/element 1 is 2.5, not a whole number/);
    expect(() => tensor([NaN], { dtype: 'int32' })).toThrow(DTypeError);
    expect(() => tensor([-Infinity], { dtype: 'int32' })).toThrow(/-Infinity/);
    expect(() => tensor([16_777_217], { dtype: 'int32' })).toThrow(/16777216 \(2\^24\)/);
    expect(() => tensor([2 ** 31], { dtype: 'int32' })).toThrow(/int32 overflow/);
    expect(() => full([1], 0.5, { dtype: 'int32' })).toThrow(DTypeError);
    expect(() => arange(0, 1, 0.25, { dtype: 'int32' })).toThrow(DTypeError);
  });

  it('refuse an unknown dtype and int32 random draws with a DTypeError', () => {
    expect(() => tensor([1], { dtype: 'int64' as never })).toThrow(/nn has float32 and int32 only/);
    expect(() => zeros([1], { dtype: 'float64' as never })).toThrow(DTypeError);
    expect(() => randn([2], { dtype: 'int32' })).toThrow(/randint/);
    expect(() => rand([2], { dtype: 'int32' })).toThrow(DTypeError);
  });

  it('cannot require grad', () => {
    expect(() => tensor([1], { dtype: 'int32', requiresGrad: true })).toThrow(DTypeError);
    const t = tensor([1], { dtype: 'int32' });
    expect(() => { t.requiresGrad = true; }).toThrow(/t.float\(\)/);
    expect(() => t.requiresGrad_()).toThrow(DTypeError);
  });

  it('int() truncates toward zero as torch.int32 and refuses NaN, ±Inf and |x| > 2^24', () => {
    const t = tensor([2.7, -2.7, 0.5, -0.5, 16777215.0]).int();
    expect(t.dtype).toBe('int32');
    expect(t.toArray()).toEqual([2, -2, 0, 0, 16777215]);
    const i = tensor([3], { dtype: 'int32' });
    expect(i.int()).toBe(i);
    expect(() => tensor([1, NaN]).int()).toThrow(/int: element 1 is NaN/);
    expect(() => tensor([Infinity]).int()).toThrow(DTypeError);
    expect(() => tensor([3e7]).int()).toThrow(/2\^24/);
    expect(() => tensor([3e9]).int()).toThrow(/int32 overflow/);
  });

  it('float() gives float32 with the same values; a float32 tensor is returned as it is', () => {
    const i = tensor([1, -2], { dtype: 'int32' });
    const f = i.float();
    expect(f.dtype).toBe('float32');
    expect(f.toArray()).toEqual([1, -2]);
    expect(f.float()).toBe(f);
    f.requiresGrad = true; // a float32 copy may require grad
  });

  it('prints whole numbers and its dtype; describe() names int32', () => {
    const t = tensor([[1, -20], [3, 4]], { dtype: 'int32' });
    expect(t.toString()).toBe("tensor([[  1, -20],\n        [  3,   4]], dtype='int32')");
    expect(t.describe()).toMatch(/shape \[2, 2\], int32, device 'cpu'/);
  });

  it('zerosLike/onesLike keep the dtype unless told otherwise', () => {
    const t = tensor([1, 2], { dtype: 'int32' });
    expect(zerosLike(t).dtype).toBe('int32');
    expect(onesLike(t, { dtype: 'float32' }).dtype).toBe('float32');
  });
});

describe('result dtypes (PyTorch promotion within float32/int32)', () => {
  const a = () => tensor([1, -2, 3], { dtype: 'int32' });
  const f = () => tensor([0.5, 1, 2]);

  it('add/sub/mul/neg/abs/relu/maximum/minimum/sum/amax of int32 stay int32', () => {
    expect(a().add(a()).dtype).toBe('int32');
    expect(a().sub(1).dtype).toBe('int32');
    expect(a().mul(-3).dtype).toBe('int32');
    expect(a().neg().dtype).toBe('int32');
    expect(a().abs().dtype).toBe('int32');
    expect(a().relu().dtype).toBe('int32');
    expect(a().maximum(a()).dtype).toBe('int32');
    expect(a().minimum(0).dtype).toBe('int32');
    expect(a().sum().dtype).toBe('int32');
    expect(a().sum().item()).toBe(2);
    expect(a().max().dtype).toBe('int32');
    expect(a().clamp({ min: 0 }).dtype).toBe('int32');
  });

  it('a fraction or a float32 operand promotes to float32, as PyTorch', () => {
    expect(a().add(1.5).dtype).toBe('float32');
    expect(a().add(f()).dtype).toBe('float32');
    expect(f().mul(a()).dtype).toBe('float32');
    expect(a().clamp({ min: 0.5 }).dtype).toBe('float32');
  });

  it('div, mean, pow and float functions give float32', () => {
    expect(a().div(2).dtype).toBe('float32');
    expect(a().div(2).toArray()).toEqual([0.5, -1, 1.5]);
    expect(a().mean().dtype).toBe('float32');
    expect(a().pow(2).dtype).toBe('float32');
    expect(a().exp().dtype).toBe('float32');
    expect(a().sin().dtype).toBe('float32');
  });

  it('shape ops keep the dtype; comparisons give float32 0/1 masks', () => {
    expect(a().reshape([3, 1]).dtype).toBe('int32');
    expect(a().reshape([1, 3]).t().dtype).toBe('int32');
    expect(a().expand([2, 3]).dtype).toBe('int32');
    expect(a().clone().dtype).toBe('int32');
    expect(a().detach().dtype).toBe('int32');
    expect(a().gt(0).dtype).toBe('float32');
  });

  it('where promotes its two values; a whole number operand counts as int32', () => {
    const m = tensor([1, 0, 1]);
    expect(where(m, a(), 0).dtype).toBe('int32');
    expect(where(m, a(), 2.5).dtype).toBe('float32');
    expect(where(m, a(), f()).dtype).toBe('float32');
    expect(where(m, f(), 0).dtype).toBe('float32');
  });

  it('maskedFill keeps the dtype and refuses a fraction into int32 (PyTorch truncates silently)', () => {
    const m = tensor([1, 0, 0]);
    expect(a().maskedFill(m, 7).toArray()).toEqual([7, -2, 3]);
    expect(a().maskedFill(m, 7).dtype).toBe('int32');
    expect(() => a().maskedFill(m, 1.5)).toThrow(DTypeError);
  });

  it('in-place ops keep an int32 tensor int32: a float result is refused, a whole one written', () => {
    const x = a();
    x.add_(2);
    expect(x.toArray()).toEqual([3, 0, 5]);
    expect(() => x.add_(0.5)).toThrow(/int32, which cannot hold it in place/);
    expect(() => x.mul_(f())).toThrow(DTypeError);
    expect(x.toArray()).toEqual([3, 0, 5]);
    const y = f();
    y.add_(a());
    expect(y.dtype).toBe('float32');
    expect(tensor([0], { dtype: 'int32' }).neg().toArray()).toEqual([0]);
    expect(x.zero_().toArray()).toEqual([0, 0, 0]);
    expect(x.dtype).toBe('int32');
    expect(x.copy_(tensor([1, 2, 3], { dtype: 'int32' })).toArray()).toEqual([1, 2, 3]);
    expect(() => x.copy_(tensor([1, 2, 3]))).toThrow(/copy_: the result is float32/);
  });

  it('gradients flow past int32 operands into float32 ones only', () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    w.mul(a()).sum().backward();
    expect(w.grad!.toArray()).toEqual([1, -2, 3]);
  });
});
