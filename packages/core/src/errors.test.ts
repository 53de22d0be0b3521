import { describe, it, expect, beforeAll } from 'vitest';
import { createCpuBackend } from '@nn/cpu';
import {
  registerBackend, tensor, randn, zeros, noGrad, checkNumerics, scope, memory, keep,
  ShapeError, DeviceError, DTypeError, StateError, NumericError, NNError, FormatError, ArgumentError,
} from './index.js';

beforeAll(() => registerBackend(createCpuBackend()));

describe('errors name the op, the shapes or devices, and the fix', () => {
  it('ShapeError: mm inner sizes', () => {
    const x = randn([64, 1000]).named('x');
    const w = randn([100, 10]).named('w2');
    const err = (() => { try { x.mm(w); } catch (e) { return e; } })() as ShapeError;
    expect(err).toBeInstanceOf(ShapeError);
    expect(err).toBeInstanceOf(NNError);
    expect(err.kind).toBe('shape');
    expect(err.op).toBe('mm');
    expect(err.message).toMatch(/^mm: inner sizes differ: \[64, 1000\] · \[100, 10\].*1000.*100.*\.t\(\)/);
  });
  it('ShapeError: broadcasting, reshape, ragged arrays, item', () => {
    expect(() => zeros([2, 3]).add(zeros([4]))).toThrow(/add: shapes \[2, 3\] and \[4\] cannot be broadcast/);
    expect(() => zeros([2, 3]).reshape(5)).toThrow(/reshape: shape \[5\] holds 5 elements .* has 6/);
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged nested array: at \[1\] expected 2/);
    expect(() => zeros([2]).item()).toThrow(/item: only one-element tensors/);
  });
  it('DeviceError: unknown device, and dataSync on an async-only device', () => {
    expect(() => zeros([1], { device: 'tpu' })).toThrow(DeviceError);
    expect(() => zeros([1], { device: 'tpu' })).toThrow(/no backend is registered for device 'tpu' .*registerBackend/);
    const asyncOnly = createCpuBackend({ device: 'asynconly' });
    (asyncOnly as unknown as { readSync?: unknown }).readSync = undefined;
    registerBackend(asyncOnly);
    const t = zeros([1], { device: 'asynconly' });
    expect(() => t.dataSync()).toThrow(/can only read back asynchronously; use `await t\.data\(\)`/);
    expect(() => t.item()).toThrow(DeviceError);
  });
  it('DTypeError: non-numbers and 64-bit integers', () => {
    expect(() => tensor([[1, 'a' as unknown as number]])).toThrow(DTypeError);
    expect(() => tensor([[1, 'a' as unknown as number]])).toThrow(/element at \[0, 1\] is string/);
    expect(() => tensor(new BigInt64Array(2) as unknown as Float32Array)).toThrow(/64-bit integer/);
  });
  it('StateError: disposed tensors, in-place on leaves, backward without grad', () => {
    const a = tensor([1, 2]).named('a');
    a.dispose();
    expect(() => a.mul(2)).toThrow(/mul: a \(shape \[2\], device 'cpu'\) was disposed .*keep\(t\)/);
    const w = tensor([1, 2], { requiresGrad: true }).named('w1');
    expect(() => w.sub_(1)).toThrow(/sub_: w1 .* is a leaf that requires grad.*noGrad/);
    expect(() => tensor([1]).sum().backward()).toThrow(StateError);
  });
  it('NumericError: checkNumerics names the first op that made a NaN or Inf', () => {
    checkNumerics(true);
    try {
      const x = tensor([1, -1]).named('x');
      expect(() => x.log()).toThrow(NumericError);
      expect(() => x.log()).toThrow(/log: produced NaN at flat index 1 .*inputs: x/);
      expect(() => x.div(0)).toThrow(/div: produced \+Inf/);
      const w = tensor([0.5], { requiresGrad: true });
      const y = w.sqrt().mul(0);
      expect(() => y.sum().backward()).not.toThrow();
      const z = tensor([0], { requiresGrad: true });
      expect(() => z.sqrt().sum().backward()).toThrow(/in the backward pass of sqrt/);
    } finally {
      checkNumerics(false);
    }
  });
});

describe('memory', () => {
  it('a long loop inside scope keeps the live-buffer count flat', () => {
    const w = keep(randn([10, 10]));
    const start = memory().cpu!.buffers;
    for (let i = 0; i < 200; i++) {
      scope(() => {
        const h = w.mm(w).clamp({ min: 0 });
        noGrad(() => w.sub_(h.mul(1e-6)));
      });
    }
    expect(memory().cpu!.buffers).toBe(start);
  });
  it('scope keeps returned tensors in arrays and objects, frees the rest, and frees on throw', () => {
    const start = memory().cpu!.buffers;
    const out = scope(() => {
      const a = tensor([1]);
      const b = a.add(1);
      return { b, list: [b.mul(2)] };
    });
    expect(memory().cpu!.buffers).toBe(start + 2);
    out.b.dispose();
    out.list[0]!.dispose();
    expect(() => scope(() => { tensor([1]); throw new Error('boom'); })).toThrow('boom');
    expect(memory().cpu!.buffers).toBe(start);
  });
  it('backward frees every intermediate gradient', () => {
    const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const x = tensor([[1, 0], [0, 1]]);
    const before = memory().cpu!.buffers;
    scope(() => x.mm(w).relu().pow(2).sum().backward());
    // Only w.grad is new.
    expect(memory().cpu!.buffers).toBe(before + 1);
  });
});

describe('printing', () => {
  it('toString looks like PyTorch', () => {
    expect(tensor([[1, 2], [3, 4]]).toString()).toBe('tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]])');
    expect(tensor([1, -2], { requiresGrad: true }).toString()).toBe('tensor([ 1.0000, -2.0000], requiresGrad=true)');
    expect(tensor([1], { requiresGrad: true }).mul(2).toString()).toMatch(/gradFn=mul/);
    expect(zeros([100, 100]).toString()).toContain('...');
  });
});

describe('error names survive minification', () => {
  it('each class names itself in text (err.name), not by the constructor a minifier renames', () => {
    const classes = { ShapeError, DeviceError, DTypeError, StateError, NumericError, FormatError, ArgumentError };
    for (const [name, C] of Object.entries(classes)) {
      const e = new C('op', 'message');
      expect(e.name).toBe(name);
      expect(String(e)).toBe(`${name}: op: message`);
    }
  });
});
