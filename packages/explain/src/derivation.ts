import { sameShape, type Tensor } from '@nn/core';
import * as E from './expr.js';
import type { Expr, RenderOptions } from './expr.js';
import { IndexForm, type Reader } from './indexform.js';
import { forwardFormula } from './rules.js';
import { gradLabel, type FoldedEdge } from './symbolic.js';
import { shapeText } from './text.js';

/**
 * Why one line of the manual backward pass has the form it has, by index
 * and by shape: the forward formula the gradient comes from, written
 * element by element; the gradient element by element; and the shape check
 * that makes the matrix form the only one that fits. Built from the op
 * table's formulas (a product is a product there) and the shapes recorded on
 * the nodes, so any net gets one, not only the seed program.
 */
export interface IndexDerivation {
  /** The gradient the line forms (`grad_w2`). */
  name: string;
  /** How the forward pass used the tensor, by index: `y_pred[n,j] = Σₖ h_relu[n,k]·w2[k,j]`. */
  forward: string[];
  /** The gradient by index: `∂L/∂w2[k,j] = Σₙ h_relu[n,k]·grad_y_pred[n,j] = (h_reluᵀ · grad_y_pred)[k,j]`, or null without an index form. */
  index: string | null;
  /** The shape check: `(100×64)·(64×10) = 100×10 = w2's shape; the transpose is what sums over the batch index n (64 rows)`. */
  shapes: string;
  /** What a mask in the line does: `0 where h < 0, the manual code's grad_h[h < 0] = 0`; null when there is none. */
  mask: string | null;
}

/** The explanation's own check of the index form: its sum, done with loops, against autograd at a few elements. */
export interface IndexCheck {
  /** The index form that was summed (`grad_w2[k,j] = Σₙ h_relu[n,k]·grad_y_pred[n,j]`). */
  form: string;
  /** The elements checked, one index per axis. */
  at: number[][];
  /** The index form's value at each (float64 loops over float32 inputs). */
  formula: number[];
  /** Autograd's gradient at each. */
  autograd: number[];
  /** Largest |formula − autograd| over them. */
  maxAbsDiff: number;
}

const NEGATED: Record<E.CmpOp, string> = { ge: '<', gt: '≤', le: '>', lt: '≥', eq: '≠' };
const HOLDS: Record<E.CmpOp, string> = { ge: '≥', gt: '>', le: '≤', lt: '<', eq: '=' };

function factors(e: Expr): Expr[] {
  return e.kind === 'mul' ? [...factors(e.a), ...factors(e.b)] : [e];
}

/** Derivations of explain's lines; one per explanation (its letters are shared by every line). */
export class Deriver {
  readonly form: IndexForm;

  constructor(
    axes: ConstructorParameters<typeof IndexForm>[0],
    private readonly ro: RenderOptions,
    private readonly nameOf: (t: Tensor) => string,
  ) {
    this.form = new IndexForm(axes, ro);
  }

  private letters(t: Tensor): string[] {
    return this.form.lettersOf(E.value(t)) ?? t.shape.map((_, i) => `i${i}`);
  }

  /** The derivation of `grad_t = def`, where `incoming` are the backward edges that reach `t`. */
  derive(t: Tensor, def: Expr, incoming: readonly FoldedEdge[]): IndexDerivation {
    const at = this.letters(t);
    const forward: string[] = [];
    for (const e of incoming) {
      const f = forwardFormula(e.from);
      if (!f) continue;
      const rhs = this.form.render(f, this.letters(e.from));
      const line = `${this.form.indexed(this.nameOf(e.from), this.letters(e.from))} = ${rhs ?? E.render(f, this.ro)}`;
      if (!forward.includes(line)) forward.push(line);
    }
    const byIndex = this.form.render(def, at);
    const matrix = def.kind === 'mm' ? ` = (${E.render(def, this.ro)})[${at.join(',')}]` : '';
    const index = byIndex === null ? null : `∂L/∂${this.form.indexed(this.nameOf(t), at)} = ${byIndex}${matrix}`;
    return { name: gradLabel(t), forward, index, shapes: this.shapes(t, def), mask: this.mask(t, def) };
  }

  private shapes(t: Tensor, def: Expr): string {
    const fits = sameShape(def.shape, t.shape)
      ? `= ${this.nameOf(t)}'s shape`
      : `, summed over its broadcast axes to ${this.nameOf(t)}'s shape ${shapeText(t.shape)}`;
    if (def.kind === 'mm') {
      const c = this.form.contraction(def);
      const product = `(${shapeText(def.a.shape)})·(${shapeText(def.b.shape)}) = ${shapeText(def.shape)} ${fits}`;
      if (!c) return product;
      const transposed = def.a.kind === 'T' || def.b.kind === 'T';
      if (c.batch && transposed) return `${product}; the transpose is what sums over the batch: it puts n (${c.size} rows) in the middle, where a product sums`;
      return `${product}; the product sums over ${c.letter} (${c.size})${transposed ? ', which the transpose puts in the middle' : ''}`;
    }
    const fs = factors(def).filter((f) => f.kind !== 'num' && f.kind !== 'one');
    const parts = fs.length > 1 ? fs.map((f) => shapeText(f.shape)).join(' ⊙ ') + ' = ' : '';
    return `elementwise, no sum: ${parts}${shapeText(def.shape)} ${fits}`;
  }

  private mask(t: Tensor, def: Expr): string | null {
    const masks = factors(def).filter((f): f is Extract<Expr, { kind: 'cmp' }> => f.kind === 'cmp');
    if (!masks.length) return null;
    return masks
      .map((m) => {
        const a = E.render(m.a, this.ro);
        const b = E.fmtNum(m.b);
        return (
          `each element keeps its own gradient where ${a} ${HOLDS[m.op]} ${b} (the slope there is 1) and gets 0 where ${a} ${NEGATED[m.op]} ${b} ` +
          `(the forward value does not move there): the manual code's ${gradLabel(t)}[${a} ${NEGATED[m.op]} ${b}] = 0`
        );
      })
      .join('; ');
  }

  /** The forward values and gradients an index form reads, to fetch before evaluating it. */
  reads(e: Expr, out: Extract<Expr, { kind: 'value' | 'grad' }>[] = []): Extract<Expr, { kind: 'value' | 'grad' }>[] {
    const visit = (x: Expr): void => {
      switch (x.kind) {
        case 'value': {
          const f = this.ro.nameOf(x.tensor) === undefined ? this.ro.formulaOf(x.tensor) : undefined;
          if (f) visit(f);
          else if (!out.some((o) => o.kind === 'value' && o.tensor === x.tensor)) out.push(x);
          return;
        }
        case 'grad':
          if (!out.some((o) => o.kind === 'grad' && o.of === x.of)) out.push(x);
          return;
        default:
          E.childrenOf(x).forEach(visit);
      }
    };
    visit(e);
    return out;
  }

  /**
   * A few elements to check: the first, the last, the middle one, and one whose indices differ
   * (first on even axes, last on odd ones): on a square matrix the first three are all on the
   * diagonal, where an index form with its letters swapped (a transpose) gives the same values.
   */
  static positions(shape: readonly number[]): number[][] {
    const picks = [shape.map(() => 0), shape.map((s) => s - 1), shape.map((s) => Math.floor(s / 2)), shape.map((s, i) => (i % 2 === 0 ? 0 : s - 1))];
    return picks.filter((p, i) => picks.findIndex((q) => q.join() === p.join()) === i);
  }

  /** Sum the leaf's index form at a few elements and compare with autograd's gradient there. */
  check(leaf: Tensor, def: Expr, read: Reader, grad: ArrayLike<number>): IndexCheck | null {
    const at = this.letters(leaf);
    const rendered = this.form.render(def, at);
    if (rendered === null) return null;
    const positions = Deriver.positions(leaf.shape);
    const formula: number[] = [];
    const autograd: number[] = [];
    for (const p of positions) {
      const v = this.form.evaluateAt(def, p, read);
      if (v === null) return null;
      formula.push(v);
      let flat = 0;
      for (let d = 0; d < p.length; d++) flat = flat * leaf.shape[d]! + p[d]!;
      autograd.push(grad[flat]!);
    }
    const maxAbsDiff = Math.max(...formula.map((v, i) => Math.abs(v - autograd[i]!)));
    return { form: `${this.form.indexed(gradLabel(leaf), at)} = ${rendered}`, at: positions, formula, autograd, maxAbsDiff };
  }
}
