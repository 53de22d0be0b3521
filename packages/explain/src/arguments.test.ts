import { describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError, memory, registerBackend, sumToShape, tensor, type NNError } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { explainGradient, formatExplanation, graph, lossPlotSvg, toDot, toMermaid, toSvg } from './index.js';

// Plain-JavaScript callers have no type checker: every public function of @nn/explain
// refuses a wrong argument with a named nn error naming the function, and changes nothing.

registerBackend(createCpuBackend());

const bad = (fn: () => unknown): NNError => {
  try {
    fn();
  } catch (e) {
    return e as NNError;
  }
  throw new Error('expected a throw');
};

describe('@nn/explain checks its arguments', () => {
  const w = tensor([1, 2], { requiresGrad: true }).named('w');
  const loss = w.mul(3).sum().named('loss');
  const g = graph(loss);
  const cases: [string, string, () => unknown][] = [
    ['graph', 'graph(undefined)', () => graph(undefined as never)],
    ['graph', 'graph(3)', () => graph(3 as never)],
    ['graph', "graph(loss, { view: 'sideways' })", () => graph(loss, { view: 'sideways' as never })],
    ['graph', 'graph(loss, { allOps: 1 })', () => graph(loss, { allOps: 1 as never })],
    ['graph', 'graph(loss, { colour: 1 })', () => graph(loss, { colour: 1 } as never)],
    ['toSvg', 'toSvg({})', () => toSvg({} as never)],
    ['toDot', 'toDot(loss)', () => toDot(loss as never)],
    ['toMermaid', 'toMermaid(null)', () => toMermaid(null as never)],
    ['explainGradient', 'explainGradient(null, w)', () => explainGradient(null as never, w)],
    ['explainGradient', 'explainGradient(loss, 5)', () => explainGradient(loss, 5 as never)],
    ['formatExplanation', "formatExplanation('x')", () => formatExplanation('x' as never)],
    ['lossPlotSvg', 'lossPlotSvg(5)', () => lossPlotSvg(5 as never)],
    ['lossPlotSvg', 'lossPlotSvg([{}])', () => lossPlotSvg([{}] as never)],
    ['lossPlotSvg', 'lossPlotSvg([{ label: "a", points: [[0, "1"]] }])', () => lossPlotSvg([{ label: 'a', points: [[0, '1']] }] as never)],
    ['lossPlotSvg', 'lossPlotSvg(runs, { width: -5 })', () => lossPlotSvg([{ label: 'a', points: [[0, 1]] }], { width: -5 })],
    ['lossPlotSvg', 'no finite point', () => lossPlotSvg([{ label: 'a', points: [[0, NaN]] }])],
  ];
  for (const [op, what, fn] of cases) {
    it(`${what}: an ArgumentError naming ${op}, nothing allocated`, () => {
      const before = memory().cpu!.buffers;
      const e = bad(fn);
      expect(e).toBeInstanceOf(ArgumentError);
      expect(e.op).toBe(op);
      expect(e.message.startsWith(`${op}: `)).toBe(true);
      expect(memory().cpu!.buffers).toBe(before);
    });
  }
  it('the good calls still work', () => {
    expect(toSvg(g)).toMatch(/^<svg/);
    expect(toDot(g)).toMatch(/digraph/);
    expect(lossPlotSvg([{ label: 'a', points: [[0, 2], [1, 1]] }], { width: 300, log: 'auto' })).toMatch(/^<svg/);
  });
});

describe("core's exported sumToShape checks what tools give it", () => {
  it('sums a broadcast gradient back, and refuses a shape the gradient is not a broadcast of', () => {
    const g = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(Array.from(sumToShape(g, [3]).dataSync())).toEqual([5, 7, 9]);
    expect(Array.from(sumToShape(g, [2, 1]).dataSync())).toEqual([6, 15]);
    expect(bad(() => sumToShape(g, [1, 4]))).toBeInstanceOf(ShapeError);
    expect(bad(() => sumToShape(g, 'x' as never))).toBeInstanceOf(ShapeError);
    expect(bad(() => sumToShape(3 as never, [3]))).toBeInstanceOf(ArgumentError);
  });
});
