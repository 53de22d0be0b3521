import { describe, expect, it } from 'vitest';
import { loopFlops, loopData, loops } from './workloads.js';
import { markdown, textTable, type Results } from './report.js';

describe('bench workloads and report', () => {
  it('counts the product flops of one step of the seed loop', () => {
    // forward x·w1 and h·w2, backward xᵀ·g, hᵀ·g and g·w2ᵀ: 2·64·(2·1000·100 + 3·100·10)
    expect(loopFlops(loops.W1)).toBe(2 * 64 * (2 * 1000 * 100 + 3 * 100 * 10));
  });

  it('makes the same seeded inputs every time, shaped as the seed program', () => {
    const a = loopData(loops.W2, 0);
    const b = loopData(loops.W2, 0);
    expect(a.shapes).toEqual({ x: [64, 1000], y: [64, 10], w: [[1000, 100], [100, 100], [100, 10]] });
    expect(a.w[2]).toEqual(b.w[2]);
  });

  it('marks extrapolated times and failed loss checks in the table', () => {
    const results: Results = {
      date: '2026-01-01T00:00:00Z',
      command: 'npm run bench',
      machine: { cpu: 'test CPU', cores: 2, memoryGiB: 1, node: '20', os: 'Linux' },
      quick: false,
      lossTolerance: 1e-3,
      residualTolerance: 1e-5,
      notes: ['a note'],
      rows: [
        { workload: 'W1', peer: 'nn cpu', runtime: 'wasm-simd', seconds: 0.5, median: 0.6, reps: 3, stepsRun: 500, stepsFull: 500, gflops: 26, ratio: 1, loss: 2e-5, lossDiff: null, lossOk: null },
        { workload: 'W1', peer: 'slow', runtime: 'js', seconds: 20, median: 20, reps: 1, stepsRun: 50, stepsFull: 500, gflops: 0.6, ratio: 40, loss: 1, lossDiff: 0.5, lossOk: false },
        { workload: 'W1', peer: 'absent', runtime: '', seconds: null, median: null, reps: 0, stepsRun: 0, stepsFull: 500, gflops: null, ratio: null, loss: null, lossDiff: null, lossOk: null, skipped: 'not installed' },
      ],
    };
    const md = markdown(results);
    expect(md).toMatch(/\| W1 \| slow \| js \| 20\.0\* \|/);
    expect(md).toMatch(/MISMATCH/);
    expect(md).toMatch(/skipped: not installed/);
    expect(textTable(results)).toMatch(/40x/);
  });
});
