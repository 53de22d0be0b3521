import { checkGraph } from './check.js';
import type { Graph, GraphNode } from './graph.js';
import { layeredLayout, type Box } from './layout.js';
import { escapeXml, nodeLines, paletteOf, round1, SAVED_COLOR, savedLinks, titleOf } from './text.js';

// Monospace text has a known width (0.6 em a character), so boxes fit their
// text without a font engine.
const FONT = "'DejaVu Sans Mono', Menlo, Consolas, monospace";
const TITLE_FONT = "'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif";
const SIZE = 13;
const LABEL_SIZE = 12;
const CHAR = 0.6;
const LINE = 1.35;

const textWidth = (s: string, size: number): number => [...s].length * size * CHAR;

/**
 * The graph as a standalone SVG drawn here, no external program: boxes for
 * tensors (weights orange, inputs grey, ops blue, the output green), arrows
 * for data or, in the backward view, for gradients with their local derivatives.
 */
export function toSvg(g: Graph): string {
  checkGraph('toSvg', g);
  const pad = 10;
  const lines = new Map(g.nodes.map((n) => [n.id, nodeLines(g, n)]));
  const nodesIn = g.nodes.map((n) => {
    const ls = lines.get(n.id)!;
    const w = Math.max(...ls.map((l, i) => textWidth(l, i === 0 ? SIZE + 1 : SIZE))) + 2 * pad + 4;
    return { id: n.id, w: Math.max(w, 60), h: ls.length * SIZE * LINE + 2 * pad - 2 };
  });
  const edgesIn = g.edges.map((e) => ({
    from: e.from,
    to: e.to,
    ...(e.label ? { label: { w: textWidth(e.label, LABEL_SIZE) + 14, h: LABEL_SIZE * LINE + 8 } } : {}),
  }));
  const titleH = 44;
  const legendH = 34;
  // Dashed 'saved value' links need room between a label and the row below it.
  const roomy = g.edges.some((e) => e.reads.length > 0);
  const layout = layeredLayout(nodesIn, edgesIn, { nodeGap: 28, rankGap: roomy ? 84 : 46, margin: 24 });
  const title = titleOf(g);
  const width = Math.ceil(Math.max(layout.width, textWidth(title, 15) * 0.95 + 48, legendWidth(g) + 32, 560));
  const dx = (width - layout.width) / 2;
  const height = Math.ceil(layout.height + titleH + legendH);
  const edgeColor = g.view === 'backward' ? '#c0392b' : '#5b6270';

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`);
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push('<defs>');
  out.push(`<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z" fill="${edgeColor}"/></marker>`);
  out.push('</defs>');
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${width / 2}" y="28" text-anchor="middle" font-family="${TITLE_FONT}" font-size="15" font-weight="bold" fill="#222">${escapeXml(title)}</text>`);
  out.push(`<g transform="translate(${round1(dx)},${titleH})">`);

  // Edges first, so labels and boxes sit on top of the lines.
  for (const e of layout.edges) {
    out.push(`<path d="${curve(e.points)}" fill="none" stroke="${edgeColor}" stroke-width="${g.view === 'backward' ? 1.8 : 1.4}" marker-end="url(#arrow)"/>`);
  }
  // Dashed connectors: a saved forward value read again by a derivative, labelled with what it forms.
  const links = savedLinks(g);
  const linkLabels: LinkLabel[] = [];
  for (const l of links) {
    const box = layout.edges[l.edge]!.label;
    if (!box) continue;
    const [path, label] = savedLink(layout.nodes.get(l.from)!, box, l.label);
    out.push(path);
    linkLabels.push(label);
  }
  separate(linkLabels);
  g.edges.forEach((e, i) => {
    const box = layout.edges[i]!.label;
    if (!box || !e.label) return;
    out.push(labelBox(box, e.label, edgeColor));
  });
  for (const n of g.nodes) out.push(nodeBox(layout.nodes.get(n.id)!, n, lines.get(n.id)!));
  // The links' own labels last: they cross other edges, so they sit on top.
  out.push(...linkLabels.map(linkLabelSvg));
  out.push('</g>');
  out.push(legend(g, width, height - legendH + 6));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

// Smooth curve through the points with vertical tangents (reads as top-to-bottom flow).
function curve(pts: [number, number][]): string {
  let d = `M${round1(pts[0]![0])},${round1(pts[0]![1])}`;
  for (let i = 1; i < pts.length; i++) {
    const [x0, y0] = pts[i - 1]!;
    const [x1, y1] = pts[i]!;
    if (x0 === x1) {
      d += ` L${round1(x1)},${round1(y1)}`;
      continue;
    }
    const my = (y0 + y1) / 2;
    d += ` C${round1(x0)},${round1(my)} ${round1(x1)},${round1(my)} ${round1(x1)},${round1(y1)}`;
  }
  return d;
}

const SAVED = SAVED_COLOR;
const LINK_SIZE = 11;

// From the top of the value's box to the bottom of the label that reads it; returns the
// dashed path and, separately, its label (`h_relu ⇢ grad_w2`) centred on the curve.
function savedLink(from: Box, label: Box, text: string): [string, LinkLabel] {
  const left = from.x < label.x;
  const x0 = from.x + (left ? from.w / 4 : -from.w / 4);
  const y0 = from.y - from.h / 2;
  const x1 = label.x + (left ? -label.w / 4 : label.w / 4);
  const y1 = label.y + label.h / 2;
  const k = Math.max(8, (y0 - y1) * 0.6);
  const d = `M${round1(x0)},${round1(y0)} C${round1(x0)},${round1(y0 - k)} ${round1(x1)},${round1(y1 + k)} ${round1(x1)},${round1(y1)}`;
  const path = `<path class="saved" d="${d}" fill="none" stroke="${SAVED}" stroke-width="1.8" stroke-dasharray="6 4"/><circle cx="${round1(x1)}" cy="${round1(y1)}" r="3" fill="${SAVED}"/>`;
  // The label sits near the value's end of the curve (t = 0.25 of the cubic), so the labels of two
  // links that cross (h_relu ⇢ grad_w2, w2 ⇢ grad_h_relu) stay apart, each over its own value.
  const t = 0.25;
  const [a, b, c, e] = [(1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t ** 2, t ** 3];
  const mx = a * x0 + b * x0 + c * x1 + e * x1;
  const my = a * y0 + b * (y0 - k) + c * (y1 + k) + e * y1;
  return [path, { x: mx, y: my, w: textWidth(text, LINK_SIZE) + 10, h: LINK_SIZE * LINE + 4, text }];
}

/** A saved link's label box: centre, size and text. */
interface LinkLabel extends Box {
  text: string;
}

// Labels of links that cross sit close together: push overlapping ones apart sideways, half each.
function separate(labels: LinkLabel[]): void {
  for (let pass = 0; pass < 4; pass++) {
    for (const a of labels) {
      for (const b of labels) {
        if (a === b || Math.abs(a.y - b.y) >= (a.h + b.h) / 2) continue;
        const overlap = (a.w + b.w) / 2 + 6 - Math.abs(a.x - b.x);
        if (overlap <= 0) continue;
        const [left, right] = a.x <= b.x ? [a, b] : [b, a];
        left.x -= overlap / 2;
        right.x += overlap / 2;
      }
    }
  }
}

function linkLabelSvg(l: LinkLabel): string {
  return (
    `<g class="saved-label"><rect x="${round1(l.x - l.w / 2)}" y="${round1(l.y - l.h / 2)}" width="${round1(l.w)}" height="${round1(l.h)}" rx="4" fill="#fbf5fd" stroke="${SAVED}" stroke-width="0.9"/>` +
    `<text x="${round1(l.x)}" y="${round1(l.y + LINK_SIZE * 0.35)}" text-anchor="middle" font-size="${LINK_SIZE}" fill="${SAVED}">${escapeXml(l.text)}</text></g>`
  );
}

function labelBox(b: Box, text: string, color: string): string {
  const x = b.x - b.w / 2;
  const y = b.y - b.h / 2;
  return (
    `<g class="edge-label"><rect x="${round1(x)}" y="${round1(y)}" width="${round1(b.w)}" height="${round1(b.h)}" rx="4" fill="#fff7f5" stroke="${color}" stroke-width="0.8" stroke-opacity="0.6"/>` +
    `<text x="${round1(b.x)}" y="${round1(b.y + LABEL_SIZE * 0.35)}" text-anchor="middle" font-size="${LABEL_SIZE}" fill="${color}">${escapeXml(text)}</text></g>`
  );
}

function nodeBox(b: Box, n: GraphNode, lines: string[]): string {
  const p = paletteOf(n);
  const x = b.x - b.w / 2;
  const y = b.y - b.h / 2;
  const parts: string[] = [];
  parts.push(`<g class="node" id="${n.id}"><title>${escapeXml(`${n.name}: ${lines.slice(1).join(' · ')}`)}</title>`);
  const rx = n.isLeaf ? b.h / 2.4 : 6;
  parts.push(`<rect x="${round1(x)}" y="${round1(y)}" width="${round1(b.w)}" height="${round1(b.h)}" rx="${round1(rx)}" fill="${p.fill}" stroke="${p.stroke}" stroke-width="${n.isOutput ? 2.4 : 1.4}"/>`);
  const top = b.y - ((lines.length - 1) * SIZE * LINE) / 2 + SIZE * 0.35;
  lines.forEach((l, i) => {
    const ty = round1(top + i * SIZE * LINE);
    if (i === 0) {
      const style = n.named ? 'font-weight="bold" fill="#111"' : 'font-style="italic" fill="#555"';
      parts.push(`<text x="${round1(b.x)}" y="${ty}" text-anchor="middle" font-size="${SIZE + 1}" ${style}>${escapeXml(l)}</text>`);
    } else {
      const color = i === lines.length - 1 ? '#666' : '#222';
      parts.push(`<text x="${round1(b.x)}" y="${ty}" text-anchor="middle" font-size="${i === lines.length - 1 ? SIZE - 1 : SIZE}" fill="${color}">${escapeXml(l)}</text>`);
    }
  });
  parts.push('</g>');
  return parts.join('');
}

const LEGEND_SIZE = 11;

// The legend's entries and their widths: the colour keys, then the saved-link key when there are links.
function legendLayout(g: Graph, texts: string[]): { saved: string | null; widths: number[] } {
  const saved = g.edges.some((e) => e.reads.length > 0) ? 'saved value ⇢ the gradient that reads it again' : null;
  const widths = texts.map((t) => 18 + textWidth(t, LEGEND_SIZE) + 18);
  if (saved) widths.push(30 + textWidth(saved, LEGEND_SIZE) + 18);
  return { saved, widths };
}

// Width the legend needs, so the picture is never narrower than its legend.
function legendWidth(g: Graph): number {
  const texts = ['weight (leaf, requires grad)', ...(g.view === 'forward' ? ['input (leaf)'] : []), 'made by an op', 'output'];
  return legendLayout(g, texts).widths.reduce((a, b) => a + b, 0);
}

function legend(g: Graph, width: number, y: number): string {
  const items: [string, ReturnType<typeof paletteOf>][] = [
    ['weight (leaf, requires grad)', { fill: '#fde9d0', stroke: '#d9822b' }],
    ...(g.view === 'forward' ? ([['input (leaf)', { fill: '#eef0f3', stroke: '#8a94a6' }]] as [string, ReturnType<typeof paletteOf>][]) : []),
    ['made by an op', { fill: '#e8f1fb', stroke: '#4a7ebb' }],
    ['output', { fill: '#e3f4e1', stroke: '#3c8d40' }],
  ];
  const size = 11;
  const { saved, widths } = legendLayout(g, items.map(([t]) => t));
  let x = (width - widths.reduce((a, b) => a + b, 0)) / 2;
  const parts: string[] = ['<g class="legend">'];
  items.forEach(([t, p], i) => {
    parts.push(`<rect x="${round1(x)}" y="${round1(y)}" width="12" height="12" rx="3" fill="${p.fill}" stroke="${p.stroke}"/>`);
    parts.push(`<text x="${round1(x + 18)}" y="${round1(y + 10)}" font-size="${size}" fill="#444">${escapeXml(t)}</text>`);
    x += widths[i]!;
  });
  if (saved) {
    parts.push(`<path d="M${round1(x)},${round1(y + 6)} L${round1(x + 22)},${round1(y + 6)}" stroke="${SAVED}" stroke-width="1.8" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${round1(x + 30)}" y="${round1(y + 10)}" font-size="${size}" fill="#444">${escapeXml(saved)}</text>`);
  }
  parts.push('</g>');
  return parts.join('');
}
