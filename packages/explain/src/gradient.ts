import * as ops from '@nn/core';
import { checkTensor, scope, StateError, topoOrder, type Tensor } from '@nn/core';
import { checkExplanation } from './check.js';
import * as E from './expr.js';
import type { Expr } from './expr.js';
import { evaluate } from './evaluate.js';
import { Deriver, type IndexCheck, type IndexDerivation } from './derivation.js';
import { AxisLetters, type Reader } from './indexform.js';
import { forwardFormula } from './rules.js';
import { consumers, describeLocal, drawnIn, foldedEdges, gradLabel, renderOptions, symbolicBackward, type FoldedEdge } from './symbolic.js';
import { shapeText } from './text.js';

/** One chain-rule step on a path from the output to the leaf. */
export interface GradientStep {
  /** Tensor the gradient comes from (`y_pred`; `loss` at the start). */
  from: string;
  /** Tensor it reaches (`h_relu`). */
  to: string;
  /** The local derivative, `dy_pred/dh_relu = · w2ᵀ`. */
  local: string;
  /** The recorded ops this step passes (`sum`, `pow`, `sub` fold into one step). */
  ops: string[];
  /** Shape of the gradient this step produces (the shape of `to`). */
  shape: number[];
  /** Forward values the backward of those ops reads (`w2`, `h`, `y_pred − y`). */
  reads: string[];
}

/** A forward value the backward pass reads again. */
export interface SavedRead {
  /** The value (`h_relu`). */
  tensor: string;
  /** Ops that used it in the forward pass (`mm → y_pred`). */
  forwardUses: string[];
  /** Which backward reads it and for what, as a sentence. */
  readBy: string;
}

/** What `explainGradient` found, as data; `toString()` gives the text. */
export interface GradientExplanation {
  /** Name of the output (the loss). */
  output: string;
  /** Name of the leaf. */
  leaf: string;
  /** Shape of the leaf and its gradient. */
  shape: number[];
  /** Every path from the output to the leaf, each a list of steps. */
  paths: GradientStep[][];
  /** The manual code's lines, output side first: `grad_h_relu = grad_y_pred · w2ᵀ`. */
  program: { name: string; formula: string; shape: number[] }[];
  /** Each line of `program` by index and by shape: why it is `h_reluᵀ · grad_y_pred` and not another product. */
  derivations: IndexDerivation[];
  /** The leaf's gradient in one formula: `grad_w1 = xᵀ · ((grad_y_pred · w2ᵀ) ⊙ [h ≥ 0])`. */
  closedForm: string;
  /** Definitions the closed form uses: `grad_y_pred = 2(y_pred − y)`. */
  where: string[];
  /** Forward values read again by the backward steps on these paths. */
  savedReads: SavedRead[];
  /** Device the formula was evaluated on. */
  device: string;
  /** Largest |formula − autograd| over the elements, or null when `leaf.grad` was not there to compare. */
  maxAbsDiff: number | null;
  /** Largest |autograd gradient| (the scale the difference is measured against), or null. */
  maxAbsGrad: number | null;
  /** The leaf's line in index form, summed with loops at a few elements and compared with autograd; null without `leaf.grad` or an index form. */
  indexCheck: IndexCheck | null;
  /** Readable explanation for a learner. */
  toString(): string;
}

interface Prepared {
  explanation: Omit<GradientExplanation, 'maxAbsDiff' | 'maxAbsGrad' | 'indexCheck' | 'toString'>;
  closed: Expr;
  defs: Map<Tensor, Expr>;
  deriver: Deriver;
}

// Index forms read elements by tensor: a forward value, or a gradient variable's value.
const readKey = (e: Parameters<Reader>[0]): string => (e.kind === 'value' ? `v${e.tensor.id}` : `g${e.of.id}`);

/**
 * Explain how autograd gets `leaf.grad` from `output`: every path of the
 * chain rule with each local derivative, the formula the manual code writes,
 * which saved forward values the backward reads again, and the largest
 * difference between that formula (evaluated with tensor ops on the leaf's
 * device) and autograd's `leaf.grad`. Call `output.backward()` first for the
 * comparison. Reads synchronously; use `explainGradientAsync` on WebGPU.
 */
export function explainGradient(output: Tensor, leaf: Tensor): GradientExplanation {
  const p = prepare(output, leaf);
  let diff: [number, number] | null = null;
  let byIndex: IndexCheck | null = null;
  if (leaf.grad && !leaf.grad.isDisposed) {
    diff = scope(() => {
      const [d, m] = compare(p, leaf);
      return [d.item(), m.item()] as [number, number];
    });
    byIndex = scope(() => {
      const data = new Map<string, ArrayLike<number>>();
      for (const [key, t] of indexInputs(p, leaf)) data.set(key, t.dataSync());
      return p.deriver.check(leaf, p.defs.get(leaf)!, (e) => data.get(readKey(e))!, leaf.grad!.dataSync());
    });
  }
  return finish(p, diff, byIndex);
}

// The tensors the leaf's index form reads: forward values, and gradient variables computed from their formulas.
function indexInputs(p: Prepared, leaf: Tensor): [string, Tensor][] {
  return p.deriver.reads(p.defs.get(leaf)!).map((r) => [readKey(r), r.kind === 'value' ? r.tensor : evaluate(r, p.defs, leaf.device)]);
}

/** `explainGradient` reading the comparison asynchronously (works on every device). */
export async function explainGradientAsync(output: Tensor, leaf: Tensor): Promise<GradientExplanation> {
  const p = prepare(output, leaf);
  let diff: [number, number] | null = null;
  let byIndex: IndexCheck | null = null;
  if (leaf.grad && !leaf.grad.isDisposed) {
    const [d, m] = scope(() => compare(p, leaf));
    try {
      diff = [(await d.data())[0]!, (await m.data())[0]!];
    } finally {
      d.dispose();
      m.dispose();
    }
    // Copies (copy-on-write, no kernel), so every tensor here is this call's to free after the reads.
    const inputs = scope(() => indexInputs(p, leaf).map(([k, t]) => [k, t.detach().clone()] as [string, Tensor]));
    const made = inputs.map(([, t]) => t);
    try {
      const data = new Map<string, ArrayLike<number>>();
      for (const [k, t] of inputs) data.set(k, await t.data());
      const grad = await leaf.grad.data();
      byIndex = p.deriver.check(leaf, p.defs.get(leaf)!, (e) => data.get(readKey(e))!, grad);
    } finally {
      for (const t of made) t.dispose();
    }
  }
  return finish(p, diff, byIndex);
}

function compare(p: Prepared, leaf: Tensor): [Tensor, Tensor] {
  const mine = evaluate(p.closed, p.defs, leaf.device);
  const auto = leaf.grad!;
  return [ops.amax(ops.abs(ops.sub(mine, auto))), ops.amax(ops.abs(auto))];
}

function prepare(output: Tensor, leaf: Tensor): Prepared {
  checkTensor('explainGradient', output, 'the output');
  checkTensor('explainGradient', leaf, 'the leaf');
  const order = topoOrder(output, false);
  if (!order.includes(leaf) || leaf === output) {
    throw new StateError(
      'explainGradient',
      `${leaf.describe()} is not on a recorded path to ${output.describe()}: ` +
        `set requiresGrad = true on it before the forward pass, and pass the output (the loss) first`,
    );
  }
  const shown = drawnIn(output, false);
  const { defs } = symbolicBackward(output, shown);
  const ro = renderOptions();
  const r = (e: Expr): string => E.render(e, ro);
  const outName = output.name ?? 'L';
  const nameOf = (t: Tensor): string => (t === output ? outName : t.name ?? r(E.value(t)));
  const dName = (t: Tensor): string => {
    const s = t === output ? 'L' : t.name ?? t.op ?? `tensor#${t.id}`;
    return /^\w+$/.test(s) ? s : `(${s})`;
  };

  // Paths: depth-first over the folded backward graph.
  const edges = foldedEdges(output, shown);
  const below = new Map<Tensor, FoldedEdge[]>();
  for (const e of edges) below.set(e.from, [...(below.get(e.from) ?? []), e]);
  const paths: FoldedEdge[][] = [];
  const walk = (t: Tensor, acc: FoldedEdge[]): void => {
    if (t === leaf) {
      paths.push(acc);
      return;
    }
    for (const e of below.get(t) ?? []) walk(e.to, [...acc, e]);
  };
  walk(output, []);

  const stepOf = (e: FoldedEdge): GradientStep => {
    const reads: string[] = [];
    for (const o of e.ops) for (const v of o.reads) if (!reads.includes(nameOf(v))) reads.push(nameOf(v));
    return {
      from: nameOf(e.from),
      to: nameOf(e.to),
      local: `d${dName(e.from)}/d${dName(e.to)} = ${describeLocal(e.result, e.G, ro)}`,
      ops: e.ops.map((o) => o.out.op!),
      shape: [...e.to.shape],
      reads,
    };
  };

  // The manual code: one line per drawn tensor on some path, output side first.
  const onPaths = new Set<Tensor>(paths.flatMap((p) => p.map((e) => e.to)));
  const lineTensors = order.filter((t) => onPaths.has(t)).reverse();
  const program = lineTensors.map((t) => ({ name: gradLabel(t), formula: r(defs.get(t)!), shape: [...t.shape] }));

  // Each line by index and by shape, with one set of index letters for the whole explanation.
  const deriver = new Deriver(new AxisLetters(output), ro, nameOf);
  const pathEdges = [...new Set(paths.flat())];
  const derivations = lineTensors.map((t) => deriver.derive(t, defs.get(t)!, pathEdges.filter((e) => e.to === t)));

  // Closed form: keep as a variable the drawn tensor every path passes that is
  // nearest the output (grad_y_pred), inline the rest.
  const common = [...onPaths].filter((t) => t !== leaf && t.name !== undefined && paths.every((p) => p.some((e) => e.to === t)));
  const anchor = common.sort((a, b) => order.indexOf(b) - order.indexOf(a))[0];
  const closed = E.substitute(defs.get(leaf)!, defs, (t) => t !== anchor);
  const where = anchor ? [`${gradLabel(anchor)} = ${r(E.substitute(defs.get(anchor)!, defs, () => true))}`] : [];

  // Saved values read again: the learner's question ("is h_relu used twice?").
  // One entry per value, however many backward steps read it.
  const uses = consumers(output, true);
  const savedReads: SavedRead[] = [];
  const reads = new Map<Tensor, string[]>();
  for (const e of paths.flat()) {
    for (const o of e.ops) {
      for (const v of o.reads) {
        const f = forwardFormula(o.out);
        const made = o.out.name ? `${o.out.op} (${o.out.name} = ${f ? r(f) : o.out.op})` : `${o.out.op} in ${f ? r(f) : o.out.op}`;
        const target = o === e.ops[e.ops.length - 1] ? gradLabel(e.to) : `the gradient on the way to ${nameOf(e.to)}`;
        const what = `the backward of ${made} reads it again to form ${target}`;
        const list = reads.get(v) ?? [];
        if (!list.includes(what)) list.push(what);
        reads.set(v, list);
      }
    }
  }
  for (const [v, whats] of reads) {
    const fwd = (uses.get(v) ?? []).map((u) => `${u.op} → ${nameOf(u)}`);
    const times = fwd.length === 1 ? 'once' : `${fwd.length} times`;
    savedReads.push({
      tensor: nameOf(v),
      forwardUses: fwd,
      readBy: `${nameOf(v)} is used ${times} in the forward pass (by ${fwd.join(', ')}); ${whats.join('; and ')}`,
    });
  }

  return {
    explanation: {
      output: outName,
      leaf: nameOf(leaf),
      shape: [...leaf.shape],
      paths: paths.map((p) => p.map(stepOf)),
      program,
      derivations,
      closedForm: `${gradLabel(leaf)} = ${r(closed)}`,
      where,
      savedReads,
      device: leaf.device,
    },
    closed,
    defs,
    deriver,
  };
}

function finish(p: Prepared, diff: [number, number] | null, byIndex: IndexCheck | null): GradientExplanation {
  const x = p.explanation;
  const result: GradientExplanation = {
    ...x,
    maxAbsDiff: diff ? diff[0] : null,
    maxAbsGrad: diff ? diff[1] : null,
    indexCheck: byIndex,
    toString: () => formatExplanation(result),
  };
  return result;
}

function pad(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - [...s].length));
}

/** The text a learner reads (what `toString()` returns). */
export function formatExplanation(x: GradientExplanation): string {
  checkExplanation(x);
  const lines: string[] = [];
  lines.push(`Gradient of ${x.output} with respect to ${x.leaf} (${shapeText(x.shape)})`);
  lines.push('');
  lines.push(`${x.paths.length === 1 ? 'One path' : `${x.paths.length} paths`} from ${x.output} back to ${x.leaf} (the chain rule multiplies the local derivatives along a path; paths add):`);
  x.paths.forEach((path, i) => {
    lines.push(`  path ${i + 1}: ${[path[0]?.from ?? x.output, ...path.map((s) => s.to)].join(' → ')}`);
    const w = Math.max(...path.map((s) => [...s.local].length));
    for (const s of path) {
      const reads = s.reads.length ? `reads ${s.reads.join(', ')}` : 'reads nothing saved';
      lines.push(`    ${pad(s.local, w)}   via ${pad(s.ops.join(', '), 14)} gives ${shapeText(s.shape)}, ${reads}`);
    }
  });
  lines.push('');
  lines.push('Step by step, as the manual code writes it:');
  const w = Math.max(...x.program.map((l) => [...`${l.name} = ${l.formula}`].length));
  for (const l of x.program) lines.push(`  ${pad(`${l.name} = ${l.formula}`, w)}   ${shapeText(l.shape)}`);
  const derivations = x.derivations ?? [];
  if (derivations.length) {
    lines.push('');
    lines.push('Why each line has its form, by index and by shape (L is the output, a letter is one index, Σ sums over it):');
    for (const d of derivations) {
      lines.push(`  ${d.name}`);
      for (const f of d.forward) lines.push(`    forward:  ${f}`);
      if (d.index) lines.push(`    by index: ${d.index}`);
      if (d.mask) lines.push(`    mask:     ${d.mask}`);
      lines.push(`    shapes:   ${d.shapes}`);
    }
  }
  lines.push('');
  lines.push('In one formula:');
  lines.push(`  ${x.closedForm}`);
  for (const wdef of x.where) lines.push(`  where ${wdef}`);
  if (x.savedReads.length) {
    lines.push('');
    lines.push('Forward values the backward pass reads again (saved by the op that used them):');
    for (const s of x.savedReads) lines.push(`  - ${s.readBy}`);
  }
  lines.push('');
  if (x.maxAbsDiff === null) {
    lines.push(`Check: call ${x.output}.backward() before explainGradient to compare this formula with autograd's ${x.leaf}.grad.`);
  } else {
    const rel = x.maxAbsGrad ? x.maxAbsDiff / x.maxAbsGrad : 0;
    lines.push(
      `Check: the formula above, evaluated with tensor ops on '${x.device}', differs from autograd's ${x.leaf}.grad by at most ` +
        `${x.maxAbsDiff.toExponential(2)} (largest |grad| ${x.maxAbsGrad!.toExponential(2)}, relative ${rel.toExponential(2)})` +
        (x.maxAbsDiff === 0 ? ' — bit for bit: the formula runs the same float32 products in the same order as autograd.' : '.'),
    );
  }
  const c = x.indexCheck;
  if (c) {
    const at = c.at.map((p) => `[${p.join(',')}]`).join(', ');
    const rel = c.maxAbsDiff / Math.max(...c.autograd.map(Math.abs), Number.MIN_VALUE);
    lines.push(
      `Check by index: ${c.form}, summed with plain loops in float64 at ${at}, gives ${c.formula.map((v) => v.toPrecision(7)).join(', ')}; ` +
        `autograd's ${x.leaf}.grad there holds ${c.autograd.map((v) => v.toPrecision(7)).join(', ')} (largest difference ${c.maxAbsDiff.toExponential(2)}, relative ${rel.toExponential(2)}: float32 rounding).`,
    );
  }
  return lines.join('\n');
}
