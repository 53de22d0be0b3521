import fc from 'fast-check';
import type { Device } from '@nn/core';
import { checkGraph, graphFromChoices, type GraphSpec, type GraphTolerance } from '@nn/core/testing';

// The fast-check side of the random-graph suite (test-only: @nn/core ships no
// dependency). fast-check draws a list of choices and shrinks it; graphFromChoices
// turns any list into a valid graph, so a shrunk list is a small graph.

/** Arbitrary random op graphs (3–8 public ops). */
export const graphArbitrary: fc.Arbitrary<GraphSpec> = fc
  // A fixed length: a short list would end in zeros, i.e. trivial graphs. Shrinking
  // still makes every choice smaller, down to 0 (the simplest option).
  .array(fc.nat({ max: 1 << 20 }), { minLength: 400, maxLength: 400 })
  .map(graphFromChoices);

/** How many graphs a run tries: `NN_GRAPHS` overrides (0 means unbounded: a soak), else `ci`. */
export function graphRuns(ci: number): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.NN_GRAPHS;
  if (env === undefined || env === '') return ci;
  const n = Number(env);
  return n === 0 ? Number.MAX_SAFE_INTEGER : n;
}

/** A test's time limit: `ci` ms in CI, none (the most vitest takes) when `NN_GRAPHS` asks for a soak. */
export function graphTimeout(ci: number): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.NN_GRAPHS;
  return env === undefined || env === '' ? ci : 2 ** 31 - 1;
}

/** The fixed seed CI uses (NN_GRAPH_SEED overrides, to soak with other graphs). */
export function graphSeed(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.NN_GRAPH_SEED;
  return env ? Number(env) : 20261129;
}

/**
 * Check `numRuns` random graphs on `device` against the float64 reference; on a
 * mismatch fast-check shrinks it and the error holds the minimal graph as code.
 */
export async function assertRandomGraphs(device: Device, numRuns: number, tol: GraphTolerance = {}, seed = graphSeed()): Promise<void> {
  await fc.assert(
    fc.asyncProperty(graphArbitrary, (spec) => checkGraph(spec, device, tol)),
    { numRuns, seed },
  );
}
