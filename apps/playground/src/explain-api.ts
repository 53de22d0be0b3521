import * as core from '@nn/core';
import type { Tensor } from '@nn/core';

/** A graph picture as data (the slice of core's `Graph` the page uses). */
export interface GraphData {
  nodes: { id: string; name: string }[];
  edges: { from: string; to: string; label: string }[];
}

/** The slice of core's `GradientExplanation` the page shows. */
export interface Explanation {
  leaf: string;
  shape: number[];
  paths: { from: string; to: string; local: string; shape: number[]; reads: string[] }[][];
  program: { name: string; formula: string; shape: number[] }[];
  closedForm: string;
  where: string[];
  savedReads: { tensor: string; forwardUses: string[]; readBy: string }[];
  device: string;
  maxAbsDiff: number | null;
  maxAbsGrad: number | null;
}

/** The explain tools of @nn/core the page needs. */
export interface ExplainApi {
  graph(output: Tensor, opts?: { view?: 'forward' | 'backward' }): GraphData;
  toSvg(g: GraphData): string;
  explainGradientAsync(output: Tensor, leaf: Tensor): Promise<Explanation>;
}

const NEEDED = ['graph', 'toSvg', 'explainGradientAsync'] as const;

/**
 * The explain tools when this build of @nn/core has them, else the names that
 * are missing. Looked up by name (not imported by name) so that the page
 * still builds, and says so in words, against a core without them.
 */
export function explainApi(): { api: ExplainApi; missing: [] } | { api: null; missing: string[] } {
  const ns = core as unknown as Record<string, unknown>;
  const missing = NEEDED.filter((n) => typeof ns[n] !== 'function');
  if (missing.length) return { api: null, missing: [...missing] };
  return { api: ns as unknown as ExplainApi, missing: [] };
}
