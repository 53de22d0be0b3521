import * as ops from '@nn/core';
import { full, noGrad, reducedShape, sizeOf, UNARY_IDS, type Device, type Tensor, type UnaryId } from '@nn/core';
import type { Expr } from './expr.js';

/**
 * Compute an explained formula with tensor ops, on the device of the tensors
 * it reads, so the explanation is checked wherever the program ran. Gradient
 * variables are computed from their definitions in `defs`.
 */
export function evaluate(e: Expr, defs: ReadonlyMap<Tensor, Expr>, device: Device): Tensor {
  return noGrad(() => {
    const memo = new Map<Tensor, Tensor | number>();
    const r = go(e, defs, device, memo);
    return typeof r === 'number' ? full(e.shape, r, { device }) : r.shape.length === e.shape.length ? r : ops.expand(r, e.shape);
  });
}

type Val = Tensor | number;

function go(e: Expr, defs: ReadonlyMap<Tensor, Expr>, device: Device, memo: Map<Tensor, Val>): Val {
  const v = compute(e, defs, device, memo);
  // A product with a broadcast 1 (or a 0-d factor) keeps the expression's shape.
  if (typeof v !== 'number' && v.size !== sizeOf(e.shape)) return ops.expand(v, e.shape);
  return v;
}

function compute(e: Expr, defs: ReadonlyMap<Tensor, Expr>, device: Device, memo: Map<Tensor, Val>): Val {
  const rec = (x: Expr): Val => go(x, defs, device, memo);
  const tensorOf = (v: Val, shape: readonly number[]): Tensor => (typeof v === 'number' ? full(shape, v, { device }) : v);
  switch (e.kind) {
    case 'value':
      return e.tensor;
    case 'grad': {
      let v = memo.get(e.of);
      if (v === undefined) {
        const d = defs.get(e.of);
        if (!d) throw new Error(`explain: no formula for the gradient of ${e.label}`);
        v = rec(d);
        memo.set(e.of, v);
      }
      return v;
    }
    case 'one':
      return 1;
    case 'num':
      return e.value;
    case 'T': {
      const a = rec(e.a);
      return typeof a === 'number' ? a : ops.t(a);
    }
    case 'mm': {
      // Transposes stay flags of the product, as the backward of mm computes them.
      const [a, ta] = e.a.kind === 'T' ? [rec(e.a.a), true] : [rec(e.a), false];
      const [b, tb] = e.b.kind === 'T' ? [rec(e.b.a), true] : [rec(e.b), false];
      const sa = e.a.kind === 'T' ? e.a.a.shape : e.a.shape;
      const sb = e.b.kind === 'T' ? e.b.a.shape : e.b.shape;
      return ops.matmulT(tensorOf(a, sa), tensorOf(b, sb), ta, tb);
    }
    case 'mul':
      return binary(rec(e.a), rec(e.b), (x, y) => x * y, ops.mul);
    case 'add':
      return binary(rec(e.a), rec(e.b), (x, y) => x + y, ops.add);
    case 'sub':
      return binary(rec(e.a), rec(e.b), (x, y) => x - y, ops.sub);
    case 'div':
      return binary(rec(e.a), rec(e.b), (x, y) => x / y, ops.div);
    case 'neg': {
      const a = rec(e.a);
      return typeof a === 'number' ? -a : ops.neg(a);
    }
    case 'pow': {
      const a = rec(e.a);
      return typeof a === 'number' ? a ** e.p : ops.pow(a, e.p);
    }
    case 'cmp':
      return ops.compare(e.op, tensorOf(rec(e.a), e.a.shape), e.b);
    case 'fn': {
      const args = e.args.map((x) => tensorOf(rec(x), x.shape));
      return callFn(e.name, args, e, device);
    }
  }
}

function binary(a: Val, b: Val, num: (x: number, y: number) => number, op: (x: Tensor | number, y: Tensor | number) => Tensor): Val {
  if (typeof a === 'number' && typeof b === 'number') return num(a, b);
  return op(a, b);
}

const UNARY: ReadonlySet<string> = new Set(UNARY_IDS);

function callFn(name: string, args: Tensor[], e: Extract<Expr, { kind: 'fn' }>, device: Device): Tensor {
  const [a, b] = args as [Tensor, Tensor];
  const at = e.attrs;
  // Every unary op of the op table evaluates as itself (exp, tanh, sin, cos...): a new one needs nothing here.
  if (UNARY.has(name)) return ops[name as UnaryId](a);
  switch (name) {
    case 'sign':
      return ops.sub(ops.compare('gt', a, 0), ops.compare('lt', a, 0));
    case 'pow':
      return ops.pow(a, b);
    case 'maximum':
      return ops.maximum(a, b);
    case 'minimum':
      return ops.minimum(a, b);
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le':
    case 'eq':
      return ops.compare(name, a, b);
    case 'ne0':
      return ops.sub(1, ops.compare('eq', a, 0));
    case 'clamp':
      return ops.clamp(a, { ...(at['min'] !== undefined ? { min: at['min'] as number } : {}), ...(at['max'] !== undefined ? { max: at['max'] as number } : {}) });
    case 'sum':
      return ops.sum(a, at['dim'] as number[] | undefined, (at['keepdim'] as boolean | undefined) ?? false);
    case 'mean':
      return ops.mean(a, at['dim'] as number[] | undefined, (at['keepdim'] as boolean | undefined) ?? false);
    case 'max':
      return ops.amax(a, at['dim'] as number[] | undefined, (at['keepdim'] as boolean | undefined) ?? false);
    case 'min':
      return ops.amin(a, at['dim'] as number[] | undefined, (at['keepdim'] as boolean | undefined) ?? false);
    case 'maxMask':
    case 'minMask': {
      const dims = at['dim'] as number[];
      const kept = reducedShape(a.shape, dims, true);
      const extreme = name === 'maxMask' ? ops.amax(a, dims, true) : ops.amin(a, dims, true);
      const mask = ops.compare('eq', a, ops.reshape(extreme, kept));
      return ops.div(mask, ops.expand(ops.sum(mask, dims, true), a.shape));
    }
    case 'expand':
      return ops.expand(a, e.shape);
    case 'reshape':
      return ops.reshape(a, e.shape);
    case 'sumTo':
      return ops.sumToShape(a, e.shape);
    case 'permute':
      return ops.permute(a, at['dims'] as number[]);
    case 'matmul':
      return ops.matmul(a, b);
    case 'mT':
      return ops.transpose(a, -2, -1);
    // The shape and indexing ops (core's ops/slicing.ts, joining.ts, indexing.ts) and their backwards.
    case 'slice':
      return ops.slice(a, at['dim'] as number, at['start'] as number, at['end'] as number, at['step'] as number);
    case 'padSlice':
      return ops.sliceScatter(full(e.shape, 0, { device }), a, at['dim'] as number, at['start'] as number, at['end'] as number, at['step'] as number);
    case 'zeroSlice': {
      const hole = ops.slice(a, at['dim'] as number, at['start'] as number, at['end'] as number, at['step'] as number);
      return ops.sliceScatter(a, full(hole.shape, 0, { device }), at['dim'] as number, at['start'] as number, at['end'] as number, at['step'] as number);
    }
    case 'sliceScatter':
      return ops.sliceScatter(a, b, at['dim'] as number, at['start'] as number, at['end'] as number, at['step'] as number);
    case 'squeeze':
    case 'unsqueeze':
      return ops.reshape(a, e.shape);
    case 'cat':
      return ops.cat(args, at['dim'] as number);
    case 'flip':
      return ops.flip(a, at['dims'] as number[]);
    case 'repeat':
      return ops.repeat(a, at['sizes'] as number[]);
    case 'sumRepeats': {
      // The gradient seen as [r0, s0, r1, s1, …], summed over the copies (the even axes).
      const sizes = at['sizes'] as number[];
      const own = [...sizes.slice(0, sizes.length - e.shape.length).map(() => 1), ...e.shape];
      const wide = ops.reshape(a, own.flatMap((n, i) => [sizes[i]!, n]));
      return own.length === 0 ? wide : ops.reshape(ops.sum(wide, own.map((_, i) => 2 * i)), e.shape);
    }
    case 'gather':
      return ops.gather(a, at['dim'] as number, b);
    case 'gatherBackward':
      return ops.scatterAdd(full(e.shape, 0, { device }), at['dim'] as number, b, a);
    case 'scatterAdd':
      return ops.scatterAdd(a, at['dim'] as number, b, args[2]!);
    case 'scatterAddSrcBackward': {
      // The gradient at the index, zero-padded at the end of each dim up to src's shape.
      let g = ops.gather(a, at['dim'] as number, b);
      e.shape.forEach((n, d) => {
        if (g.shape[d] !== n) g = ops.sliceScatter(full(g.shape.map((m, i) => (i === d ? n : m)), 0, { device }), g, d, 0, g.shape[d]!);
      });
      return g;
    }
    case 'cumsum':
      return ops.cumsum(a, at['dim'] as number);
    case 'to':
      return ops.to(a, at['to'] as Device);
    case 'maskedFill':
      return ops.maskedFill(a, b, at['value'] as number);
    case 'where':
      return ops.where(args[2]!, a, b);
    default:
      throw new Error(`explain: cannot evaluate ${name}() on device '${device}'`);
  }
}
