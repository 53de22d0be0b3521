import { describe, it } from 'vitest';
import type { GraphTolerance } from '@nn/core/testing';
import { assertRandomGraphs, graphRuns, graphTimeout } from '../../core/test/random-graphs.js';
import { assertGraphFixtures, graphFixtures } from '../../core/test/graph-fixtures.js';

// The random-graph suite and the PyTorch fixtures on the gpu registered as 'gpu',
// shared by every gpu path (headless-gl, Dawn, Chromium WebGL2 and WebGPU), as
// conformanceCases() is. Fewer graphs than on cpu: each op is a kernel launch.
const RUNS = graphRuns(200);

// Per op, 10× the cpu's 1e-5: GLSL/WGSL exp, log, tanh and pow are approximations
// (a few ulps on SwiftShader and llvmpipe, more near their edges). atol as on cpu:
// float32 subnormals (< 1.2e-38), which the gpu flushes to zero (docs/gpu.md), lie below it.
const GPU_TOL: GraphTolerance = { rtolPerOp: 1e-4 };

/** Describe the random-graph and PyTorch-fixture suites for the 'gpu' device (`where` names the path). */
export function describeGraphSuites(where: string): void {
  describe(`random op graphs and PyTorch fixtures on gpu (${where})`, () => {
    it(`${RUNS} random graphs match the float64 reference`, () => assertRandomGraphs('gpu', RUNS, GPU_TOL), graphTimeout(600_000));
    it(`the ${graphFixtures.length} PyTorch graph fixtures replay`, () => assertGraphFixtures('gpu', GPU_TOL), 600_000);
  });
}
