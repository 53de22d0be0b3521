import { ShapeError } from './errors.js';

/** A tensor's shape: one size per dimension; `[]` is a scalar. */
export type Shape = readonly number[];

/** Number of elements in a shape. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C order) strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** `[2, 3]` formatted as PyTorch prints sizes, for error messages. */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Same sizes in the same order. */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting: align on the right, sizes must match or be 1. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        throw new ShapeError(
          op,
          `shapes ${shapes.map(fmtShape).join(' and ')} cannot be broadcast together (dimension ${o}: ${out[o]} vs ${d}); ` +
            `sizes must match or be 1 — reshape one operand, e.g. with .reshape(), so they line up from the right`,
        );
      }
    }
  }
  return out;
}

/**
 * Strides of `inShape` seen from an output of `outShape` under broadcasting:
 * a broadcast dimension gets stride 0, so one index walk serves both.
 */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const strides = stridesOf(inShape);
  const out = new Array<number>(outShape.length).fill(0);
  const off = outShape.length - inShape.length;
  for (let i = 0; i < inShape.length; i++) out[off + i] = inShape[i] === 1 ? 0 : strides[i]!;
  return out;
}

/** Output shape of a reduction over `axes`. */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepDims) out.push(1);
    } else out.push(shape[i]!);
  }
  return out;
}
