import { isContiguous, sameShape, type Shape } from '@nn/core';
import type { Expr, GpuBuffer, GpuHandle } from './handle.js';
import { binaryExpr, chainLines, divmod, gatherOffsets, intLocals, params } from './sources.js';

// Kernel sources for deferred expressions (fusion): a kernel that reads a
// deferred buffer computes its expression where it reads it, down to the
// computed buffers at the leaves, so an elementwise tree, a where, or one
// product with its epilogue runs as one kernel. Each value is computed once
// per kernel and index (a node read twice at the same place is one variable).

/** A handle's strides over a kernel output of `shape` (0 where it broadcasts). */
export function stridesOver(h: GpuHandle, shape: Shape): number[] {
  const lead = shape.length - h.shape.length;
  return shape.map((_, d) => (d < lead || h.shape[d - lead] === 1 ? 0 : h.strides[d - lead]!));
}

/** Whether a kernel with output `shape` reads h at its own flat index (same shape, row-major, offset 0). */
export function readsFlat(h: GpuHandle, shape: Shape): boolean {
  return sameShape(h.shape, shape) && isContiguous(h);
}

/** Whether h is read once per output element of a kernel with output `shape` (no broadcast), so inlining its expression repeats no work. */
export function readsOnce(h: GpuHandle, shape: Shape): boolean {
  return sameShape(h.shape, shape) && h.strides.every((s, d) => s !== 0 || h.shape[d] === 1);
}

/** A fused kernel's source with the buffers and numbers to pass it, in parameter order. */
export interface FusedKernel {
  source: string;
  leaves: GpuBuffer[];
  args: number[];
}

/**
 * Writes the body of one fused kernel: computed buffers become parameters
 * `x0, x1…` (one per buffer however often it is read), chain numbers `s0, s1…`.
 */
export class Fuser {
  readonly leaves: GpuBuffer[] = [];
  readonly args: number[] = [];
  private readonly names = new Map<GpuBuffer, string>();
  private memo = new Map<GpuBuffer, Map<string, string>>();
  private lines: string[] = [];
  private count = 0;

  /** A kernel of output `shape` writing h's values (view, chain and expression computed on read) row-major. */
  static map(h: GpuHandle, shape: Shape): FusedKernel {
    const f = new Fuser();
    const v = f.read(h, f.position(h, shape, 'i'));
    return f.kernel(v);
  }

  /** A kernel computing deferred buffer b's expression: its value, row-major. */
  static realize(b: GpuBuffer): FusedKernel {
    const f = new Fuser();
    return f.kernel(f.value(b, 'i'));
  }

  /** The parameter list for the buffers and numbers read so far. */
  params(): string {
    return params(this.leaves.length, this.args.length);
  }

  /**
   * Lines that set a new variable `v` to h's value (its chain applied) at
   * position `pos` of its buffer, in a block of their own (a loop body).
   */
  readInto(v: string, h: GpuHandle, pos: string): string[] {
    const [lines, memo] = [this.lines, this.memo];
    this.lines = [];
    this.memo = new Map();
    const got = this.read(h, pos);
    const out = [...this.lines, `let ${v} = ${got};`];
    [this.lines, this.memo] = [lines, memo];
    return out;
  }

  private kernel(v: string): FusedKernel {
    const source = `function (${this.params()}) {
  ${intLocals(['i'])}
  i = this.thread.x;
  ${this.lines.join('\n  ')}
  return ${v};
}`;
    return { source, leaves: this.leaves, args: this.args };
  }

  private fresh(prefix: string): string {
    return `${prefix}${this.count++}`;
  }

  private leaf(b: GpuBuffer): string {
    let name = this.names.get(b);
    if (!name) {
      name = `x${this.leaves.length}`;
      this.leaves.push(b);
      this.names.set(b, name);
    }
    return name;
  }

  /** The variable holding h's value with its chain applied, at position `pos` of h's buffer. */
  private read(h: GpuHandle, pos: string): string {
    const raw = this.value(h.buf, pos);
    if (h.chain.length === 0) return raw;
    const v = this.fresh('c');
    const first = this.args.length;
    this.args.push(...h.args);
    this.lines.push(...chainLines(v, raw, h.chain, first));
    return v;
  }

  /** Where in h's buffer a node of `shape` reads h at its flat index `pos` (h's view and broadcast). */
  position(h: GpuHandle, shape: Shape, pos: string): string {
    if (readsFlat(h, shape)) return pos;
    const o = this.fresh('o');
    this.lines.push(gatherOffsets(shape, [stridesOver(h, shape)], [o], pos, `${o}_`));
    return h.offset === 0 ? o : `${o} + ${h.offset}`;
  }

  /** The variable holding buffer b's value at position `pos`: a read, or its deferred expression computed there. */
  private value(b: GpuBuffer, pos: string): string {
    let seen = this.memo.get(b);
    if (!seen) this.memo.set(b, (seen = new Map()));
    const known = seen.get(pos);
    if (known) return known;
    let v: string;
    if (!b.expr) {
      v = this.fresh('v');
      this.lines.push(`let ${v} = ${this.leaf(b)}[${pos}];`);
    } else if (b.expr.kind === 'product') v = this.product(b.expr, pos);
    else {
      const e = b.expr;
      const vs = e.inputs.map((h) => this.read(h, this.position(h, e.shape, pos)));
      v = this.fresh('e');
      if (e.kind === 'binary') this.lines.push(`let ${v} = ${binaryExpr[e.op!].replace(/\b[ab]\b/g, (m) => (m === 'a' ? vs[0]! : vs[1]!))};`);
      // As whereSource: a NaN mask is not 0, so it takes a.
      else this.lines.push(`let ${v} = ${vs[2]};`, `if (${vs[0]} != 0.0) {\n    ${v} = ${vs[1]};\n  }`);
    }
    seen.set(pos, v);
    return v;
  }

  /**
   * One element of a deferred product at flat position `pos` of its
   * [...batch, m, n] result: its dot product, as bmmSource's thread computes
   * it (the operands are read through their views, chains and cheap trees applied).
   */
  private product(e: Expr, pos: string): string {
    const g = e.product!;
    const [ha, hb] = e.inputs as [GpuHandle, GpuHandle];
    const t = this.fresh('p');
    const d = g.batch.length;
    const { m, k, n, aStrides: sa, bStrides: sb } = g;
    const L = this.lines;
    // Integer index arithmetic, as bmmSource's (sources.ts: intLocals, divmod).
    const [oa, ob, be, w, i, j, c, ra, cb] = ['oa', 'ob', 'e', 'w', 'i', 'j', 'c', 'ra', 'cb'].map((x) => `${t}${x}`) as [string, string, string, string, string, string, string, string, string];
    L.push(intLocals([oa, ob, be, w, i, j, c, ra, cb]), `${oa} = ${ha.offset};`, `${ob} = ${hb.offset};`, `${j} = ${pos};`);
    if (d > 0) {
      L.push(...divmod(be, j, m * n, c));
      const blocks = g.batch.map((_, q) => g.batch.slice(q + 1).reduce((x, y) => x * y, 1));
      for (let q = 0; q < d; q++) {
        L.push(...divmod(w, be, blocks[q]!, c));
        if (sa[q] !== 0) L.push(`${oa} = ${oa} + ${w} * ${sa[q]!};`);
        if (sb[q] !== 0) L.push(`${ob} = ${ob} + ${w} * ${sb[q]!};`);
      }
    }
    L.push(...divmod(i, j, n, c), `${ra} = ${oa} + ${i} * ${sa[d]!};`, `${cb} = ${ob} + ${j} * ${sb[d]!};`, `let ${t}acc = 0.0;`);
    // The loop body is a block of its own: what it computes is not seen after it.
    const p = `${t}k`;
    const [lines, memo] = [this.lines, this.memo];
    this.lines = [];
    this.memo = new Map();
    const va = this.read(ha, `${ra} + ${p} * ${sa[d + 1]!}`);
    const vb = this.read(hb, `${p} * ${sb[d + 1]!} + ${cb}`);
    const body = [...this.lines, `${t}acc = ${t}acc + ${va} * ${vb};`];
    [this.lines, this.memo] = [lines, memo];
    L.push(`for (let ${p} = 0; ${p} < ${k}; ${p}++) {\n    ${body.join('\n    ')}\n  }`);
    return `${t}acc`;
  }
}
