import { explainGradientAsync, graph, lossPlotSvg, toSvg } from '@nn/core';

/** The explain tools of @nn/core the page uses, in one place (the panel can be pointed at another set in a test). */
export interface ExplainApi {
  graph: typeof graph;
  toSvg: typeof toSvg;
  explainGradientAsync: typeof explainGradientAsync;
  lossPlotSvg: typeof lossPlotSvg;
}

export type { GradientExplanation as Explanation } from '@nn/core';

const NEEDED = ['graph', 'toSvg', 'explainGradientAsync', 'lossPlotSvg'] as const;

/**
 * The explain tools when this build of @nn/core has them, else the names that
 * are missing, so that the page says so in words rather than failing to start.
 */
export function explainApi(): { api: ExplainApi; missing: [] } | { api: null; missing: string[] } {
  const api: Record<(typeof NEEDED)[number], unknown> = { graph, toSvg, explainGradientAsync, lossPlotSvg };
  const missing = NEEDED.filter((n) => typeof api[n] !== 'function');
  if (missing.length) return { api: null, missing: [...missing] };
  return { api: api as unknown as ExplainApi, missing: [] };
}
