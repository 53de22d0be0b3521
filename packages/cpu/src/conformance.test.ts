import { describe, it, expect } from 'vitest';
import { getBackend, registerBackend } from '@nn/core';
import { conformanceCases } from '@nn/core/testing';
import { createCpuBackend } from './index.js';

// The cpu backend is the living spec: every conformance case must pass here
// first, with both kernel sets. `cpu` runs the default (WebAssembly SIMD)
// and is cross-checked against `cpu-js`, the plain TypeScript kernels.
registerBackend(createCpuBackend());
registerBackend(createCpuBackend({ device: 'cpu-js', kernels: 'js' }));

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
