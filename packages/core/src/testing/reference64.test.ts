import { describe, expect, it } from 'vitest';
import { graphFixtures } from '../../test/graph-fixtures.js';
import { compareGraphResult } from './graphCheck.js';
import { evaluateReference } from './reference64.js';
import type { GraphResult } from './graph.js';

// The float64 reference must agree with PyTorch's float64 autograd on every
// committed fixture, conventions included; only then is it a fair judge of nn.
describe('reference64 against PyTorch', () => {
  it(`agrees with every fixture (${graphFixtures.length} graphs)`, () => {
    const bad: string[] = [];
    for (const fx of graphFixtures) {
      const ref = evaluateReference(fx.graph);
      const same = (a: number[] | null, b: number[] | null): boolean =>
        a === b || (!!a && !!b && a.length === b.length && a.every((x, i) => Object.is(x, b[i]) || (Number.isNaN(x) && Number.isNaN(b[i]!)) || Math.abs(x - b[i]!) <= 1e-12 * Math.max(1, Math.abs(b[i]!))));
      const ok = JSON.stringify(ref.shape) === JSON.stringify(fx.expected.shape) && same(ref.out, fx.expected.out) && ref.grads.every((g, i) => same(g, fx.expected.grads[i] ?? null));
      if (!ok) bad.push(`${fx.file} "${fx.name}": got ${JSON.stringify({ out: ref.out, grads: ref.grads })}, PyTorch ${JSON.stringify(fx.expected)}`);
    }
    expect(bad.slice(0, 5).join('\n')).toBe('');
  });
});

describe('the comparison catches what it must', () => {
  const spec = { leaves: [{ shape: [3], values: [-1, 0, 2] }], nodes: [{ op: 'relu' as const, x: { leaf: 0 } }], grad: [Infinity, Infinity, 1] };
  const right: GraphResult = { shape: [3], out: [0, 0, 2], grads: [[0, 0, 1]] };
  it('accepts the right answer', () => expect(compareGraphResult(spec, right)).toEqual([]));
  it('refuses NaN where a mask gives 0 (0·Inf)', () => {
    expect(compareGraphResult(spec, { ...right, grads: [[NaN, NaN, 1]] }).join()).toMatch(/l0\.grad\[0\] = NaN, expected 0/);
  });
  it('refuses a value off by more than float32 rounding, a wrong shape and a missing gradient', () => {
    expect(compareGraphResult(spec, { ...right, out: [0, 0, 2.001] })).toHaveLength(1);
    expect(compareGraphResult(spec, { ...right, shape: [1, 3] })).toHaveLength(1);
    expect(compareGraphResult(spec, { ...right, grads: [null] })).toHaveLength(1);
  });
  it('splits maximum ties 0.5/0.5 and sums a broadcast mask gradient back', () => {
    const tie = { leaves: [{ shape: [2], values: [1, 3] }, { shape: [2], values: [1, 2] }], nodes: [{ op: 'maximum' as const, a: { leaf: 0 }, b: { leaf: 1 } }], grad: [2, 2] };
    expect(evaluateReference(tie).grads).toEqual([[1, 2], [1, 0]]);
    const where = { leaves: [{ shape: [3], values: [1, 2, 3] }, { shape: [2, 3], values: [1, 0, 1, 1, 1, 0] }], nodes: [{ op: 'where' as const, c: { leaf: 1 }, cmp: 'gt' as const, threshold: 0, a: { leaf: 0 }, b: { scalar: 0 } }], grad: [1, 1, 1, 1, 1, 1] };
    expect(evaluateReference(where).grads[0]).toEqual([2, 1, 1]);
  });
});

describe("the reference follows PyTorch's scalar paths and ties", () => {
  it('x ** 0.5 is sqrt and x ** -0.5 is 1/sqrt (NaN at -Inf, where C pow gives Inf and 0), forward and backward', () => {
    // The minimal graph that found it: log(0) = -Inf, then ** 0.5.
    const spec = { leaves: [{ shape: [3, 1], values: [0, 0, NaN] }], nodes: [{ op: 'log' as const, x: { leaf: 0 } }, { op: 'pow' as const, a: { node: 0 }, b: { scalar: 0.5 } }], grad: [1, 1, 1] };
    expect(evaluateReference(spec).out).toEqual([NaN, NaN, NaN]);
    const half = { leaves: [{ shape: [2], values: [-Infinity, -0] }], nodes: [{ op: 'pow' as const, a: { leaf: 0 }, b: { scalar: -0.5 } }], grad: [1, 1] };
    expect(evaluateReference(half).out).toEqual([NaN, -Infinity]);
    // d/dx x^1.5 = 1.5·x^0.5, the scalar path again: NaN at -Inf.
    const threeHalves = { leaves: [{ shape: [1], values: [-Infinity] }], nodes: [{ op: 'pow' as const, a: { leaf: 0 }, b: { scalar: 1.5 } }], grad: [1] };
    expect(evaluateReference(threeHalves).grads[0]).toEqual([NaN]);
  });
  it('maximum, minimum, relu, clamp and max keep the first of -0 and 0', () => {
    const x = { shape: [2], values: [-0, 0] };
    const y = { shape: [2], values: [0, -0] };
    const run = (node: object, leaves = [x]) => evaluateReference({ leaves, nodes: [node as never], grad: [1, 1] }).out;
    expect(run({ op: 'maximum', a: { leaf: 0 }, b: { leaf: 1 } }, [x, y])).toEqual([-0, 0]);
    expect(run({ op: 'minimum', a: { leaf: 0 }, b: { leaf: 1 } }, [x, y])).toEqual([-0, 0]);
    expect(run({ op: 'relu', x: { leaf: 0 } })).toEqual([-0, 0]);
    expect(run({ op: 'clamp', x: { leaf: 0 }, min: 0 })).toEqual([-0, 0]);
    expect(run({ op: 'clamp', x: { leaf: 0 }, max: -0 })).toEqual([-0, 0]);
    expect(evaluateReference({ leaves: [x], nodes: [{ op: 'max', x: { leaf: 0 }, dim: [0], keepdim: true }], grad: [1] }).out).toEqual([-0]);
  });
});
