import type { Device } from './backend.js';
import { DTypeError, ShapeError } from './errors.js';
import { getBackend, getDefaultDevice } from './registry.js';
import { defaultGenerator, Generator, randArray, randintArray, randnArray, randpermArray } from './random.js';
import { fmtShape, sizeOf, type Shape } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';
import { ArgumentError } from './errors.js';
import { checkArg, checkOptions, checkShape, checkTensor, isBoolean, isName, isNumber, MAX_ELEMENTS, showValue, type OptionRule } from './validate.js';
import { checkDType, checkInt32Data, checkInt32Value, INT32_EXACT_LIMIT, type DType } from './dtype.js';

// dtype's value is checked by make() (a DTypeError, as for any other dtype problem).
const anyValue: OptionRule = { accepts: 'any value', ok: () => true };
// What each factory's options accept; an unknown key or a wrong type is an ArgumentError naming it.
const common: Record<string, OptionRule> = { device: isName, requiresGrad: isBoolean, name: isName, dtype: anyValue };
const anyShape: OptionRule = { accepts: 'an array of whole numbers ≥ 0', ok: Array.isArray };
const tensorRules = { ...common, shape: anyShape };
const isFinite: OptionRule = { accepts: 'a finite number', ok: (v) => typeof v === 'number' && Number.isFinite(v) };
const isGenerator: OptionRule = { accepts: 'a Generator (new Generator().manualSeed(seed))', ok: (v) => v instanceof Generator };
const randnRules = { ...common, generator: isGenerator };
const randRules = { ...randnRules, low: isNumber, high: isNumber };

/** Options shared by every factory. */
export interface TensorOptions {
  /** Device to create on (default: `getDefaultDevice()`). */
  device?: Device;
  /** Make it a leaf that autograd differentiates with respect to. */
  requiresGrad?: boolean;
  /** Name shown in graphs and errors. */
  name?: string;
  /** Element type (default `float32`); `int32` needs whole numbers within ±2^24 and cannot require grad. */
  dtype?: DType;
}

/** Host data accepted by `tensor()`: nested number arrays, or a flat typed array with `shape`. */
export type TensorData = NestedArray | Float32Array | Float64Array | Int32Array | Uint8Array | readonly number[];

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0]!;
  }
  return shape;
}

function flatten(data: NestedArray, shape: number[], out: Float32Array | Float64Array): void {
  let k = 0;
  const walk = (v: NestedArray, dim: number, path: number[]): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') {
        throw new DTypeError('tensor', `element at [${path.join(', ')}] is ${Array.isArray(v) ? 'an array' : typeof v}, expected a number; nn tensors hold numbers only (float32, or int32 with { dtype: 'int32' })`);
      }
      out[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new ShapeError(
        'tensor',
        `ragged nested array: at [${path.join(', ')}] expected ${shape[dim]} elements like the first row, got ${Array.isArray(v) ? v.length : 'a number'}; every row must have the same length`,
      );
    }
    for (let i = 0; i < v.length; i++) walk(v[i]!, dim + 1, [...path, i]);
  };
  walk(data, 0, []);
}

// The shape and options are checked by each factory before it allocates anything.
// An int32 tensor's values are checked here on the caller's numbers, before float32 would
// round them (16777217 would pass as 16777216), and -0 becomes 0 (an integer has no sign of zero).
function make(op: string, source: ArrayLike<number>, shape: Shape, opts: TensorOptions): Tensor {
  const dtype = checkDType(op, opts.dtype) ?? 'float32';
  if (dtype === 'int32') {
    if (opts.requiresGrad) {
      throw new DTypeError(op, `an int32 tensor cannot require grad (integers have no gradient, as in PyTorch); drop requiresGrad, or make it float32`);
    }
    checkInt32Data(op, source, `int32 tensors hold whole numbers within ±2^24; round the data first (Math.round, Math.trunc), or leave out { dtype: 'int32' } for float32`);
  }
  const data = source instanceof Float32Array ? source : Float32Array.from(source);
  if (dtype === 'int32') for (let i = 0; i < data.length; i++) data[i]! += 0;
  const backend = getBackend(opts.device ?? getDefaultDevice(), op);
  const t = new Tensor(backend.fromArray(data, [...shape]), null, dtype);
  if (opts.requiresGrad) t.requiresGrad = true;
  if (opts.name) t.name = opts.name;
  return t;
}

/**
 * Make a tensor from nested arrays (`tensor([[1, 2], [3, 4]])`) or from flat
 * typed data plus a shape (`tensor(f32, { shape: [2, 2] })`). The data is copied.
 */
export function tensor(data: TensorData, opts: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  checkOptions('tensor', opts, tensorRules);
  if (opts.shape !== undefined) checkShape('tensor', opts.shape);
  if (typeof data === 'bigint' || data instanceof BigInt64Array || data instanceof BigUint64Array) {
    throw new DTypeError('tensor', '64-bit integer data cannot be held exactly in float32; convert first, e.g. Float32Array.from(data, Number)');
  }
  if (ArrayBuffer.isView(data)) {
    // make() converts other typed arrays (after checking int32 values on the originals).
    const flat = data instanceof Float32Array ? new Float32Array(data) : (data as ArrayLike<number>);
    const shape = opts.shape ?? [flat.length];
    if (sizeOf(shape) !== flat.length) {
      throw new ShapeError('tensor', `shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements but the data has ${flat.length}`);
    }
    return make('tensor', flat, shape, opts);
  }
  if (typeof data === 'number') {
    const shape = opts.shape ?? [];
    if (sizeOf(shape) !== 1) throw new ShapeError('tensor', `shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements but a number is one; use full(shape, value)`);
    return make('tensor', [data], shape, opts);
  }
  if (!Array.isArray(data)) throw new DTypeError('tensor', `expected nested arrays of numbers or a typed array, got ${typeof data}`);
  const shape = inferShape(data as NestedArray);
  checkShape('tensor', shape);
  // int32 values are kept in float64 until make() has checked them.
  const flat = opts.dtype === 'int32' ? new Float64Array(sizeOf(shape)) : new Float32Array(sizeOf(shape));
  flatten(data as NestedArray, shape, flat);
  if (opts.shape) {
    if (sizeOf(opts.shape) !== flat.length) throw new ShapeError('tensor', `shape ${fmtShape(opts.shape)} needs ${sizeOf(opts.shape)} elements but the data has ${flat.length}`);
    return make('tensor', flat, opts.shape, opts);
  }
  return make('tensor', flat, shape, opts);
}

// zeros, ones and full: check the arguments, then fill.
function filled(op: string, shape: readonly number[], value: number, opts: TensorOptions): Tensor {
  checkShape(op, shape);
  checkOptions(op, opts, common);
  if (opts.dtype === 'int32') checkInt32Value(op, value, 'the fill value', `int32 tensors hold whole numbers within ±2^24; leave out { dtype: 'int32' } for float32`);
  return make(op, new Float32Array(sizeOf(shape)).fill(value), shape, opts);
}

/** Tensor filled with `value`. */
export function full(shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
  checkArg('full', 'value', value, isNumber);
  return filled('full', shape, value, opts);
}

/** Tensor of zeros. */
export function zeros(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return filled('zeros', shape, 0, opts);
}

/** Tensor of ones. */
export function ones(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return filled('ones', shape, 1, opts);
}

/** Zeros with another tensor's shape, device and dtype, as `torch.zeros_like`. */
export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  checkTensor('zerosLike', t, 'the model tensor');
  checkOptions('zerosLike', opts, common);
  return zeros(t.shape, { device: t.device, dtype: t.dtype, ...opts });
}

/** Ones with another tensor's shape, device and dtype, as `torch.ones_like`. */
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  checkTensor('onesLike', t, 'the model tensor');
  checkOptions('onesLike', opts, common);
  return ones(t.shape, { device: t.device, dtype: t.dtype, ...opts });
}

// randn and rand draw real numbers: an int32 result would be all truncations (PyTorch refuses too).
function floatOnly(op: string, opts: TensorOptions): void {
  if (checkDType(op, opts.dtype) === 'int32') {
    throw new DTypeError(op, `draws real numbers, so it cannot make an int32 tensor; use randint(low, high, shape) for random integers`);
  }
}

/** Options of the random factories: the generator to draw from (default: the global one, `manualSeed`). */
export interface RandomOptions extends TensorOptions {
  /** A `Generator` of its own: drawing from it leaves the global stream untouched, as `torch.randn(..., generator=g)`. */
  generator?: Generator;
}

/** Standard normal samples from the seeded generator (`manualSeed`, or `{ generator }`). */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  checkShape('randn', shape);
  checkOptions('randn', opts, randnRules);
  floatOnly('randn', opts);
  return make('randn', randnArray(sizeOf(shape), opts.generator ?? defaultGenerator), shape, opts);
}

/** Uniform samples in [0, 1) — or [low, high) — from the seeded generator (`manualSeed`, or `{ generator }`). */
export function rand(shape: readonly number[], opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkShape('rand', shape);
  checkOptions('rand', opts, randRules);
  floatOnly('rand', opts);
  return make('rand', randArray(sizeOf(shape), opts.low ?? 0, opts.high ?? 1, opts.generator ?? defaultGenerator), shape, opts);
}

/** Standard normal samples with another tensor's shape and device, as `torch.randn_like` (float32). */
export function randnLike(t: Tensor, opts: RandomOptions = {}): Tensor {
  checkTensor('randnLike', t, 'the model tensor');
  checkOptions('randnLike', opts, randnRules);
  return randn(t.shape, { device: t.device, ...opts });
}

/** Uniform samples in [0, 1) with another tensor's shape and device, as `torch.rand_like` (float32). */
export function randLike(t: Tensor, opts: RandomOptions = {}): Tensor {
  checkTensor('randLike', t, 'the model tensor');
  checkOptions('randLike', opts, randnRules);
  return rand(t.shape, { device: t.device, ...opts });
}

/** `value` everywhere, with another tensor's shape, device and dtype, as `torch.full_like`. */
export function fullLike(t: Tensor, value: number, opts: TensorOptions = {}): Tensor {
  checkTensor('fullLike', t, 'the model tensor');
  checkArg('fullLike', 'value', value, isNumber);
  checkOptions('fullLike', opts, common);
  if ((checkDType('fullLike', opts.dtype) ?? t.dtype) === 'int32') {
    checkInt32Value('fullLike', value, 'the fill value', `an int32 tensor holds whole numbers within ±2^24; pass { dtype: 'float32' } for a float result`);
  }
  return full(t.shape, value, { device: t.device, dtype: t.dtype, ...opts });
}

const intBound: OptionRule = { accepts: 'a whole number within ±2^24', ok: (v) => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= INT32_EXACT_LIMIT };

/**
 * Whole numbers uniform in [low, high), int32 by default, as `torch.randint(low, high, size)`;
 * `randint(high, shape)` draws from [0, high). From the global generator or `{ generator }`.
 */
export function randint(low: number, high: number | readonly number[], shape?: readonly number[] | RandomOptions, opts: RandomOptions = {}): Tensor {
  // randint(high, shape, opts?) as torch.randint(high, size).
  if (Array.isArray(high)) {
    if (shape !== undefined && (typeof shape !== 'object' || Array.isArray(shape))) {
      throw new ArgumentError('randint', `after randint(high, shape) only options may follow, got ${showValue(shape)}`);
    }
    return randint(0, low, high, (shape as RandomOptions | undefined) ?? {});
  }
  checkArg('randint', 'low', low, intBound);
  checkArg('randint', 'high', high, intBound);
  const size = checkShape('randint', shape);
  checkOptions('randint', opts, randnRules);
  if ((high as number) <= low) {
    throw new ArgumentError('randint', `high must be greater than low (the range is [low, high)), got low ${low} and high ${String(high)}; e.g. randint(0, 10, [3])`);
  }
  const data = randintArray(sizeOf(size), low, high as number, opts.generator ?? defaultGenerator);
  return make('randint', data, size, { ...opts, dtype: opts.dtype ?? 'int32' });
}

/** A random permutation of 0..n-1, int32 by default, as `torch.randperm(n)`; from the global generator or `{ generator }`. */
export function randperm(n: number, opts: RandomOptions = {}): Tensor {
  checkArg('randperm', 'n', n, { accepts: `a whole number in [0, ${INT32_EXACT_LIMIT}]`, ok: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= INT32_EXACT_LIMIT });
  checkOptions('randperm', opts, randnRules);
  return make('randperm', randpermArray(n, opts.generator ?? defaultGenerator), [n], { ...opts, dtype: opts.dtype ?? 'int32' });
}

/**
 * `steps` values evenly spaced from start to end, both included, as `torch.linspace` (float32, torch's
 * values: a float32 step, the first half counted up from start, the second half down from end).
 */
export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  checkArg('linspace', 'start', start, isFinite);
  checkArg('linspace', 'end', end, isFinite);
  checkArg('linspace', 'steps', steps, { accepts: 'a whole number ≥ 0', ok: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 });
  checkOptions('linspace', opts, common);
  if (steps > MAX_ELEMENTS) throw new ShapeError('linspace', `${steps} steps is more than the ${MAX_ELEMENTS} elements one tensor may hold`);
  const f = Math.fround;
  const data = new Float32Array(steps);
  if (steps === 1) data[0] = start;
  else if (steps > 1) {
    const a = f(start);
    const b = f(end);
    const step = f(f(b - a) / (steps - 1));
    const half = Math.floor(steps / 2);
    // One rounding per value (step·i exact in float64, as a fused multiply-add): torch's kernel.
    for (let i = 0; i < steps; i++) data[i] = i < half ? f(a + step * i) : f(b - step * (steps - i - 1));
  }
  return make('linspace', data, [steps], opts);
}

/** The n×m identity matrix (m defaults to n): ones on the diagonal, as `torch.eye`. */
export function eye(n: number, m?: number | TensorOptions, opts: TensorOptions = {}): Tensor {
  if (typeof m === 'object') return eye(n, n, m);
  const cols = m ?? n;
  const size: OptionRule = { accepts: 'a whole number ≥ 0', ok: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 };
  checkArg('eye', 'n', n, size);
  checkArg('eye', 'm', cols, size);
  checkShape('eye', [n, cols]);
  checkOptions('eye', opts, common);
  const data = new Float32Array(n * cols);
  for (let i = 0; i < Math.min(n, cols); i++) data[i * cols + i] = 1;
  return make('eye', data, [n, cols], opts);
}

/** Values start, start+step, ... below end, as `torch.arange`. */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  checkArg('arange', 'start', start, isFinite);
  checkArg('arange', 'end', end, isFinite);
  checkArg('arange', 'step', step, isFinite);
  checkOptions('arange', opts, common);
  if (step === 0) throw new ArgumentError('arange', `step must be nonzero, got 0; arange(${start}, ${end}, 1) counts up, a negative step counts down`);
  if ((end - start) / step < 0) {
    throw new ArgumentError('arange', `step ${step} moves away from end ${end} starting at ${start}; use a ${step > 0 ? 'negative' : 'positive'} step, or swap start and end`);
  }
  const n = Math.ceil((end - start) / step);
  if (n > MAX_ELEMENTS) throw new ShapeError('arange', `arange(${start}, ${end}, ${step}) would hold ${n} elements, more than the ${MAX_ELEMENTS} one tensor may hold; use a larger step`);
  // Each value in float64, rounded once to float32 (int32 values are checked before that).
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return make('arange', data, [n], opts);
}
