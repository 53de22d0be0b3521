import { describe, it } from 'vitest';
import { registerBackend } from '@nn/core';
import { createCpuBackend } from './index.js';
import { assertGraphFixtures, graphFixtures } from '../../core/test/graph-fixtures.js';

// The PyTorch float64 fixtures (scripts/make_graph_fixtures.py) replayed on every cpu kernel set.
registerBackend(createCpuBackend({ fma: 'off' }));
registerBackend(createCpuBackend({ device: 'cpu-fma', fma: 'on' }));
registerBackend(createCpuBackend({ device: 'cpu-js', engine: 'js' }));

describe(`the ${graphFixtures.length} PyTorch graph fixtures`, () => {
  for (const device of ['cpu', 'cpu-fma', 'cpu-js']) {
    it(`replay on ${device}`, () => assertGraphFixtures(device), 120_000);
  }
});
