import { ruleOf, sameShape, type ExplainContext, type OpId, type Shape, type Symbols, type Tensor } from '@nn/core';
import * as E from './expr.js';
import type { Expr } from './expr.js';

/**
 * The chain rule, one op at a time, as formulas: each recorded op's forward
 * formula and local derivatives come from its entry in the op table
 * (ops/table.ts), the same entry whose backward autograd runs. This module
 * only supplies the symbols those entries write with: explain's expressions.
 */

/** How a local derivative acts on the incoming gradient G. */
export interface LocalDerivative {
  /** The gradient sent to the input, given the output's gradient G. */
  grad: (G: Expr) => Expr;
}

/** The symbols of explain: the op table's rules build expressions with these. */
export const symbols: Symbols<Expr> = {
  value: E.value,
  num: E.num,
  one: E.one,
  add: E.add,
  sub: E.sub,
  mul: E.mul,
  div: E.div,
  neg: E.neg,
  pow: E.pow,
  T: E.T,
  mm: E.mm,
  cmp: E.cmp,
  fn: E.fn,
  shapeOf: (x) => x.shape,
  // Sum a broadcast gradient back to the input's shape (nothing to do when the shapes match).
  sumTo: (G, shape: Shape) => (sameShape(G.shape, shape) ? G : E.fn('sumTo', [G], shape)),
};

// The node of `t` as the table's explain rules see it.
function contextOf(t: Tensor): ExplainContext<OpId> {
  const node = t.gradFn!;
  return { inputs: node.inputs, attrs: node.attrs as never, out: t, op: node.op };
}

/** The formula that made `t` (`h_relu · w2`, `clamp(h, min=0)`), or undefined for a leaf. */
export function forwardFormula(t: Tensor): Expr | undefined {
  const node = t.gradFn;
  if (!node) return undefined;
  const rule = ruleOf(node);
  // A node no entry knows (built by hand) is still drawn, as a call of its name.
  if (!rule) return E.fn(node.op, node.inputs.map(E.value), t.shape, node.attrs);
  return rule.explain.formula(contextOf(t), symbols);
}

/**
 * The local derivative of `out` with respect to its input number `k`, or
 * undefined for an input that takes no gradient or an op the table does not
 * know (the graph then shows `?`).
 */
export function localDerivative(out: Tensor, k: number): LocalDerivative | undefined {
  const node = out.gradFn;
  if (!node) return undefined;
  const rule = ruleOf(node);
  const grad = rule?.explain.derivative(contextOf(out), k, symbols);
  return grad ? { grad } : undefined;
}
