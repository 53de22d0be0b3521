import { ArgumentError, ShapeError } from './errors.js';
import { Tensor } from './tensor.js';

// Argument checks for every public entry point. Plain-JavaScript callers have no
// type checker, and a bad size that reaches a backend corrupts it silently (a NaN
// size moved the WebAssembly arena's bump pointer to NaN), so each entry point
// checks here and throws a named nn error that names the op and the fix.
// The checks run on every op: they loop over what they are given and allocate
// nothing on success.

/** Most elements one tensor may hold (2^31 - 1): past this, byte offsets overflow the backends' 32-bit indexing. */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** A value as an error message shows it: `undefined`, `'0.01' (a string)`, `NaN`, `[2, 3]`. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}' (a string)`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === undefined || v === null) return String(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return v.length <= 8 ? `[${v.map((x) => (typeof x === 'number' ? String(x) : showValue(x))).join(', ')}]` : `an array of ${v.length}`;
  if (v instanceof Tensor) return `a Tensor ${v.describe()}`;
  return `an object (${Object.prototype.toString.call(v).slice(8, -1)})`;
}

/** Shape text that keeps `undefined` and `NaN` visible (`[undefined, 3]`, where join would print `[, 3]`). */
function showSizes(shape: readonly unknown[]): string {
  return `[${shape.map((d) => String(d)).join(', ')}]`;
}

/**
 * Check a shape: an array of whole numbers ≥ 0 whose product is at most `MAX_ELEMENTS`.
 * Throws a ShapeError naming `op`, the bad size, its dim and the fix; returns the shape.
 */
export function checkShape(op: string, shape: unknown, what = 'shape'): readonly number[] {
  if (!Array.isArray(shape)) {
    if (typeof shape === 'number') {
      throw new ShapeError(op, `expected the ${what} as an array of sizes, got the number ${shape}; write [${shape}] for one dimension of ${shape}`);
    }
    throw new ShapeError(op, `expected the ${what} as an array of sizes, e.g. [2, 3], got ${showValue(shape)}`);
  }
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      const why = typeof d === 'number' && d < 0 ? `a negative size ${d}` : `size ${showValue(d)}, which is not a whole number,`;
      throw new ShapeError(op, `${what} ${showSizes(shape)} has ${why} at dim ${i}; sizes are whole numbers ≥ 0`);
    }
    n *= d;
  }
  if (n > MAX_ELEMENTS) {
    throw new ShapeError(
      op,
      `${what} ${showSizes(shape)} has ${n} elements, more than the ${MAX_ELEMENTS} (2^31 - 1) one tensor may hold; split the data into smaller tensors`,
    );
  }
  return shape as readonly number[];
}

/**
 * The sizes given to `reshape`/`view`: whole numbers ≥ 0, or -1 once (inferred).
 * Checked before any product is taken, so `reshape(-2, -3)` is not read as 6 elements.
 */
export function checkReshapeSizes(op: string, shape: unknown): readonly number[] {
  if (!Array.isArray(shape)) return checkShape(op, shape);
  let free = -1;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (d === -1) {
      if (free >= 0) throw new ShapeError(op, `only one size may be -1, got ${showSizes(shape)} (dims ${free} and ${i}); give every size but one`);
      free = i;
    } else if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(op, `shape ${showSizes(shape)} has an invalid size ${showValue(d)} at dim ${i}; sizes are whole numbers ≥ 0, or -1 once to infer that size`);
    }
  }
  return shape as readonly number[];
}

/**
 * Resolve the `dim` argument of a reduction to sorted dims, as PyTorch: undefined or `[]` means every dim,
 * negatives count from the end, a repeated dim is an error.
 */
export function checkReduceDims(op: string, dim: unknown, rank: number): number[] {
  const all = (): number[] => {
    const out = new Array<number>(rank);
    for (let i = 0; i < rank; i++) out[i] = i;
    return out;
  };
  if (dim === undefined) return all();
  if (typeof dim === 'number') return [checkDim(op, dim, rank)];
  if (!Array.isArray(dim)) throw new ArgumentError(op, `dim must be a number or an array of numbers, got ${showValue(dim)}`);
  if (dim.length === 0) return all();
  const out = new Array<number>(dim.length);
  for (let i = 0; i < dim.length; i++) {
    const d = checkDim(op, dim[i], rank);
    for (let j = 0; j < i; j++) if (out[j] === d) throw new ShapeError(op, `dim ${d} appears multiple times in the list of dims ${showSizes(dim)}; give each dim once`);
    out[i] = d;
  }
  return out.sort((a, b) => a - b);
}

/** One dimension index: a whole number in [-rank, rank) (a scalar accepts 0 and -1, as PyTorch); returns it ≥ 0. */
export function checkDim(op: string, dim: unknown, rank: number): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) {
    throw new ShapeError(op, `a dimension must be a whole number, got ${showValue(dim)}; dims count from 0, negatives from the end`);
  }
  const r = Math.max(rank, 1);
  const d = dim < 0 ? dim + r : dim;
  if (d < 0 || d >= r) {
    throw new ShapeError(op, `dimension ${dim} is out of range for a tensor of rank ${rank} (valid: ${-r}..${r - 1})`);
  }
  return d;
}

/** Check that `v` is a Tensor (a disposed one is a StateError naming `op`). */
export function checkTensor(op: string, v: unknown, name: string): Tensor {
  if (!(v instanceof Tensor)) {
    throw new ArgumentError(op, `${name} must be a Tensor, got ${showValue(v)}${typeof v === 'number' || Array.isArray(v) ? '; make one with tensor(...)' : ''}`);
  }
  return v;
}

/** Check an operand of an elementwise op: a Tensor or a number (NaN and ±Inf are numbers, as in PyTorch). */
export function checkOperand(op: string, v: unknown, name: string): void {
  if (typeof v !== 'number' && !(v instanceof Tensor)) {
    throw new ArgumentError(op, `${name} must be a Tensor or a number, got ${showValue(v)}${Array.isArray(v) ? '; make a tensor with tensor(...)' : ''}`);
  }
}

/** A rule for one option: what it accepts (for messages) and the test. */
export interface OptionRule {
  /** What the option accepts, as the message says it: `'wasm' | 'js' | 'auto'`, `a whole number ≥ 1`. */
  accepts: string;
  /** True when the value is acceptable (undefined, meaning the default, is always accepted). */
  ok: (v: unknown) => boolean;
}

/** Rule: one of the listed strings. */
export function oneOf(...values: readonly string[]): OptionRule {
  return { accepts: values.map((v) => `'${v}'`).join(' | '), ok: (v) => typeof v === 'string' && values.includes(v) };
}

/** Rule: a boolean. */
export const isBoolean: OptionRule = { accepts: 'true or false', ok: (v) => typeof v === 'boolean' };

/** Rule: a non-empty string. */
export const isName: OptionRule = { accepts: 'a non-empty string', ok: (v) => typeof v === 'string' && v.length > 0 };

/** Rule: any number, NaN and ±Inf included. */
export const isNumber: OptionRule = { accepts: 'a number', ok: (v) => typeof v === 'number' };

/** Rule: a finite number in [min, max] (and a whole number when `integer`). */
export function numberIn(min: number, max = Infinity, integer = false): OptionRule {
  const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}]`;
  return {
    accepts: `${integer ? 'a whole number' : 'a finite number'} ${range}`,
    ok: (v) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v)),
  };
}

/** Check one argument against a rule; throws an ArgumentError naming `op`, the argument and what it accepts. */
export function checkArg(op: string, name: string, v: unknown, rule: OptionRule): void {
  if (!rule.ok(v)) throw new ArgumentError(op, `${name} must be ${rule.accepts}, got ${showValue(v)}`);
}

/**
 * Check an options object: undefined or a plain object whose keys are all in `rules` and whose values pass
 * them (undefined values mean the default). Throws an ArgumentError naming the key and what it accepts.
 */
export function checkOptions(op: string, opts: unknown, rules: Readonly<Record<string, OptionRule>>): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts) || opts instanceof Tensor) {
    throw new ArgumentError(op, `options must be an object such as { ${Object.keys(rules)[0] ?? ''}: ... }, got ${showValue(opts)}`);
  }
  for (const key in opts) {
    const rule = rules[key];
    if (rule === undefined || !Object.prototype.hasOwnProperty.call(rules, key)) {
      throw new ArgumentError(op, `unknown option '${key}'; the options are ${Object.keys(rules).join(', ')}`);
    }
    const v = (opts as Record<string, unknown>)[key];
    if (v !== undefined && !rule.ok(v)) throw new ArgumentError(op, `option ${key} must be ${rule.accepts}, got ${showValue(v)}`);
  }
}
