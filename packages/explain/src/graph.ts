import { checkOptions, checkTensor, savesOf, topoOrder, type Tensor } from '@nn/core';
import { graphOptionRules } from './check.js';
import * as E from './expr.js';
import { forwardFormula } from './rules.js';
import { describeLocal, drawnIn, foldedEdges, gradLabel, renderOptions, symbolicBackward } from './symbolic.js';

/** Which picture: data flowing forward, or gradients flowing back. */
export type GraphView = 'forward' | 'backward';

/** One tensor in a graph picture. */
export interface GraphNode {
  /** Stable id for renderers (`t12`). */
  id: string;
  /** The tensor's name, or its op for an unnamed intermediate (`sub`). */
  name: string;
  /** Whether the user named the tensor (named ones are drawn bold). */
  named: boolean;
  /** The op that made it, or null for a leaf. */
  op: string | null;
  /** Its formula in terms of its inputs (`h_relu · w2`), or null for a leaf. */
  formula: string | null;
  /** Backward view only: its gradient as the manual code writes it (`grad_w2 = h_reluᵀ · grad_y_pred`). */
  grad: string | null;
  /** Shape. */
  shape: number[];
  /** Not made by a recorded op (inputs, weights). */
  isLeaf: boolean;
  /** Whether gradients flow to it. */
  requiresGrad: boolean;
  /** The tensor the graph was drawn from (the loss). */
  isOutput: boolean;
  /** Forward values the op's backward keeps (`a`, `b`, `output`), as recorded in its GradNode. */
  saves: string[];
}

/** A connection: data (forward) or a gradient (backward, labelled with its local derivative). */
export interface GraphEdge {
  /** Node the value or gradient comes from. */
  from: string;
  /** Node it goes to. */
  to: string;
  /** Forward: empty; backward: the local derivative, `dy_pred/dh_relu = · w2ᵀ`. */
  label: string;
  /**
   * Backward only: ids of drawn tensors whose saved forward values this
   * derivative reads (`dy_pred/dw2 = h_reluᵀ ·` reads h_relu) — the values
   * used once forward and again backward. Empty in the forward view.
   */
  reads: string[];
}

/** The recorded computation behind a tensor, as plain data for the renderers. */
export interface Graph {
  /** The view drawn. */
  view: GraphView;
  /** Nodes, inputs before outputs. */
  nodes: GraphNode[];
  /** Edges, in the direction of the flow. */
  edges: GraphEdge[];
  /** Id of the output node. */
  output: string;
}

/** Options of `graph()`. */
export interface GraphOptions {
  /** 'forward' (default) or 'backward'. */
  view?: GraphView;
  /**
   * Backward view: show every op (true), or only named tensors, leaves and
   * tensors used twice, with the chain rule through the rest folded into one
   * edge (false, the default): `dL/dy_pred = 2(y_pred − y)`.
   */
  allOps?: boolean;
}

/**
 * The computation that produced `output`, from autograd's record, as data:
 * nodes (name, op, shape, leaf, requiresGrad) and edges. Render it with
 * `toMermaid`, `toDot` or `toSvg`.
 */
export function graph(output: Tensor, opts: GraphOptions = {}): Graph {
  checkTensor('graph', output, 'the output');
  checkOptions('graph', opts, graphOptionRules);
  const view = opts.view ?? 'forward';
  return view === 'forward' ? forwardGraph(output) : backwardGraph(output, opts.allOps ?? false);
}

const nodeId = (t: Tensor): string => `t${t.id}`;

function baseNode(t: Tensor, output: Tensor): GraphNode {
  const ro = renderOptions();
  const f = forwardFormula(t);
  return {
    id: nodeId(t),
    name: t.name ?? t.op ?? `tensor#${t.id}`,
    named: t.name !== undefined,
    op: t.op,
    formula: f ? E.render(f, ro) : null,
    grad: null,
    shape: [...t.shape],
    isLeaf: t.isLeaf,
    requiresGrad: t.requiresGrad,
    isOutput: t === output,
    saves: t.gradFn ? [...savesOf(t.gradFn)] : [],
  };
}

function forwardGraph(output: Tensor): Graph {
  const order = topoOrder(output, true);
  const nodes = order.map((t) => baseNode(t, output));
  const edges: GraphEdge[] = [];
  for (const t of order) {
    // Forward edges carry no label: the node's formula already says how its inputs combine.
    for (const inp of t.gradFn?.inputs ?? []) edges.push({ from: nodeId(inp), to: nodeId(t), label: '', reads: [] });
  }
  return { view: 'forward', nodes, edges, output: nodeId(output) };
}

function backwardGraph(output: Tensor, allOps: boolean): Graph {
  const shown = drawnIn(output, allOps);
  const { order, defs } = symbolicBackward(output, shown, false);
  const ro = renderOptions();
  const kept = order.filter(shown);
  const symbol = (t: Tensor): string => (t === output ? 'L' : t.name ?? t.op ?? `tensor#${t.id}`);
  const dName = (t: Tensor): string => {
    const s = symbol(t);
    return s.length > 1 && !/^\w+$/.test(s) ? `(${s})` : s;
  };

  const nodes = kept.map((t) => {
    const n = baseNode(t, output);
    const def = defs.get(t);
    n.grad = def ? `${t === output ? 'dL/dL' : gradLabel(t)} = ${E.render(def, ro)}` : null;
    return n;
  });

  // Each edge follows the gradient from a shown tensor down through hidden
  // ones to the next shown tensor, composing the local derivatives on the way.
  const drawn = new Set(kept);
  const edges: GraphEdge[] = foldedEdges(output, shown).map((e) => ({
    from: nodeId(e.from),
    to: nodeId(e.to),
    label: `d${dName(e.from)}/d${dName(e.to)} = ${describeLocal(e.result, e.G, ro)}`,
    // The edge's own end is implied (a mask of h on the way to h); other drawn tensors are worth an arrow.
    reads: [...new Set(e.ops.flatMap((o) => o.reads))].filter((t) => drawn.has(t) && t !== e.to && t !== e.from).map(nodeId),
  }));
  return { view: 'backward', nodes, edges, output: nodeId(output) };
}
