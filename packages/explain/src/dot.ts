import { checkGraph } from './check.js';
import type { Graph } from './graph.js';
import { nodeLines, paletteOf, SAVED_COLOR, savedLinks, titleOf } from './text.js';

// DOT strings: backslash and quote are escaped; a newline becomes \n (centred line).
function str(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** The graph in Graphviz DOT (`dot -Tsvg graph.dot > graph.svg`). */
export function toDot(g: Graph): string {
  checkGraph('toDot', g);
  const out: string[] = [];
  out.push('digraph nn {');
  out.push(`  graph [rankdir=TB, label=${str(titleOf(g))}, labelloc=t, fontname="DejaVu Sans", fontsize=16, nodesep=0.4, ranksep=0.45];`);
  out.push('  node [shape=box, style="rounded,filled", fontname="DejaVu Sans Mono", fontsize=11, margin="0.15,0.07"];');
  const edgeColor = g.view === 'backward' ? '#c0392b' : '#555555';
  out.push(`  edge [fontname="DejaVu Sans Mono", fontsize=10, color="${edgeColor}", fontcolor="${edgeColor}"];`);
  for (const n of g.nodes) {
    const { fill, stroke } = paletteOf(n);
    const shape = n.isOutput ? ', peripheries=2' : '';
    out.push(`  ${n.id} [label=${str(nodeLines(g, n).join('\n'))}, fillcolor="${fill}", color="${stroke}"${shape}];`);
  }
  for (const e of g.edges) {
    const attrs = e.label ? ` [label=${str(` ${e.label} `)}${g.view === 'backward' ? ', penwidth=1.6' : ''}]` : '';
    out.push(`  ${e.from} -> ${e.to}${attrs};`);
  }
  // A saved forward value read again by a derivative: one dashed arrow per link, to the gradient it helps
  // form, labelled with both (h_relu ⇢ grad_w2), so the links between two nodes never read alike.
  for (const l of savedLinks(g)) {
    out.push(`  ${l.from} -> ${l.to} [style=dashed, penwidth=1.4, color="${SAVED_COLOR}", fontcolor="${SAVED_COLOR}", constraint=false, label=${str(` ${l.label} `)}];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}
