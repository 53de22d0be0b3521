import { describe, it } from 'vitest';
import { registerBackend } from '@nn/core';
import { createCpuBackend } from './index.js';
import { assertRandomGraphs, graphRuns, graphTimeout } from '../../core/test/random-graphs.js';

// Random op graphs against the float64 reference (packages/core/src/testing/
// reference64.ts), on every cpu kernel set. The seed is fixed, so CI sees the
// same graphs every run; `NN_GRAPHS=0` runs an unbounded soak (see docs/testing.md).
registerBackend(createCpuBackend({ fma: 'off' }));
registerBackend(createCpuBackend({ device: 'cpu-fma', fma: 'on' }));
registerBackend(createCpuBackend({ device: 'cpu-js', engine: 'js' }));

const RUNS = graphRuns(3000);

describe('random op graphs match the float64 reference', () => {
  for (const device of ['cpu', 'cpu-fma', 'cpu-js']) {
    it(`on ${device} (${RUNS} graphs)`, () => assertRandomGraphs(device, RUNS), graphTimeout(600_000));
  }
});
