import { sameShape, fmtShape, type Shape, type Tensor } from '@nn/core';

/**
 * A small symbolic expression over tensors: the forward formula of a recorded
 * op, or a gradient built by the chain rule. It renders as readable math and
 * evaluates with tensor ops (see evaluate.ts), so the explanation is checked
 * on the same device as the program it explains.
 */
export type Expr =
  | { kind: 'value'; tensor: Tensor; shape: Shape }
  | { kind: 'grad'; of: Tensor; label: string; shape: Shape }
  | { kind: 'one'; shape: Shape }
  | { kind: 'num'; value: number; shape: Shape }
  | { kind: 'mm'; a: Expr; b: Expr; shape: Shape }
  | { kind: 'T'; a: Expr; shape: Shape }
  | { kind: 'mul'; a: Expr; b: Expr; shape: Shape }
  | { kind: 'add'; a: Expr; b: Expr; shape: Shape }
  | { kind: 'sub'; a: Expr; b: Expr; shape: Shape }
  | { kind: 'div'; a: Expr; b: Expr; shape: Shape }
  | { kind: 'neg'; a: Expr; shape: Shape }
  | { kind: 'pow'; a: Expr; p: number; shape: Shape }
  | { kind: 'cmp'; a: Expr; op: CmpOp; b: number; shape: Shape }
  | { kind: 'fn'; name: string; args: Expr[]; attrs: Readonly<Record<string, unknown>>; shape: Shape };

/** Comparison used by masks such as `[h > 0]`. */
export type CmpOp = 'gt' | 'ge' | 'lt' | 'le' | 'eq';

const CMP_SYMBOL: Record<CmpOp, string> = { gt: '>', ge: '≥', lt: '<', le: '≤', eq: '=' };

// ---- builders (with the few simplifications that keep formulas readable) ----

/** A forward value: rendered by name, or inline by its formula when unnamed. */
export const value = (tensor: Tensor): Expr => ({ kind: 'value', tensor, shape: tensor.shape });
/** The gradient of the output with respect to `of`, as a named variable. */
export const gradVar = (of: Tensor, label: string): Expr => ({ kind: 'grad', of, label, shape: of.shape });
/** A tensor of ones (the seed dL/dL, or its broadcast). */
export const one = (shape: Shape): Expr => ({ kind: 'one', shape });
/** A plain number. */
export const num = (v: number): Expr => ({ kind: 'num', value: v, shape: [] });

/** Matrix product a · b. */
export function mm(a: Expr, b: Expr): Expr {
  return { kind: 'mm', a, b, shape: [a.shape[0] ?? 1, b.shape[1] ?? 1] };
}

/** Transpose; a transpose of a transpose cancels. */
export function T(a: Expr): Expr {
  if (a.kind === 'T') return a.a;
  return { kind: 'T', a, shape: [...a.shape].reverse() };
}

/** Elementwise (or scalar) product, dropping factors of one. */
export function mul(a: Expr, b: Expr): Expr {
  const shape = broadcast(a.shape, b.shape);
  if (isOne(a) && sameShape(b.shape, shape)) return b;
  if (isOne(b) && sameShape(a.shape, shape)) return a;
  // Numbers go in front, and two numbers fold: 2·(3·x) = 6·x.
  if (b.kind === 'num' && a.kind !== 'num') return mul(b, a);
  if (a.kind === 'num' && b.kind === 'mul' && b.a.kind === 'num') return mul(num(a.value * b.a.value), b.b);
  if (a.kind !== 'num' && b.kind === 'mul' && b.a.kind === 'num') return mul(b.a, mul(a, b.b));
  if (a.kind === 'mul' && a.a.kind === 'num' && b.kind !== 'num') return mul(a.a, mul(a.b, b));
  return { kind: 'mul', a, b, shape };
}

/** Sum of two contributions (a tensor used twice gets both). */
export function add(a: Expr, b: Expr): Expr {
  return { kind: 'add', a, b, shape: broadcast(a.shape, b.shape) };
}

/** Difference. */
export function sub(a: Expr, b: Expr): Expr {
  return { kind: 'sub', a, b, shape: broadcast(a.shape, b.shape) };
}

/** Quotient. */
export function div(a: Expr, b: Expr): Expr {
  if (b.kind === 'num' && b.value === 1) return a;
  return { kind: 'div', a, b, shape: broadcast(a.shape, b.shape) };
}

/** Negation; a double negation cancels. */
export function neg(a: Expr): Expr {
  if (a.kind === 'neg') return a.a;
  if (a.kind === 'num') return num(-a.value);
  return { kind: 'neg', a, shape: a.shape };
}

/** a to a constant power. */
export function pow(a: Expr, p: number): Expr {
  if (p === 1) return a;
  if (p === 0) return one(a.shape);
  return { kind: 'pow', a, p, shape: a.shape };
}

/** Mask of 1 where `a op b` holds, 0 elsewhere (Iverson bracket). */
export function cmp(a: Expr, op: CmpOp, b: number): Expr {
  return { kind: 'cmp', a, op, b, shape: a.shape };
}

/** Any other function (exp, sum, expand, clamp...), rendered `name(args)`. */
export function fn(name: string, args: Expr[], shape: Shape, attrs: Readonly<Record<string, unknown>> = {}): Expr {
  // Broadcasting a tensor of ones is still a tensor of ones.
  if (name === 'expand' && args[0] && isOne(args[0])) return one(shape);
  if (name === 'reshape' && args[0] && isOne(args[0])) return one(shape);
  return { kind: 'fn', name, args, attrs, shape };
}

function isOne(e: Expr): boolean {
  return e.kind === 'one' || (e.kind === 'num' && e.value === 1);
}

function broadcast(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    out.push(da === 1 ? db : da);
  }
  return out;
}

// ---- rendering ---------------------------------------------------------------

/** How to show tensors that have no name of their own. */
export interface RenderOptions {
  /** Name of a forward value, or undefined to inline its formula. */
  nameOf: (t: Tensor) => string | undefined;
  /** Forward formula of an unnamed tensor made by an op (undefined for a leaf). */
  formulaOf: (t: Tensor) => Expr | undefined;
  /** Inline formulas longer than this are replaced by the op's name. */
  maxInline?: number;
}

// Binding strength: higher binds tighter.
const PREC = { sum: 1, product: 2, unary: 3, power: 4, atom: 5 } as const;

/** Render an expression as readable math, e.g. `xᵀ · ((grad_y_pred · w2ᵀ) ⊙ [h ≥ 0])`. */
export function render(e: Expr, opts: RenderOptions): string {
  return show(e, opts, 0).text;
}

interface Shown {
  text: string;
  prec: number;
}

function wrap(s: Shown, min: number): string {
  return s.prec < min ? `(${s.text})` : s.text;
}

function show(e: Expr, o: RenderOptions, depth: number): Shown {
  switch (e.kind) {
    case 'value': {
      const name = o.nameOf(e.tensor);
      if (name !== undefined) return { text: name, prec: PREC.atom };
      const f = o.formulaOf(e.tensor);
      if (!f || depth > 6) return { text: e.tensor.op ?? `tensor#${e.tensor.id}`, prec: PREC.atom };
      const inner = show(f, o, depth + 1);
      if (inner.text.length > (o.maxInline ?? 40)) return { text: e.tensor.op ?? `tensor#${e.tensor.id}`, prec: PREC.atom };
      return inner;
    }
    case 'grad':
      return { text: e.label, prec: PREC.atom };
    case 'one':
      return { text: '1', prec: PREC.atom };
    case 'num':
      return { text: fmtNum(e.value), prec: e.value < 0 ? PREC.unary : PREC.atom };
    case 'T': {
      // (bᵀ)ᵀ of an unnamed transpose reads as b.
      if (e.a.kind === 'value' && o.nameOf(e.a.tensor) === undefined) {
        const f = o.formulaOf(e.a.tensor);
        if (f?.kind === 'T') return show(f.a, o, depth);
      }
      const a = show(e.a, o, depth);
      return { text: `${wrap(a, PREC.atom)}ᵀ`, prec: PREC.atom };
    }
    case 'mm': {
      // · and ⊙ bind alike, but mixing them unbracketed misleads: bracket the other one.
      const a = show(e.a, o, depth);
      const b = show(e.b, o, depth);
      return { text: `${wrap(a, e.a.kind === 'mm' ? PREC.product : PREC.product + 1)} · ${wrap(b, PREC.product + 1)}`, prec: PREC.product };
    }
    case 'mul': {
      const a = show(e.a, o, depth);
      const b = show(e.b, o, depth);
      // A broadcast 1 in front adds nothing to read.
      if (e.a.kind === 'one') return b;
      // A number in front reads as a coefficient: 2(y_pred − y), 2·y_pred.
      if (e.a.kind === 'num') {
        if (b.prec < PREC.product) return { text: `${wrap(a, PREC.atom)}(${b.text})`, prec: PREC.product };
        return { text: `${wrap(a, PREC.atom)}·${wrap(b, PREC.product + 1)}`, prec: PREC.product };
      }
      const left = e.a.kind === 'mul' && e.a.a.kind !== 'num' ? PREC.product : PREC.product + 1;
      return { text: `${wrap(a, left)} ⊙ ${wrap(b, PREC.product + 1)}`, prec: PREC.product };
    }
    case 'div': {
      const a = show(e.a, o, depth);
      const b = show(e.b, o, depth);
      return { text: `${wrap(a, PREC.product)} / ${wrap(b, PREC.product + 1)}`, prec: PREC.product };
    }
    case 'add': {
      const a = show(e.a, o, depth);
      const b = show(e.b, o, depth);
      return { text: `${wrap(a, PREC.sum)} + ${wrap(b, PREC.sum + 1)}`, prec: PREC.sum };
    }
    case 'sub': {
      const a = show(e.a, o, depth);
      const b = show(e.b, o, depth);
      return { text: `${wrap(a, PREC.sum)} − ${wrap(b, PREC.sum + 1)}`, prec: PREC.sum };
    }
    case 'neg': {
      const a = show(e.a, o, depth);
      return { text: `−${wrap(a, PREC.unary)}`, prec: PREC.unary };
    }
    case 'pow': {
      const a = show(e.a, o, depth);
      return { text: `${wrap(a, PREC.atom)}${superscript(e.p)}`, prec: PREC.power };
    }
    case 'cmp': {
      const a = show(e.a, o, depth);
      return { text: `[${a.text} ${CMP_SYMBOL[e.op]} ${fmtNum(e.b)}]`, prec: PREC.atom };
    }
    case 'fn':
      return { text: showFn(e, o, depth), prec: PREC.atom };
  }
}

function showFn(e: Extract<Expr, { kind: 'fn' }>, o: RenderOptions, depth: number): string {
  const args = e.args.map((a) => show(a, o, depth).text);
  const at = e.attrs;
  switch (e.name) {
    case 'sum':
    case 'mean':
    case 'max':
    case 'min':
      return at['dim'] !== undefined ? `${e.name}(${args[0]}, dim=${fmtDims(at['dim'])})` : `${e.name}(${args[0]})`;
    case 'clamp': {
      const parts = [args[0]!];
      if (at['min'] !== undefined) parts.push(`min=${fmtNum(at['min'] as number)}`);
      if (at['max'] !== undefined) parts.push(`max=${fmtNum(at['max'] as number)}`);
      return `clamp(${parts.join(', ')})`;
    }
    case 'expand':
      return `expand(${args[0]}, ${fmtShape(e.shape)})`;
    case 'reshape':
      return `reshape(${args[0]}, ${fmtShape(e.shape)})`;
    case 'sumTo':
      return `sumTo(${args[0]}, ${fmtShape(e.shape)})`;
    case 'permute':
      return `permute(${args[0]}, ${fmtDims(at['dims'])})`;
    case 'to':
      return `to(${args[0]}, '${String(at['to'])}')`;
    case 'maskedFill':
      return `maskedFill(${args[0]}, ${args[1]}, ${fmtNum(at['value'] as number)})`;
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le':
    case 'eq':
      return `[${args[0]} ${CMP_SYMBOL[e.name]} ${args[1]}]`;
    case 'ne0':
      return `[${args[0]} ≠ 0]`;
    case 'maxMask':
      return `[${args[0]} = max(${args[0]})]`;
    case 'minMask':
      return `[${args[0]} = min(${args[0]})]`;
    case 'maximum':
    case 'minimum':
      return `${e.name === 'maximum' ? 'max' : 'min'}(${args.join(', ')})`;
    default:
      return `${e.name}(${args.join(', ')})`;
  }
}

function fmtDims(d: unknown): string {
  return Array.isArray(d) ? (d.length === 1 ? String(d[0]) : `(${d.join(', ')})`) : String(d);
}

/** Numbers as a reader writes them: 2, 0.5, 1e-6. */
export function fmtNum(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const s = String(Number(v.toPrecision(6)));
  return s;
}

const SUPER: Record<string, string> = { '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻' };

/** Digits and a minus sign as superscripts: "-6" → "⁻⁶". */
export function superscriptDigits(s: string): string {
  return [...s].map((c) => SUPER[c]!).join('');
}

function superscript(p: number): string {
  const s = fmtNum(p);
  if (/^-?\d+$/.test(s)) return superscriptDigits(s);
  return `^${s.length > 1 ? `(${s})` : s}`;
}

/** The sub-expressions an expression is made of, in order: the one place that knows the tree's shape. */
export function childrenOf(x: Expr): readonly Expr[] {
  switch (x.kind) {
    case 'value':
    case 'grad':
    case 'one':
    case 'num':
      return [];
    case 'T':
    case 'neg':
    case 'pow':
    case 'cmp':
      return [x.a];
    case 'mm':
    case 'mul':
    case 'add':
    case 'sub':
    case 'div':
      return [x.a, x.b];
    case 'fn':
      return x.args;
  }
}

/** Every forward value an expression reads (the saved tensors a backward step uses). */
export function valuesIn(e: Expr, out: Tensor[] = []): Tensor[] {
  const visit = (x: Expr): void => {
    if (x.kind === 'value') {
      if (!out.includes(x.tensor)) out.push(x.tensor);
    } else childrenOf(x).forEach(visit);
  };
  visit(e);
  return out;
}

/** Replace gradient variables by their definitions (all, or those `inline` accepts). */
export function substitute(e: Expr, defs: ReadonlyMap<Tensor, Expr>, inline: (t: Tensor) => boolean): Expr {
  const go = (x: Expr): Expr => {
    switch (x.kind) {
      case 'grad': {
        const d = defs.get(x.of);
        return d && inline(x.of) ? go(d) : x;
      }
      case 'value':
      case 'one':
      case 'num':
        return x;
      case 'T':
        return T(go(x.a));
      case 'neg':
        return neg(go(x.a));
      case 'pow':
        return pow(go(x.a), x.p);
      case 'cmp':
        return cmp(go(x.a), x.op, x.b);
      case 'mm':
        return mm(go(x.a), go(x.b));
      case 'mul':
        return mul(go(x.a), go(x.b));
      case 'add':
        return add(go(x.a), go(x.b));
      case 'sub':
        return sub(go(x.a), go(x.b));
      case 'div':
        return div(go(x.a), go(x.b));
      case 'fn':
        return fn(x.name, x.args.map(go), x.shape, x.attrs);
    }
  };
  return go(e);
}
