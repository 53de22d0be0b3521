import { describe, it, expect } from 'vitest';
import { getBackend, registerBackend, scope } from '@nn/core';
import { conformanceCases, seedNet, seedStep } from '@nn/core/testing';
import { createCpuBackend } from './index.js';

// The cpu backend is the living spec: every conformance case must pass here
// first, with both kernel sets. `cpu` runs the default (WebAssembly SIMD)
// and is cross-checked against `cpu-js`, the plain TypeScript kernels.
registerBackend(createCpuBackend());
registerBackend(createCpuBackend({ device: 'cpu-js', kernels: 'js' }));
// A private (unshared) WebAssembly memory, as in a browser page without
// cross-origin isolation: growing it detaches every view taken before.
registerBackend(createCpuBackend({ device: 'cpu-private', memory: 'private' }));

describe('the default cpu backend runs WebAssembly SIMD here', () => {
  it('says so in info.runtime', () => {
    expect(getBackend('cpu').info.runtime).toBe('wasm-simd');
    expect(getBackend('cpu-js').info.runtime).toBe('js');
  });
});

describe('conformance on cpu (wasm kernels)', () => {
  for (const c of conformanceCases()) {
    it(c.name, () => c.run({ device: 'cpu', reference: 'cpu-js' }));
  }
});

describe('conformance on cpu-js (plain TypeScript kernels)', () => {
  for (const c of conformanceCases()) {
    it(c.name, () => c.run({ device: 'cpu-js' }));
  }
});

describe('conformance on cpu-private (wasm kernels on an unshared, growing memory)', () => {
  for (const c of conformanceCases()) {
    it(c.name, () => c.run({ device: 'cpu-private', reference: 'cpu-js' }));
  }
  it('the seed loop gives the same losses while the memory grows under it', () => {
    const losses = (device: string): number[] => {
      const net = seedNet(device);
      return [0, 1, 2].map(() => scope(() => seedStep(net, 1e-6).item()));
    };
    const priv = losses('cpu-private');
    expect(priv.every(Number.isFinite)).toBe(true);
    const ref = losses('cpu-js');
    priv.forEach((l, i) => expect(Math.abs(l - ref[i]!) / ref[i]!).toBeLessThan(1e-4));
  });
});
