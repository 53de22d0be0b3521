import { checkGraph } from './check.js';
import type { Graph } from './graph.js';
import { nodeLines, SAVED_COLOR, savedLinks, titleOf } from './text.js';

// Mermaid labels are quoted strings; a quote inside is written as an entity.
function quote(s: string): string {
  return `"${s.replace(/"/g, '#quot;')}"`;
}

/**
 * The graph as a Mermaid flowchart (GitHub renders ```mermaid blocks). Leaves
 * are stadium-shaped, the output is a double-bordered box, gradients flow
 * along thick arrows labelled with their local derivatives.
 */
export function toMermaid(g: Graph): string {
  checkGraph('toMermaid', g);
  const out: string[] = [];
  out.push('---', `title: ${quote(titleOf(g))}`, '---');
  out.push('flowchart TB');
  for (const n of g.nodes) {
    const label = quote(nodeLines(g, n).map((l, i) => (i === 0 ? `<b>${l}</b>` : l)).join('<br/>'));
    const shape = n.isLeaf ? `([${label}])` : n.isOutput ? `[[${label}]]` : `[${label}]`;
    out.push(`  ${n.id}${shape}`);
  }
  const arrow = g.view === 'backward' ? '==>' : '-->';
  for (const e of g.edges) out.push(e.label ? `  ${e.from} ${arrow}|${quote(e.label)}| ${e.to}` : `  ${e.from} ${arrow} ${e.to}`);
  // A saved forward value read again by a derivative: dotted, to the gradient it helps form, labelled
  // with both (h_relu ⇢ grad_w2) and coloured by linkStyle (links are numbered in the order written).
  const links = savedLinks(g);
  for (const l of links) out.push(`  ${l.from} -.->|${quote(l.label)}| ${l.to}`);
  if (links.length) {
    const ids = links.map((_, i) => g.edges.length + i);
    out.push(`  linkStyle ${ids.join(',')} stroke:${SAVED_COLOR},stroke-width:1.6px`);
  }
  out.push('  classDef weight fill:#fde9d0,stroke:#d9822b,color:#222');
  out.push('  classDef input fill:#eef0f3,stroke:#8a94a6,color:#222');
  out.push('  classDef op fill:#e8f1fb,stroke:#4a7ebb,color:#222');
  out.push('  classDef output fill:#e3f4e1,stroke:#3c8d40,color:#222');
  const group = (k: string, ids: string[]): void => {
    if (ids.length) out.push(`  class ${ids.join(',')} ${k}`);
  };
  group('weight', g.nodes.filter((n) => n.isLeaf && n.requiresGrad).map((n) => n.id));
  group('input', g.nodes.filter((n) => n.isLeaf && !n.requiresGrad).map((n) => n.id));
  group('op', g.nodes.filter((n) => !n.isLeaf && !n.isOutput).map((n) => n.id));
  group('output', g.nodes.filter((n) => n.isOutput).map((n) => n.id));
  return out.join('\n') + '\n';
}
