import { topoOrder, UNARY_IDS, type Tensor } from '@nn/core';
import type { Expr, RenderOptions } from './expr.js';
import { fmtNum } from './expr.js';
import { forwardFormula } from './rules.js';

/**
 * Index notation for explain's formulas: `y_pred[n,j] = Σₖ h_relu[n,k]·w2[k,j]`.
 * Every axis of every recorded tensor gets a letter; axes that a formula ties
 * together (the two sides of a product's sum, an elementwise op's input and
 * output) share a letter, so a letter means the same thing in every line of an
 * explanation: n is the batch, i the input features, k the hidden units...
 * The same walk that prints an index form also evaluates it element by element
 * (plain loops in float64), which is how the explanation checks the index form
 * against autograd independently of the matrix form.
 */

// Letters with a Unicode subscript (for Σₖ), n first (the batch of the nets explained), j last.
const POOL = ['i', 'k', 'm', 'p', 'r', 's', 'u', 'v', 'a', 'e', 'o', 'h', 'l', 't', 'x'];
const SUB: Record<string, string> = {
  a: 'ₐ', e: 'ₑ', h: 'ₕ', i: 'ᵢ', j: 'ⱼ', k: 'ₖ', l: 'ₗ', m: 'ₘ', n: 'ₙ', o: 'ₒ', p: 'ₚ', r: 'ᵣ', s: 'ₛ', t: 'ₜ', u: 'ᵤ', v: 'ᵥ', x: 'ₓ',
};

/** `Σₙⱼ`: a sum over the given letters. */
export function sigma(letters: readonly string[]): string {
  return `Σ${letters.map((l) => SUB[l] ?? `_${l}`).join('')}`;
}

// Elementwise functions: an output element depends on the input elements at the same index.
const ELEMENTWISE = new Set<string>([...UNARY_IDS, 'clamp', 'relu', 'ne0', 'maximum', 'minimum', 'gt', 'ge', 'lt', 'le', 'eq', 'maskedFill', 'to', 'clone']);

type Key = string;

/** The axes of a recorded graph, grouped into classes that share a letter. */
export class AxisLetters {
  private readonly parent = new Map<Key, Key>();
  private letters: Map<Key, string> | null = null;
  private fresh = 0;
  /** Axis classes that hold the rows of an input (a leaf without grad, such as x): the batch. */
  private readonly batch = new Set<Key>();

  /** Tie the axes of every tensor recorded below `output` through the forward formulas of their ops. */
  constructor(output: Tensor) {
    const order = topoOrder(output, true);
    for (const t of order) {
      const f = forwardFormula(t);
      if (!f) continue;
      const d = this.dimsOf(f);
      if (d && d.length === t.shape.length) d.forEach((k, i) => this.union(k, this.axis(t, i)));
    }
    // Letters in order of first appearance: n for the first class, j for the last, the pool between.
    const classes: Key[] = [];
    for (const t of order) {
      for (let i = 0; i < t.shape.length; i++) {
        const c = this.find(this.axis(t, i));
        if (!classes.includes(c)) classes.push(c);
      }
      if (t.isLeaf && !t.requiresGrad && t.shape.length >= 2) this.batch.add(this.find(this.axis(t, 0)));
    }
    this.letters = new Map();
    classes.forEach((c, i) => {
      const letter = i === 0 ? 'n' : i === classes.length - 1 ? 'j' : POOL[(i - 1) % POOL.length]!;
      this.letters!.set(c, letter);
    });
  }

  /** The class of axis `i` of tensor `t`. */
  axis(t: Tensor, i: number): Key {
    return `${t.id}:${i}`;
  }

  /** A new axis of its own (a broadcast 1, or an op whose axes the letters do not follow). */
  freshAxis(): Key {
    return `~${this.fresh++}`;
  }

  find(k: Key): Key {
    let r = k;
    while (this.parent.has(r) && this.parent.get(r) !== r) r = this.parent.get(r)!;
    if (r !== k) this.parent.set(k, r);
    return r;
  }

  private union(a: Key, b: Key): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }

  /** The letter of an axis class (a fresh axis gets the next unused pool letter). */
  letter(k: Key): string {
    const c = this.find(k);
    const l = this.letters?.get(c);
    if (l) return l;
    const used = new Set(this.letters?.values());
    const free = POOL.find((p) => !used.has(p)) ?? 'q';
    this.letters?.set(c, free);
    return free;
  }

  /** Whether the axis is the batch: the rows of an input such as x. */
  isBatch(k: Key): boolean {
    return this.batch.has(this.find(k));
  }

  /**
   * The axis classes of an expression's result, tying together the axes the
   * formula makes equal (a product's inner sizes, an elementwise op's operands);
   * null where the formula reorders axes in a way the letters do not follow.
   */
  dimsOf(e: Expr): Key[] | null {
    switch (e.kind) {
      case 'value':
        return e.tensor.shape.map((_, i) => this.axis(e.tensor, i));
      case 'grad':
        return e.of.shape.map((_, i) => this.axis(e.of, i));
      case 'one':
        return e.shape.map(() => this.freshAxis());
      case 'num':
        return [];
      case 'mm': {
        const a = this.dimsOf(e.a);
        const b = this.dimsOf(e.b);
        if (!a || !b || a.length !== 2 || b.length !== 2) return null;
        this.union(a[1]!, b[0]!);
        return [a[0]!, b[1]!];
      }
      case 'T': {
        const a = this.dimsOf(e.a);
        return a && a.length === 2 ? [a[1]!, a[0]!] : null;
      }
      case 'mul':
      case 'add':
      case 'sub':
      case 'div':
        return this.broadcastDims(e.shape, [e.a, e.b]);
      case 'neg':
      case 'pow':
      case 'cmp':
        return this.dimsOf(e.a);
      case 'fn': {
        if (e.name === 'sum' && e.attrs['dim'] === undefined && e.shape.length === 0) {
          e.args.forEach((a) => this.dimsOf(a));
          return [];
        }
        if ((e.name === 'expand' || e.name === 'reshape') && e.args[0]?.kind === 'one') return e.shape.map(() => this.freshAxis());
        if (ELEMENTWISE.has(e.name)) return this.broadcastDims(e.shape, e.args);
        return null;
      }
    }
  }

  // Operands aligned from the right, as broadcasting aligns them; a size-1 axis of one is not tied.
  private broadcastDims(shape: readonly number[], args: readonly Expr[]): Key[] | null {
    const out: (Key | null)[] = shape.map(() => null);
    for (const a of args) {
      const d = this.dimsOf(a);
      if (!d) return null;
      const off = shape.length - d.length;
      d.forEach((k, i) => {
        if (a.shape[i] !== shape[off + i]) return;
        const o = out[off + i];
        if (o === null || o === undefined) out[off + i] = k;
        else this.union(o, k);
      });
    }
    return out.map((k) => k ?? this.freshAxis());
  }
}

/** One element position: the letter of each axis and its value when evaluating. */
interface Shown {
  text: string;
  prec: number;
}

const PREC = { sum: 1, product: 2, unary: 3, power: 4, atom: 5 } as const;
const CMP: Record<string, string> = { gt: '>', ge: '≥', lt: '<', le: '≤', eq: '=' };
const SUPER: Record<string, string> = { '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻' };

function wrap(s: Shown, min: number): string {
  return s.prec < min ? `(${s.text})` : s.text;
}

/** Where a tensor's elements come from when an index form is evaluated. */
export type Reader = (e: Extract<Expr, { kind: 'value' | 'grad' }>) => ArrayLike<number>;

/**
 * An expression in index notation (rendered) and as a function of its
 * indices (evaluated), built by one walk so the two cannot disagree.
 */
export class IndexForm {
  constructor(
    private readonly axes: AxisLetters,
    private readonly opts: RenderOptions,
  ) {}

  /** The letters of an expression's axes (`['n', 'k']` for h). */
  lettersOf(e: Expr): string[] | null {
    const d = this.axes.dimsOf(e);
    return d ? d.map((k) => this.axes.letter(k)) : null;
  }

  /** `h_relu[n,k]` for a named tensor; a scalar shows its name alone. */
  indexed(name: string, letters: readonly string[]): string {
    return letters.length ? `${name}[${letters.join(',')}]` : name;
  }

  /** The expression at the element named by `letters`, or null when it has no index form here. */
  render(e: Expr, letters: readonly string[]): string | null {
    try {
      return this.show(e, [...letters], new Set(letters), 0).text;
    } catch (err) {
      if (err instanceof NoIndexForm) return null;
      throw err;
    }
  }

  /** The letter a product sums over (`k` in `Σₖ h_relu[n,k]·w2[k,j]`), with its size. */
  contraction(e: Extract<Expr, { kind: 'mm' }>): { letter: string; size: number; batch: boolean } | null {
    const a = this.axes.dimsOf(e.a);
    if (!a || a.length !== 2) return null;
    return { letter: this.axes.letter(a[1]!), size: e.a.shape[1]!, batch: this.axes.isBatch(a[1]!) };
  }

  private pick(k: string | undefined, bound: Set<string>): string {
    if (k && !bound.has(k)) return k;
    const free = ['k', 'j', 'i', 'm', 'p', 'r', 's', 'u', 'v'].find((l) => !bound.has(l));
    return free ?? 'q';
  }

  private show(e: Expr, at: string[], bound: Set<string>, depth: number): Shown {
    if (depth > 12) throw new NoIndexForm();
    const rec = (x: Expr, l: string[]): Shown => this.show(x, l, bound, depth + 1);
    // A broadcast operand reads only the axes it has; a size-1 axis reads element 0.
    const own = (shape: readonly number[], full: readonly number[]): string[] => {
      const off = at.length - shape.length;
      return shape.map((s, i) => (s === full[off + i] ? at[off + i]! : '0'));
    };
    switch (e.kind) {
      case 'value': {
        const name = this.opts.nameOf(e.tensor);
        if (name !== undefined) return { text: this.indexed(name, at), prec: PREC.atom };
        const f = this.opts.formulaOf(e.tensor);
        if (!f) throw new NoIndexForm();
        return rec(f, at);
      }
      case 'grad':
        return { text: this.indexed(e.label, at), prec: PREC.atom };
      case 'one':
        return { text: '1', prec: PREC.atom };
      case 'num':
        return { text: fmtNum(e.value), prec: e.value < 0 ? PREC.unary : PREC.atom };
      case 'T':
        if (at.length !== 2) throw new NoIndexForm();
        return rec(e.a, [at[1]!, at[0]!]);
      case 'mm': {
        if (at.length !== 2) throw new NoIndexForm();
        const c = this.contraction(e);
        const k = this.pick(c?.letter, bound);
        bound.add(k);
        const a = rec(e.a, [at[0]!, k]);
        const b = rec(e.b, [k, at[1]!]);
        bound.delete(k);
        return { text: `${sigma([k])} ${wrap(a, PREC.product + 1)}·${wrap(b, PREC.product + 1)}`, prec: PREC.sum };
      }
      case 'mul': {
        const a = rec(e.a, own(e.a.shape, e.shape));
        const b = rec(e.b, own(e.b.shape, e.shape));
        if (e.a.kind === 'one') return b;
        if (e.a.kind === 'num') return { text: b.prec < PREC.product ? `${wrap(a, PREC.atom)}(${b.text})` : `${wrap(a, PREC.atom)}·${b.text}`, prec: PREC.product };
        return { text: `${wrap(a, PREC.product)}·${wrap(b, PREC.product + 1)}`, prec: PREC.product };
      }
      case 'div': {
        const a = rec(e.a, own(e.a.shape, e.shape));
        const b = rec(e.b, own(e.b.shape, e.shape));
        return { text: `${wrap(a, PREC.product)} / ${wrap(b, PREC.product + 1)}`, prec: PREC.product };
      }
      case 'add':
      case 'sub': {
        const a = rec(e.a, own(e.a.shape, e.shape));
        const b = rec(e.b, own(e.b.shape, e.shape));
        return { text: `${wrap(a, PREC.sum)} ${e.kind === 'add' ? '+' : '−'} ${wrap(b, PREC.sum + 1)}`, prec: PREC.sum };
      }
      case 'neg': {
        const a = rec(e.a, at);
        return { text: `−${wrap(a, PREC.unary)}`, prec: PREC.unary };
      }
      case 'pow': {
        const a = rec(e.a, at);
        const p = fmtNum(e.p);
        const sup = /^-?\d+$/.test(p) ? [...p].map((ch) => SUPER[ch]!).join('') : `^${p}`;
        return { text: `${wrap(a, PREC.atom)}${sup}`, prec: PREC.power };
      }
      case 'cmp': {
        const a = rec(e.a, at);
        return { text: `[${a.text} ${CMP[e.op]} ${fmtNum(e.b)}]`, prec: PREC.atom };
      }
      case 'fn': {
        if (e.name === 'sum' && e.attrs['dim'] === undefined && e.shape.length === 0) {
          const arg = e.args[0]!;
          const letters = (this.lettersOf(arg) ?? []).map((l) => l);
          const fresh: string[] = [];
          for (const l of letters) {
            const p = this.pick(l, bound);
            bound.add(p);
            fresh.push(p);
          }
          const inner = rec(arg, fresh);
          for (const p of fresh) bound.delete(p);
          return { text: `${sigma(fresh)} ${wrap(inner, PREC.product)}`, prec: PREC.sum };
        }
        if ((e.name === 'expand' || e.name === 'reshape') && e.args[0]?.kind === 'one') return { text: '1', prec: PREC.atom };
        if (!ELEMENTWISE.has(e.name)) throw new NoIndexForm();
        const args = e.args.map((x) => rec(x, own(x.shape, e.shape)).text);
        if (e.name === 'clamp') {
          const parts = [args[0]!];
          if (e.attrs['min'] !== undefined) parts.push(`min=${fmtNum(e.attrs['min'] as number)}`);
          if (e.attrs['max'] !== undefined) parts.push(`max=${fmtNum(e.attrs['max'] as number)}`);
          return { text: `clamp(${parts.join(', ')})`, prec: PREC.atom };
        }
        if (e.name in CMP) return { text: `[${args[0]} ${CMP[e.name]} ${args[1]}]`, prec: PREC.atom };
        return { text: `${e.name}(${args.join(', ')})`, prec: PREC.atom };
      }
    }
  }

  /**
   * The expression's value at one element (`at`: an index per axis),
   * computed from the index form with plain loops in float64: a product is
   * Σ over its inner index, a mask 1 or 0. Null when it has no index form.
   */
  evaluateAt(e: Expr, at: readonly number[], read: Reader): number | null {
    try {
      return this.value(e, at, read, 0);
    } catch (err) {
      if (err instanceof NoIndexForm) return null;
      throw err;
    }
  }

  private value(e: Expr, at: readonly number[], read: Reader, depth: number): number {
    if (depth > 12) throw new NoIndexForm();
    const rec = (x: Expr, i: readonly number[]): number => this.value(x, i, read, depth + 1);
    const own = (shape: readonly number[], full: readonly number[]): number[] => {
      const off = at.length - shape.length;
      return shape.map((s, i) => (s === full[off + i] ? at[off + i]! : 0));
    };
    const element = (data: ArrayLike<number>, shape: readonly number[], i: readonly number[]): number => {
      let flat = 0;
      for (let d = 0; d < shape.length; d++) flat = flat * shape[d]! + i[d]!;
      return data[flat]!;
    };
    switch (e.kind) {
      case 'value': {
        if (this.opts.nameOf(e.tensor) !== undefined || !this.opts.formulaOf(e.tensor)) return element(read(e), e.tensor.shape, at);
        return rec(this.opts.formulaOf(e.tensor)!, at);
      }
      case 'grad':
        return element(read(e), e.of.shape, at);
      case 'one':
        return 1;
      case 'num':
        return e.value;
      case 'T':
        return rec(e.a, [at[1]!, at[0]!]);
      case 'mm': {
        let s = 0;
        for (let k = 0; k < e.a.shape[1]!; k++) s += rec(e.a, [at[0]!, k]) * rec(e.b, [k, at[1]!]);
        return s;
      }
      case 'mul':
        return rec(e.a, own(e.a.shape, e.shape)) * rec(e.b, own(e.b.shape, e.shape));
      case 'div':
        return rec(e.a, own(e.a.shape, e.shape)) / rec(e.b, own(e.b.shape, e.shape));
      case 'add':
        return rec(e.a, own(e.a.shape, e.shape)) + rec(e.b, own(e.b.shape, e.shape));
      case 'sub':
        return rec(e.a, own(e.a.shape, e.shape)) - rec(e.b, own(e.b.shape, e.shape));
      case 'neg':
        return -rec(e.a, at);
      case 'pow':
        return rec(e.a, at) ** e.p;
      case 'cmp': {
        const a = rec(e.a, at);
        const ok = { gt: a > e.b, ge: a >= e.b, lt: a < e.b, le: a <= e.b, eq: a === e.b }[e.op];
        return ok ? 1 : 0;
      }
      case 'fn':
        if ((e.name === 'expand' || e.name === 'reshape') && e.args[0]?.kind === 'one') return 1;
        // Only the forms the seed nets' gradients use are evaluated; the rest are rendered, not checked here.
        throw new NoIndexForm();
    }
  }
}

class NoIndexForm extends Error {}
