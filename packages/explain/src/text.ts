import type { Graph, GraphNode } from './graph.js';

/** Escape text for XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** A shape as people write it: 64×1000 (a scalar is `scalar`). */
export function shapeText(shape: readonly number[]): string {
  return shape.length ? shape.join('×') : 'scalar';
}

/** Fill and outline of a node, the same in every picture: weights orange, inputs grey, ops blue, the output green. */
export function paletteOf(n: GraphNode): { fill: string; stroke: string } {
  if (n.isOutput) return { fill: '#e3f4e1', stroke: '#3c8d40' };
  if (n.isLeaf) return n.requiresGrad ? { fill: '#fde9d0', stroke: '#d9822b' } : { fill: '#eef0f3', stroke: '#8a94a6' };
  return { fill: '#e8f1fb', stroke: '#4a7ebb' };
}

/** A coordinate for SVG text: one decimal at most. */
export function round1(v: number): string {
  return String(Math.round(v * 10) / 10);
}

/**
 * The lines of text in a node's box, the same for every renderer: name,
 * formula (forward) or gradient (backward), then shape and kind.
 */
export function nodeLines(g: Graph, n: GraphNode): [string, ...string[]] {
  const lines: [string, ...string[]] = [n.name];
  if (g.view === 'forward') {
    if (n.formula) lines.push(n.named ? `= ${n.formula}` : n.formula);
  } else if (n.grad) {
    lines.push(n.grad);
  }
  const what = n.isLeaf ? (n.requiresGrad ? 'leaf · requires grad' : 'leaf · input') : n.isOutput ? `${n.op} · output` : n.named ? n.op! : '';
  lines.push(what ? `${shapeText(n.shape)} · ${what}` : shapeText(n.shape));
  return lines;
}

/** Title of a picture. */
export function titleOf(g: Graph): string {
  const out = g.nodes.find((n) => n.id === g.output)!;
  return g.view === 'forward'
    ? `Forward: how ${out.name} is computed`
    : `Backward: how the gradient of ${out.name} flows to each leaf (edges: local derivatives)`;
}

/** Colour of a saved-value link, the same in every picture: a forward value the backward pass reads again. */
export const SAVED_COLOR = '#8e44ad';

/** A saved forward value read again by a backward edge, drawn from the value to the gradient it helps form. */
export interface SavedLink {
  /** Node id of the saved value (`h_relu`). */
  from: string;
  /** Node id of the tensor whose gradient the reading edge forms (`w2`). */
  to: string;
  /** Index of the backward edge whose derivative reads it. */
  edge: number;
  /** What the link says: `h_relu ⇢ grad_w2`. */
  label: string;
}

/**
 * Every saved-value link of a backward graph, once each: the label names the
 * value and the gradient it is read again to form (`h_relu ⇢ grad_w2`,
 * `w2 ⇢ grad_h_relu`), so two links between the same nodes never read alike.
 */
export function savedLinks(g: Graph): SavedLink[] {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  // The gradient's variable is what the node's grad line defines: `grad_w2 = …` gives grad_w2.
  const gradName = (id: string): string => {
    const n = byId.get(id);
    return n?.grad ? n.grad.split(' = ')[0]! : `grad_${n?.name ?? id}`;
  };
  const links: SavedLink[] = [];
  g.edges.forEach((e, i) => {
    for (const id of e.reads) {
      if (links.some((l) => l.from === id && l.to === e.to)) continue;
      links.push({ from: id, to: e.to, edge: i, label: `${byId.get(id)?.name ?? id} ⇢ ${gradName(e.to)}` });
    }
  });
  return links;
}
