import { StateError, topoOrder, type Tensor } from '@nn/core';
import * as E from './expr.js';
import type { Expr, RenderOptions } from './expr.js';
import { forwardFormula, localDerivative } from './rules.js';

/** Raised when a graph holds an op the explain table does not know (an NNError, so callers catch it with the rest). */
export class ExplainError extends StateError {
  constructor(message: string) {
    super('explainGradient', message);
  }
}

/** Names for formulas: a tensor's own name; unnamed ones are shown by their formula. */
export function renderOptions(): RenderOptions {
  const formulas = new Map<Tensor, Expr | undefined>();
  return {
    nameOf: (t) => t.name ?? (t.isLeaf ? `tensor#${t.id}` : undefined),
    formulaOf: (t) => {
      if (!formulas.has(t)) formulas.set(t, forwardFormula(t));
      return formulas.get(t);
    },
  };
}

/** The variable a gradient is called by in the manual code: `grad_w1`. */
export function gradLabel(t: Tensor): string {
  return `grad_${t.name ?? `${t.op ?? 'tensor'}#${t.id}`}`;
}

/**
 * The backward pass done on formulas instead of numbers: for each tensor,
 * its gradient as an expression. Tensors for which `isVar` holds get a
 * variable (grad_h_relu) that later formulas refer to, as the manual code does.
 */
export function symbolicBackward(
  output: Tensor,
  isVar: (t: Tensor) => boolean,
  strict = true,
): { order: Tensor[]; defs: Map<Tensor, Expr> } {
  const order = topoOrder(output, false);
  const acc = new Map<Tensor, Expr>([[output, E.one(output.shape)]]);
  const defs = new Map<Tensor, Expr>();
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i]!;
    const g = acc.get(t);
    if (!g) continue;
    defs.set(t, g);
    const node = t.gradFn;
    if (!node) continue;
    const G = t !== output && isVar(t) ? E.gradVar(t, gradLabel(t)) : g;
    node.inputs.forEach((inp, k) => {
      if (!inp.requiresGrad) return;
      const rule = localDerivative(t, k);
      if (!rule && !strict) {
        // Pictures still draw an op the table lacks, marked as unknown.
        const c = E.fn(`∂${node.op}`, [G], inp.shape);
        acc.set(inp, acc.has(inp) ? E.add(acc.get(inp)!, c) : c);
        return;
      }
      if (!rule) {
        throw new ExplainError(
          `no derivative rule for op '${node.op}' (input ${k} of ${t.describe()}); ` +
            `give its id '${node.id}' an entry in the op table, packages/core/src/ops/table.ts, whose backward and explanation autograd and explain both read`,
        );
      }
      const c = rule.grad(G);
      const prev = acc.get(inp);
      acc.set(inp, prev ? E.add(prev, c) : c);
    });
  }
  return { order, defs };
}

/** Tensors that consume `t` in the recorded graph below `root` (its forward uses). */
export function consumers(root: Tensor, all: boolean): Map<Tensor, Tensor[]> {
  const users = new Map<Tensor, Tensor[]>();
  for (const t of topoOrder(root, all)) {
    for (const inp of t.gradFn?.inputs ?? []) {
      if (!all && !inp.requiresGrad) continue;
      const list = users.get(inp) ?? [];
      if (!list.includes(t)) list.push(t);
      users.set(inp, list);
    }
  }
  return users;
}

/**
 * Show how a gradient expression `result` depends on an incoming gradient
 * `G`: as a factor (`[h ≥ 0]`), a right product (`· w2ᵀ`), a left product
 * (`xᵀ ·`) or, for anything else, the whole map `G ↦ …`.
 */
export function describeLocal(result: Expr, G: Expr, opts: RenderOptions): string {
  const r = (e: Expr): string => E.render(e, opts);
  if (result === G) return '1';
  // At the output the incoming gradient is 1, so the composed map is the derivative itself.
  if (G.kind === 'one') return r(result);
  if (result.kind === 'mm' && result.a === G && !mentions(result.b, G)) return `· ${r(result.b)}`;
  if (result.kind === 'mm' && result.b === G && !mentions(result.a, G)) return `${r(result.a)} ·`;
  if (result.kind === 'mul') {
    const factors = flattenMul(result);
    const i = factors.indexOf(G);
    if (i >= 0 && !factors.some((f, j) => j !== i && mentions(f, G))) {
      const rest = factors.filter((_, j) => j !== i);
      return r(rest.reduce((x, y) => E.mul(x, y)));
    }
  }
  const shown = E.render(result, { ...opts });
  return `G ↦ ${shown.split(r(G)).join('G')}`;
}

function flattenMul(e: Expr): Expr[] {
  return e.kind === 'mul' ? [...flattenMul(e.a), ...flattenMul(e.b)] : [e];
}

function mentions(e: Expr, target: Expr): boolean {
  if (e === target) return true;
  switch (e.kind) {
    case 'value':
    case 'grad':
    case 'one':
    case 'num':
      return false;
    case 'T':
    case 'neg':
    case 'pow':
    case 'cmp':
      return mentions(e.a, target);
    case 'fn':
      return e.args.some((a) => mentions(a, target));
    default:
      return mentions(e.a, target) || mentions(e.b, target);
  }
}

/** One gradient step between two drawn tensors, through any hidden ops between them. */
export interface FoldedEdge {
  /** Where the gradient comes from (closer to the output). */
  from: Tensor;
  /** Where it goes. */
  to: Tensor;
  /** The incoming gradient as used in `result` (1 at the output, else grad_from). */
  G: Expr;
  /** The gradient contribution that reaches `to` along this edge. */
  result: Expr;
  /** The recorded ops passed, from `from` down (each with the forward values its backward reads). */
  ops: { out: Tensor; reads: Tensor[] }[];
}

/**
 * The backward graph between the tensors `shown` accepts: each edge composes
 * the local derivatives of the hidden ops on the way (sum, pow, sub fold
 * into `dL/dy_pred = 2(y_pred − y)`).
 */
export function foldedEdges(output: Tensor, shown: (t: Tensor) => boolean): FoldedEdge[] {
  const order = topoOrder(output, false).filter(shown);
  const edges: FoldedEdge[] = [];
  for (const top of [...order].reverse()) {
    const G: Expr = top === output ? E.one(top.shape) : E.gradVar(top, gradLabel(top));
    const walk = (t: Tensor, g: Expr, ops: FoldedEdge['ops']): void => {
      const node = t.gradFn;
      if (!node) return;
      node.inputs.forEach((inp, k) => {
        if (!inp.requiresGrad) return;
        const rule = localDerivative(t, k);
        const next = rule ? rule.grad(g) : E.fn(`∂${node.op}`, [g], inp.shape);
        // What this op's backward reads: the forward values in its rule, not the gradient.
        const reads = rule ? E.valuesIn(rule.grad(E.gradVar(t, '·'))) : [];
        const path = [...ops, { out: t, reads }];
        if (shown(inp)) edges.push({ from: top, to: inp, G, result: next, ops: path });
        else walk(inp, next, path);
      });
    };
    walk(top, G, []);
  }
  return edges;
}

/**
 * Which tensors the backward picture and the explanation name: the output,
 * leaves, named tensors, tensors used twice (their gradients add up), and
 * an op the rule table lacks with its inputs; the rest are folded into edges.
 */
export function drawnIn(output: Tensor, allOps: boolean): (t: Tensor) => boolean {
  const users = consumers(output, false);
  const unknown = new Set<Tensor>();
  for (const t of topoOrder(output, false)) {
    t.gradFn?.inputs.forEach((inp, k) => {
      if (inp.requiresGrad && !localDerivative(t, k)) {
        unknown.add(t);
        unknown.add(inp);
      }
    });
  }
  return (t) => allOps || t === output || t.isLeaf || t.name !== undefined || unknown.has(t) || (users.get(t)?.length ?? 0) > 1;
}
