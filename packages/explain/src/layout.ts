/**
 * A small layered (Sugiyama-style) layout for the graphs explain draws: a
 * dozen nodes, so clarity beats speed. Ranks by longest path, edge labels as
 * boxes on their own rank (so they never overlap nodes), crossings reduced by
 * barycentric ordering, x placed by averaging neighbours under spacing rules.
 */

/** A box to place: size in pixels. */
export interface LayoutNodeIn {
  id: string;
  w: number;
  h: number;
}

/** A connection; a label box of the given size sits on it when `label` is set. */
export interface LayoutEdgeIn {
  from: string;
  to: string;
  label?: { w: number; h: number };
}

/** A placed box: centre and size. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Result: boxes by id, each edge as a polyline (and its label box), and the total size. */
export interface Layout {
  nodes: Map<string, Box>;
  edges: { from: string; to: string; points: [number, number][]; label: Box | null }[];
  width: number;
  height: number;
}

/** Spacing in pixels. */
export interface LayoutSpacing {
  /** Between boxes on one rank. */
  nodeGap: number;
  /** Between ranks. */
  rankGap: number;
  /** Around the drawing. */
  margin: number;
}

interface Item {
  id: string;
  w: number;
  h: number;
  rank: number;
  x: number;
  /** Index of the edge this virtual item belongs to, or -1 for a real node. */
  edge: number;
  isLabel: boolean;
}

/** Place `nodes` top to bottom along `edges` (which must not form a cycle). */
export function layeredLayout(nodes: LayoutNodeIn[], edges: LayoutEdgeIn[], spacing: LayoutSpacing): Layout {
  const labelled = edges.some((e) => e.label);
  const step = labelled ? 2 : 1;
  const rank = assignRanks(nodes, edges, step);

  // Items: real nodes, plus one virtual item per rank an edge crosses.
  const items = new Map<string, Item>();
  for (const n of nodes) items.set(n.id, { id: n.id, w: n.w, h: n.h, rank: rank.get(n.id)!, x: 0, edge: -1, isLabel: false });
  const chains: string[][] = [];
  edges.forEach((e, i) => {
    const chain = [e.from];
    const r0 = rank.get(e.from)!;
    const r1 = rank.get(e.to)!;
    for (let r = r0 + 1; r < r1; r++) {
      const isLabel = !!e.label && r === r0 + 1;
      const id = `~${i}:${r}`;
      items.set(id, { id, w: isLabel ? e.label!.w : 2, h: isLabel ? e.label!.h : 2, rank: r, x: 0, edge: i, isLabel });
      chain.push(id);
    }
    chain.push(e.to);
    chains.push(chain);
  });

  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  for (const c of chains) {
    for (let k = 0; k + 1 < c.length; k++) {
      down.set(c[k]!, [...(down.get(c[k]!) ?? []), c[k + 1]!]);
      up.set(c[k + 1]!, [...(up.get(c[k + 1]!) ?? []), c[k]!]);
    }
  }

  const maxRank = Math.max(0, ...[...items.values()].map((it) => it.rank));
  const layers: string[][] = Array.from({ length: maxRank + 1 }, () => []);
  // Initial order: depth-first from the first rank, so related nodes start close.
  const placed = new Set<string>();
  const visit = (id: string): void => {
    if (placed.has(id)) return;
    placed.add(id);
    layers[items.get(id)!.rank]!.push(id);
    for (const d of down.get(id) ?? []) visit(d);
  };
  for (const n of nodes) if (!(up.get(n.id)?.length)) visit(n.id);
  for (const id of items.keys()) visit(id);

  orderByBarycentre(layers, up, down);
  placeX(layers, items, up, down, spacing.nodeGap);

  // y: each rank as tall as its tallest item.
  const heights = layers.map((l) => Math.max(0, ...l.map((id) => items.get(id)!.h)));
  const ys: number[] = [];
  let y = spacing.margin;
  heights.forEach((h, r) => {
    ys[r] = y + h / 2;
    y += h + (labelled ? spacing.rankGap / 2 : spacing.rankGap);
  });
  const height = y - (labelled ? spacing.rankGap / 2 : spacing.rankGap) + spacing.margin;

  let minX = Infinity;
  let maxX = -Infinity;
  for (const it of items.values()) {
    minX = Math.min(minX, it.x - it.w / 2);
    maxX = Math.max(maxX, it.x + it.w / 2);
  }
  const shift = spacing.margin - minX;
  const box = (it: Item): Box => ({ x: it.x + shift, y: ys[it.rank]!, w: it.w, h: it.h });

  const outNodes = new Map<string, Box>();
  for (const n of nodes) outNodes.set(n.id, box(items.get(n.id)!));
  const outEdges = edges.map((e, i) => {
    const chain = chains[i]!;
    const a = outNodes.get(e.from)!;
    const b = outNodes.get(e.to)!;
    const points: [number, number][] = [[a.x, a.y + a.h / 2]];
    let label: Box | null = null;
    for (const id of chain.slice(1, -1)) {
      const it = items.get(id)!;
      const bx = box(it);
      if (it.isLabel) {
        // The line enters the label box at the top and leaves at the bottom.
        label = bx;
        points.push([bx.x, bx.y - bx.h / 2], [bx.x, bx.y + bx.h / 2]);
      } else {
        points.push([bx.x, bx.y]);
      }
    }
    points.push([b.x, b.y - b.h / 2]);
    return { from: e.from, to: e.to, points, label };
  });
  return { nodes: outNodes, edges: outEdges, width: maxX - minX + 2 * spacing.margin, height };
}

function assignRanks(nodes: LayoutNodeIn[], edges: LayoutEdgeIn[], step: number): Map<string, number> {
  const preds = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  const succs = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    preds.get(e.to)!.push(e.from);
    succs.get(e.from)!.push(e.to);
  }
  // Kahn's order, then longest path from the sources.
  const indeg = new Map(nodes.map((n) => [n.id, preds.get(n.id)!.length]));
  const queue = nodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  const topo: string[] = [];
  while (queue.length) {
    const id = queue.shift()!;
    topo.push(id);
    for (const s of succs.get(id)!) {
      indeg.set(s, indeg.get(s)! - 1);
      if (indeg.get(s) === 0) queue.push(s);
    }
  }
  if (topo.length !== nodes.length) throw new Error('layeredLayout: the graph has a cycle');
  const rank = new Map<string, number>();
  for (const id of topo) rank.set(id, Math.max(0, ...preds.get(id)!.map((p) => rank.get(p)! + step)));
  // Sources (weights, inputs) sit just above their first use, not all at the top.
  for (const id of [...topo].reverse()) {
    if (preds.get(id)!.length === 0 && succs.get(id)!.length > 0) {
      rank.set(id, Math.min(...succs.get(id)!.map((s) => rank.get(s)!)) - step);
    }
  }
  return rank;
}

function orderByBarycentre(layers: string[][], up: Map<string, string[]>, down: Map<string, string[]>): void {
  const pos = new Map<string, number>();
  const index = (): void => layers.forEach((l) => l.forEach((id, i) => pos.set(id, i)));
  index();
  const sweep = (layer: string[], nbrs: Map<string, string[]>): void => {
    const bary = new Map<string, number>();
    layer.forEach((id, i) => {
      const ns = nbrs.get(id) ?? [];
      bary.set(id, ns.length ? ns.reduce((s, n) => s + pos.get(n)!, 0) / ns.length : i);
    });
    layer.sort((a, b) => bary.get(a)! - bary.get(b)!);
    layer.forEach((id, i) => pos.set(id, i));
  };
  for (let iter = 0; iter < 8; iter++) {
    for (let r = 1; r < layers.length; r++) sweep(layers[r]!, up);
    for (let r = layers.length - 2; r >= 0; r--) sweep(layers[r]!, down);
  }
  index();
}

function placeX(layers: string[][], items: Map<string, Item>, up: Map<string, string[]>, down: Map<string, string[]>, gap: number): void {
  const sep = (a: Item, b: Item): number => (a.w + b.w) / 2 + (a.edge >= 0 && b.edge >= 0 && !a.isLabel && !b.isLabel ? gap / 3 : gap);
  for (const layer of layers) {
    let x = 0;
    layer.forEach((id, i) => {
      const it = items.get(id)!;
      if (i > 0) x += sep(items.get(layer[i - 1]!)!, it);
      it.x = x;
    });
  }
  // Pull each item toward its neighbours, keeping order and spacing, by the
  // least-squares fit under those constraints (pool-adjacent-violators). A plain
  // chain (one way in, from a node with one way out) pulls hardest, so it runs straight.
  for (let iter = 0; iter < 24; iter++) {
    const order = iter % 2 === 0 ? layers.map((_, r) => r) : layers.map((_, r) => layers.length - 1 - r);
    for (const r of order) {
      const layer = layers[r]!.map((id) => items.get(id)!);
      const want: number[] = [];
      const weight: number[] = [];
      for (const it of layer) {
        const ups = up.get(it.id) ?? [];
        const ns = [...ups, ...(down.get(it.id) ?? [])].map((n) => items.get(n)!.x);
        const chain = ups.length === 1 && (down.get(ups[0]!) ?? []).length === 1;
        want.push(chain ? items.get(ups[0]!)!.x : ns.length ? ns.reduce((s, v) => s + v, 0) / ns.length : it.x);
        weight.push(chain ? 10 : it.edge >= 0 ? 0.5 : 1);
      }
      const xs = fitOrdered(want, weight, layer.map((it, i) => (i ? sep(layer[i - 1]!, it) : 0)));
      layer.forEach((it, i) => (it.x = xs[i]!));
    }
  }
}

/**
 * Positions closest (weighted least squares) to `want` with x[i] − x[i−1] ≥ gap[i]:
 * shift out the gaps, fit a non-decreasing sequence by pooling adjacent
 * violators, shift back.
 */
function fitOrdered(want: number[], weight: number[], gap: number[]): number[] {
  const offset: number[] = [];
  let acc = 0;
  gap.forEach((g, i) => {
    acc += i ? g : 0;
    offset.push(acc);
  });
  const blocks: { value: number; weight: number; count: number }[] = [];
  want.forEach((w, i) => {
    blocks.push({ value: w - offset[i]!, weight: weight[i]!, count: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2]!.value > blocks[blocks.length - 1]!.value) {
      const b = blocks.pop()!;
      const a = blocks.pop()!;
      const wsum = a.weight + b.weight;
      blocks.push({ value: (a.value * a.weight + b.value * b.weight) / wsum, weight: wsum, count: a.count + b.count });
    }
  });
  const out: number[] = [];
  for (const b of blocks) for (let k = 0; k < b.count; k++) out.push(b.value + offset[out.length]!);
  return out;
}
