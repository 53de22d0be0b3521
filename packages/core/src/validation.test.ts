import { describe, it, expect, beforeAll } from 'vitest';
import { createCpuBackend } from '@nn/cpu';
import {
  ArgumentError, NNError, ShapeError, StateError, arange, isGradEnabled, memory, noGrad, ones, randn, registerBackend, scope, tensor, zeros,
} from './index.js';

beforeAll(() => registerBackend(createCpuBackend()));

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NNError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
};

describe('shapes are checked at the public boundary (finding 1)', () => {
  it('a bad expand throws and later tensors stay correct', () => {
    expect(() => randn([3]).expand(-1, 3)).toThrow(ShapeError);
    expect(ones([2, 3]).toArray()).toEqual([[1, 1, 1], [1, 1, 1]]);
    expect(tensor([1, 2, 3]).expand(2, -1).toArray()).toEqual([[1, 2, 3], [1, 2, 3]]);
  });
  it('messages name the op, the bad size and the fix', () => {
    expect(message(() => zeros([-1]))).toBe('zeros: shape [-1] has a negative size -1 at dim 0; sizes are whole numbers ≥ 0');
    expect(message(() => zeros(3 as unknown as number[]))).toMatch(/^zeros: .*the number 3; write \[3\]/);
    expect(message(() => zeros([2, undefined as unknown as number]))).toMatch(/shape \[2, undefined\] has size undefined/);
    const r = message(() => zeros([2, 3]).reshape(-2, -3));
    expect(r).toMatch(/^reshape: shape \[-2, -3\] has an invalid size -2 at dim 0/);
    expect(r).not.toMatch(/holds/);
    expect(message(() => arange(0, 10, 0))).toMatch(/^arange: step must be nonzero/);
  });
  it('x.add(undefined) is an ArgumentError naming add', () => {
    expect(() => zeros([2]).add(undefined as unknown as number)).toThrow(ArgumentError);
    expect(message(() => zeros([2]).add(undefined as unknown as number))).toMatch(/^add: the second operand must be a Tensor or a number, got undefined/);
  });
  it('permute takes dims as numbers or one array; transpose of a scalar is a copy', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(x.permute([1, 0]).toArray()).toEqual(x.permute(1, 0).toArray());
    expect(tensor(5).transpose(0, -1).item()).toBe(5);
    // A scalar's one virtual dim: the message names the dims it accepts (was 'valid: 0..-1').
    expect(message(() => tensor(5).transpose(0, 1))).toMatch(/^transpose: dimension 1 is out of range for a tensor of rank 0 \(valid: -1\.\.0\)/);
  });
});

describe('reductions follow PyTorch (finding 9)', () => {
  const x = (): ReturnType<typeof tensor> => tensor([[1, 2, 3], [4, 5, 6]]);
  it('dim [] reduces every dim, as torch.ones(2, 3).sum(dim=[])', () => {
    expect(x().sum([]).shape).toEqual([]);
    expect(x().sum([]).item()).toBe(21);
    expect(x().mean([]).item()).toBe(3.5);
    expect(x().max([]).item()).toBe(6);
    expect(x().sum([], true).shape).toEqual([1, 1]);
    const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    w.sum([]).backward();
    expect(w.grad!.toArray()).toEqual([[1, 1], [1, 1]]);
  });
  it('a repeated dim is refused as PyTorch does', () => {
    expect(message(() => x().sum([1, 1]))).toMatch(/^sum: dim 1 appears multiple times in the list of dims/);
    expect(message(() => x().mean([0, -2]))).toMatch(/^mean: dim 0 appears multiple times/);
  });
  it('max over an empty dim raises; sum of empty is 0 and mean NaN', () => {
    expect(() => zeros([0]).max()).toThrow(ShapeError);
    expect(() => zeros([2, 0]).max(1)).toThrow(/dim 1 .* size 0/);
    expect(zeros([2, 0]).max(0).shape).toEqual([0]);
    expect(zeros([0]).sum().item()).toBe(0);
    expect(Number.isNaN(zeros([0]).mean().item())).toBe(true);
  });
  it('a scalar reduces over dim 0 or -1 to itself', () => {
    expect(tensor(5).sum(0).item()).toBe(5);
    expect(tensor(5).max(-1).item()).toBe(5);
  });
});

describe('async semantics (finding 12, and the scope(async) leak of finding 6)', () => {
  it('await data() of a disposed tensor rejects; it never throws synchronously', async () => {
    const t = tensor([1]);
    t.dispose();
    let p: Promise<unknown> | undefined;
    expect(() => (p = t.data())).not.toThrow();
    await expect(p).rejects.toBeInstanceOf(StateError);
  });
  it('scope refuses a returned Promise and frees the tensors made before it', () => {
    const before = memory().cpu!.buffers;
    expect(() => scope(() => Promise.resolve(zeros([4])))).toThrow(/^scope: fn is async/);
    expect(memory().cpu!.buffers).toBe(before);
  });
  it('noGrad and scope refuse an async function before running it', () => {
    let ran = false;
    const fn = async (): Promise<void> => {
      ran = true;
    };
    expect(() => noGrad(fn)).toThrow(StateError);
    expect(() => scope(fn)).toThrow(StateError);
    expect(ran).toBe(false);
    expect(isGradEnabled()).toBe(true);
  });
  it('noGrad of a function that returns a Promise is refused, and grad mode is restored', () => {
    expect(() => noGrad(() => Promise.resolve(1))).toThrow(/^noGrad: fn is async .*noGrad\(\(\) =>/);
    expect(isGradEnabled()).toBe(true);
  });
});
