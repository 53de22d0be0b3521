import { describe, expect, it } from 'vitest';
import { registerBackend } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { ALL, parseArgs } from './args.js';
import { digitsEpoch, digitsSteps } from './digits.js';
import { measureNn } from './measure-nn.js';
import { Measurements } from './measurements.js';
import { makePlan } from './plan.js';
import { toRows } from './rows.js';

registerBackend(createCpuBackend());

describe('W6: one epoch of the digits MLP', () => {
  const plan = makePlan(parseArgs(['--only', 'W6', '--quick']));

  it('is a workload of the bench, with the 1,438-image train split in 23 batches', () => {
    expect(ALL).toContain('W6');
    expect(plan.w6!.n).toBe(1438);
    expect(digitsSteps(plan.w6!)).toBe(23);
    expect(plan.w6!.x.length).toBe(1438 * 64);
    // A permutation of the split, and pixels scaled to [0, 1].
    expect([...plan.w6!.order].sort((a, b) => a - b)).toEqual(Array.from({ length: 1438 }, (_, i) => i));
    expect(Math.max(...plan.w6!.x)).toBe(1);
  });

  it("nn's loop trains: the loss falls over the epoch, and the same inputs give the same losses", () => {
    const losses = digitsEpoch(plan.w6!, 'cpu');
    expect(losses).toHaveLength(23);
    // Starts near ln 10 (untrained, 10 classes) and ends well below it.
    expect(losses[0]!).toBeGreaterThan(2);
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(losses.slice(-5))).toBeLessThan(0.5 * mean(losses.slice(0, 5)));
    expect(digitsEpoch(plan.w6!, 'cpu')).toEqual(losses);
  });

  it('gives a W6 row for nn cpu with its final loss', () => {
    const m = new Measurements(plan);
    measureNn(plan, [{ device: 'cpu', peer: 'nn cpu', slow: false }], m);
    const rows = toRows(m.list, plan);
    const row = rows.find((r) => r.workload === 'W6' && r.peer === 'nn cpu');
    expect(row?.stepsRun).toBe(23);
    expect(row?.seconds).toBeGreaterThan(0);
    expect(row?.loss).toBeLessThan(1);
  });
});
