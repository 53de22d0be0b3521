import { fmtShape, sameShape } from '../shape.js';
import type { NestedArray, Tensor } from '../tensor.js';

/** Tolerances for float32 comparisons: |a - b| <= atol + rtol·|b|. */
export interface Tolerance {
  atol?: number;
  rtol?: number;
}

function flat(v: NestedArray | Float32Array | readonly number[]): number[] {
  if (typeof v === 'number') return [v];
  if (v instanceof Float32Array) return Array.from(v);
  return (v as NestedArray[]).flatMap((x) => flat(x as NestedArray));
}

/** Largest |a - b| over two equally long lists. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > m || Number.isNaN(d)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Throw, with the first mismatching index, unless `actual` is close to `expected`. */
export function assertClose(
  actual: ArrayLike<number> | NestedArray,
  expected: ArrayLike<number> | NestedArray,
  tol: Tolerance = {},
  what = 'values',
): void {
  const atol = tol.atol ?? 1e-5;
  const rtol = tol.rtol ?? 1e-5;
  const a = typeof actual === 'number' || Array.isArray(actual) ? flat(actual as NestedArray) : Array.from(actual as ArrayLike<number>);
  const e = typeof expected === 'number' || Array.isArray(expected) ? flat(expected as NestedArray) : Array.from(expected as ArrayLike<number>);
  if (a.length !== e.length) throw new Error(`${what}: ${a.length} values, expected ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    if (Number.isNaN(y) && Number.isNaN(x)) continue;
    if (x === y) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) {
      throw new Error(`${what}: index ${i} is ${x}, expected ${y} (|diff| ${Math.abs(x - y)} > atol ${atol} + rtol ${rtol}·|expected|)`);
    }
  }
}

/** Throw unless the tensor's shape is `shape`. */
export function assertShape(t: Tensor, shape: readonly number[], what = 'shape'): void {
  if (!sameShape(t.shape, shape)) throw new Error(`${what}: got ${fmtShape(t.shape)}, expected ${fmtShape(shape)}`);
}

/** Throw unless `fn` throws an error of class `cls` whose message matches every pattern. */
export function assertThrows(fn: () => unknown, cls: abstract new (...args: never[]) => Error, ...patterns: RegExp[]): Error {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof cls)) throw new Error(`expected ${cls.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    for (const p of patterns) if (!p.test(e.message)) throw new Error(`error message ${JSON.stringify(e.message)} does not match ${p}`);
    return e;
  }
  throw new Error(`expected ${cls.name} to be thrown, but nothing was thrown`);
}
