import { describe, it, expect } from 'vitest';
import { registerBackend, tensor, DeviceError } from './index.js';
import { conformanceCases } from './testing/index.js';
import { createCpuBackend } from '@nn/cpu';

// Two cpu backends under different names stand in for two devices, so the
// device rules are tested without a GPU.
registerBackend(createCpuBackend());
registerBackend(createCpuBackend({ device: 'cpu2' }));

describe('devices', () => {
  it('an op mixing devices throws and names both devices and .to()', () => {
    const a = tensor([1, 2], { device: 'cpu' });
    const b = tensor([1, 2], { device: 'cpu2' });
    expect(() => a.reshape(1, 2).mm(b.reshape(2, 1))).toThrow(DeviceError);
    expect(() => a.matmul(b)).toThrow(DeviceError);
    expect(() => a.add(b)).toThrow(/'cpu'.*'cpu2'.*\.to\('cpu'\)/);
  });
  it('.to() copies across devices and the gradient comes back', () => {
    const a = tensor([1, 2, 3], { device: 'cpu', requiresGrad: true });
    const b = a.to('cpu2');
    expect(b.device).toBe('cpu2');
    b.mul(2).sum().backward();
    expect(Array.from(a.grad!.dataSync())).toEqual([2, 2, 2]);
    expect(a.grad!.device).toBe('cpu');
  });
  it('unknown devices name how to register a backend', () => {
    expect(() => tensor([1], { device: 'gpu' })).toThrow(/no backend is registered for device 'gpu'.*@nn\/gpu/);
  });
  it('conformance cross-checks against a second device', async () => {
    for (const c of conformanceCases()) await c.run({ device: 'cpu2', reference: 'cpu' });
  });
});

import { gradcheck } from './testing/index.js';
describe('gradcheck', () => {
  it('catches a wrong gradient (x·detach(x) has derivative x by autograd, 2x numerically)', () => {
    const x = tensor([0.5, -1.2, 2], { device: 'cpu' });
    const r = gradcheck((a) => a.mul(a.detach()), [x]);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/autograd .* finite differences/);
  });
  it('passes a right gradient and reports a small error', () => {
    const x = tensor([0.5, -1.2, 2], { device: 'cpu' });
    const r = gradcheck((a) => a.mul(a), [x]);
    expect(r.ok).toBe(true);
    expect(r.maxAbsError).toBeLessThan(1e-2);
  });
});

describe('re-registering a backend', () => {
  it('replacing the cpu backend keeps maskedFill working (cached constants follow the backend)', () => {
    const first = tensor([1, -1]);
    expect(Array.from(first.maskedFill(first.lt(0), 0).dataSync())).toEqual([1, 0]);
    registerBackend(createCpuBackend());
    const second = tensor([2, -2]);
    expect(Array.from(second.maskedFill(second.lt(0), 0).dataSync())).toEqual([2, 0]);
  });
});
