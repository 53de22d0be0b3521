import type { Device } from '@nn/core';
import { checkGraph, decodeNumbers, type GraphResult, type GraphSpec, type GraphTolerance } from '@nn/core/testing';

// The committed PyTorch fixtures (fixtures/graphs/*.json, made by
// scripts/make_graph_fixtures.py): graphs PyTorch evaluated in float64 with
// autograd. Loaded through Vite, so the same code runs in Node and in Chromium.

/** One graph with PyTorch's float64 results. */
export interface GraphFixture {
  file: string;
  name: string;
  graph: GraphSpec;
  expected: GraphResult;
}

const files = import.meta.glob('../../../fixtures/graphs/*.json', { eager: true, query: '?raw', import: 'default' }) as Record<string, string>;

/** Every committed graph fixture. */
export const graphFixtures: readonly GraphFixture[] = Object.entries(files).flatMap(([path, text]) => {
  const file = path.split('/').pop()!;
  const doc = JSON.parse(text, decodeNumbers) as { graphs: { name: string; graph: GraphSpec; expected: GraphResult }[] };
  return doc.graphs.map((g) => ({ file, ...g }));
});

/** Replay every fixture on `device`; throw once, listing every graph that disagrees with PyTorch (the first few as code). */
export async function assertGraphFixtures(device: Device, tol: GraphTolerance = {}): Promise<void> {
  if (graphFixtures.length < 300) throw new Error(`only ${graphFixtures.length} graph fixtures found under fixtures/graphs`);
  const failures: { label: string; message: string }[] = [];
  for (const fx of graphFixtures) {
    try {
      await checkGraph(fx.graph, device, tol, fx.expected);
    } catch (e) {
      failures.push({ label: `${fx.file} "${fx.name}"`, message: (e as Error).message });
    }
  }
  if (failures.length > 0) {
    // One line per graph (its name and first problem), then the first few in full, as code.
    const lines = failures.map((f) => `${f.label}: ${f.message.split('\n')[1]?.trim()}`).join('\n  ');
    const full = failures.slice(0, 3).map((f) => `${f.label}: ${f.message}`).join('\n\n');
    throw new Error(`${failures.length} of ${graphFixtures.length} PyTorch graph fixtures disagree on '${device}':\n  ${lines}\n\n${full}`);
  }
}
