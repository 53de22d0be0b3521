import { ArgumentError, checkOptions, isBoolean, numberIn, oneOf, showValue, type OptionRule } from '@nn/core';
import type { Graph } from './graph.js';
import type { GradientExplanation } from './gradient.js';
import type { LossRun } from './plot.js';

// Argument checks of @nn/explain's public functions: a plain-JavaScript caller
// who passes the wrong thing gets a named nn error that says what to pass,
// not a TypeError from deep inside a renderer.

const isText: OptionRule = { accepts: 'a string', ok: (v) => typeof v === 'string' };

/** The options of `graph()`. */
export const graphOptionRules = { view: oneOf('forward', 'backward'), allOps: isBoolean };

/** The options of `lossPlotSvg()`. */
export const plotOptionRules = {
  title: isText,
  xLabel: isText,
  yLabel: isText,
  log: { accepts: "true, false or 'auto'", ok: (v: unknown) => typeof v === 'boolean' || v === 'auto' },
  width: numberIn(1, 100_000, true),
  height: numberIn(1, 100_000, true),
};

/** A Graph as `graph()` returns it, for the renderers (`toSvg`, `toDot`, `toMermaid`). */
export function checkGraph(op: string, g: unknown): Graph {
  const o = g as Partial<Graph> | null;
  if (o === null || typeof o !== 'object' || !Array.isArray(o.nodes) || !Array.isArray(o.edges) || typeof o.output !== 'string') {
    throw new ArgumentError(op, `expected a graph made by graph(loss), got ${showValue(g)}; write ${op}(graph(loss))`);
  }
  return o as Graph;
}

/** What `explainGradient()` returns, for `formatExplanation()`. */
export function checkExplanation(x: unknown): GradientExplanation {
  const o = x as Partial<GradientExplanation> | null;
  if (o === null || typeof o !== 'object' || !Array.isArray(o.paths) || !Array.isArray(o.program) || typeof o.closedForm !== 'string') {
    throw new ArgumentError('formatExplanation', `expected what explainGradient(loss, w) returns, got ${showValue(x)}`);
  }
  return o as GradientExplanation;
}

/** The runs of a loss plot: `[{ label, points: [[step, loss], ...] }, ...]`, and its options. */
export function checkRuns(runs: unknown, opts: unknown): readonly LossRun[] {
  checkOptions('lossPlotSvg', opts, plotOptionRules);
  const example = "[{ label: 'run', points: [[0, 1.5], [1, 0.9]] }]";
  if (!Array.isArray(runs)) throw new ArgumentError('lossPlotSvg', `runs must be an array such as ${example}, got ${showValue(runs)}`);
  runs.forEach((r: unknown, i) => {
    const run = r as Partial<LossRun> | null;
    const pairs = run !== null && typeof run === 'object' && Array.isArray(run.points) &&
      run.points.every((p: unknown) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'number');
    if (!pairs || typeof run!.label !== 'string') {
      throw new ArgumentError('lossPlotSvg', `run ${i} must be { label: string, points: [step, loss][] } as in ${example}, got ${showValue(r)}`);
    }
  });
  return runs as readonly LossRun[];
}
