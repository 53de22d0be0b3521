import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@nn/core';
import { HealthMonitor, type HealthSample } from './index.js';

const sample = (step: number, active: number[], norms: number[]): HealthSample => ({
  step,
  layers: active.map((a, i) => ({ name: `h${i + 1}_relu`, units: 100, active: a })),
  gradients: norms.map((n, i) => ({ name: `w${i + 1}`, norm: n })),
});

describe('HealthMonitor', () => {
  it('names a ReLU layer that died after the start, the step, and the rate to try', () => {
    const m = new HealthMonitor({ lr: 1e-6, suggestLr: 1e-8 });
    m.record(sample(0, [100, 100], [1e8, 3e8, 5e8]));
    m.record(sample(1, [100, 40], [1e12, 3e12, 5e12]));
    m.record(sample(2, [100, 0], [0, 0, 0]));
    m.record(sample(3, [100, 0], [0, 0, 0]));
    const f = m.findings();
    expect(f[0]).toMatchObject({ kind: 'dead-relu', name: 'h2_relu', since: 2 });
    expect(f[0]!.message).toMatch(/^all 100 units of h2_relu are inactive since step 2: the learning rate is too high for this init; try 1e-8 /);
    expect(f.slice(1).map((x) => [x.kind, x.name, x.since])).toEqual([
      ['vanishing-gradient', 'w1', 2],
      ['vanishing-gradient', 'w2', 2],
      ['vanishing-gradient', 'w3', 2],
    ]);
    expect(f[1]!.cause).toBe('the dead h2_relu outputs only zeros and passes no gradient');
  });

  it('a layer dead from the start is the init, not the rate; a layer behind a dead one is named as fed zeros', () => {
    const m = new HealthMonitor({ lr: 1e-6 });
    m.record(sample(0, [0, 0], [0, 0, 1]));
    const f = m.findings();
    expect(f[0]!.message).toMatch(/h1_relu are inactive since step 0: the initial weights put every unit's input below 0/);
    expect(f[1]!.message).toMatch(/h2_relu are inactive since step 0 \(it gets only h1_relu's zeros\)/);
  });

  it('says nothing while a net trains, even as every gradient shrinks with the loss', () => {
    const m = new HealthMonitor({ lr: 1e-6 });
    for (let t = 0; t < 5; t++) m.record(sample(t * 100, [90 - t, 80 + t], [1e6 / 10 ** t, 3e6 / 10 ** t, 2e6 / 10 ** t]));
    expect(m.findings()).toEqual([]);
  });

  it('flags a gradient that vanished beside the output layer, and one that exploded', () => {
    const v = new HealthMonitor({ lr: 1e-3 });
    v.record(sample(0, [50], [1, 1]));
    v.record(sample(10, [50], [1e-6, 1]));
    expect(v.findings().map((x) => [x.kind, x.name, x.since])).toEqual([['vanishing-gradient', 'w1', 10]]);
    const e = new HealthMonitor({ lr: 1e-4, suggestLr: 1e-6 });
    e.record(sample(0, [50], [1, 1]));
    e.record(sample(5, [50], [NaN, 1e9]));
    const f = e.findings();
    // A NaN activation counts as inactive: no dead-layer claim once the numbers are not finite.
    e.record(sample(6, [0], [NaN, NaN]));
    expect(e.findings().map((x) => x.kind)).toEqual(['exploding-gradient', 'exploding-gradient']);
    expect(f.map((x) => [x.kind, x.name])).toEqual([['exploding-gradient', 'w1'], ['exploding-gradient', 'w2']]);
    expect(f[0]!.message).toMatch(/lower the learning rate \(try 1e-6\)/);
  });

  it('a gradient that starts at exactly 0 (a zero-initialised layer behind it) and grows is no explosion', () => {
    const m = new HealthMonitor({ lr: 1e-2 });
    m.record(sample(0, [100, 100], [0, 2, 1]));
    m.record(sample(1, [100, 100], [1e-3, 2, 1]));
    expect(m.findings()).toEqual([]);
    m.record(sample(2, [100, 100], [Infinity, 2, 1]));
    expect(m.findings().map((x) => [x.kind, x.name, x.since])).toEqual([['exploding-gradient', 'w1', 2]]);
  });

  it('refuses bad options and steps out of order with named errors', () => {
    expect(() => new HealthMonitor({ lr: -1 })).toThrow(ArgumentError);
    const m = new HealthMonitor({ lr: 1 });
    m.record(sample(3, [1], [1]));
    expect(() => m.record(sample(3, [1], [1]))).toThrow(/step 3 comes after step 3/);
  });
});
