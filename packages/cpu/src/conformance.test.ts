import { describe, it, expect } from 'vitest';
import { getBackend, registerBackend, scope } from '@nn/core';
import { conformanceCases, seedNet, seedStep } from '@nn/core/testing';
import { createCpuBackend } from './index.js';
import { hasRelaxedSimd } from './wasm/arena.js';

// The cpu backend is the living spec: every conformance case must pass here
// first, with every kernel set. `cpu` runs WebAssembly SIMD (multiply, then
// add), `cpu-fma` its relaxed-SIMD build (fused multiply-adds), and both are
// cross-checked against `cpu-js`, the plain TypeScript kernels.
registerBackend(createCpuBackend({ fma: 'off' }));
registerBackend(createCpuBackend({ device: 'cpu-fma', fma: 'on' }));
registerBackend(createCpuBackend({ device: 'cpu-js', engine: 'js' }));
// A private (unshared) WebAssembly memory, as in a browser page without
// cross-origin isolation: growing it detaches every view taken before.
registerBackend(createCpuBackend({ device: 'cpu-private', memory: 'private' }));

describe('each cpu backend says what runs', () => {
  it('in info.runtime', () => {
    expect(getBackend('cpu').info.runtime).toBe('wasm-simd');
    expect(getBackend('cpu-fma').info.runtime).toBe('wasm-relaxed-simd');
    expect(getBackend('cpu-js').info.runtime).toBe('js');
  });
  it("by default, the relaxed-SIMD build exactly where the engine has relaxed SIMD (here: after fma: 'on' turned Node 20's flag on)", () => {
    const relaxed = hasRelaxedSimd();
    const be = createCpuBackend({ device: 'cpu-default' });
    expect(be.info.runtime).toBe(relaxed ? 'wasm-relaxed-simd' : 'wasm-simd');
    be.dispose();
  });
});

describe('conformance on cpu (wasm kernels)', () => {
  for (const c of conformanceCases()) {
    it(c.name, () => c.run({ device: 'cpu', reference: 'cpu-js' }));
  }
});

describe('conformance on cpu-fma (wasm kernels, relaxed SIMD)', () => {
  for (const c of conformanceCases()) {
    it(c.name, () => c.run({ device: 'cpu-fma', reference: 'cpu-js' }));
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
