import { describe, it } from 'vitest';
import { registerBackend } from '@nn/core';
import { conformanceCases } from '@nn/core/testing';
import { createCpuBackend } from './index.js';

// The cpu backend is the living spec: every conformance case must pass here first.
registerBackend(createCpuBackend());

describe('conformance on cpu', () => {
  for (const c of conformanceCases()) {
    it(c.name, () => c.run({ device: 'cpu' }));
  }
});
