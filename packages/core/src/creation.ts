import type { Device } from './backend.js';
import { DTypeError, ShapeError } from './errors.js';
import { getBackend, getDefaultDevice } from './registry.js';
import { randArray, randnArray } from './random.js';
import { fmtShape, sizeOf, type Shape } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';

/** Options shared by every factory. */
export interface TensorOptions {
  /** Device to create on (default: `getDefaultDevice()`). */
  device?: Device;
  /** Make it a leaf that autograd differentiates with respect to. */
  requiresGrad?: boolean;
  /** Name shown in graphs and errors. */
  name?: string;
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

function flatten(data: NestedArray, shape: number[], out: Float32Array): void {
  let k = 0;
  const walk = (v: NestedArray, dim: number, path: number[]): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') {
        throw new DTypeError('tensor', `element at [${path.join(', ')}] is ${Array.isArray(v) ? 'an array' : typeof v}, expected a number; nn tensors hold float32 numbers only`);
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

function make(data: Float32Array, shape: Shape, opts: TensorOptions): Tensor {
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError('tensor', `sizes must be non-negative integers, got ${fmtShape(shape)}`);
  }
  const backend = getBackend(opts.device ?? getDefaultDevice(), 'tensor');
  const t = new Tensor(backend.fromArray(data, [...shape]));
  if (opts.requiresGrad) t.requiresGrad = true;
  if (opts.name) t.name = opts.name;
  return t;
}

/**
 * Make a tensor from nested arrays (`tensor([[1, 2], [3, 4]])`) or from flat
 * typed data plus a shape (`tensor(f32, { shape: [2, 2] })`). The data is copied.
 */
export function tensor(data: TensorData, opts: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  if (typeof data === 'bigint' || data instanceof BigInt64Array || data instanceof BigUint64Array) {
    throw new DTypeError('tensor', '64-bit integer data cannot be held exactly in float32; convert first, e.g. Float32Array.from(data, Number)');
  }
  if (ArrayBuffer.isView(data)) {
    const flat = data instanceof Float32Array ? new Float32Array(data) : Float32Array.from(data as ArrayLike<number>);
    const shape = opts.shape ?? [flat.length];
    if (sizeOf(shape) !== flat.length) {
      throw new ShapeError('tensor', `shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements but the data has ${flat.length}`);
    }
    return make(flat, shape, opts);
  }
  if (typeof data === 'number') return make(new Float32Array([data]), opts.shape ?? [], opts);
  if (!Array.isArray(data)) throw new DTypeError('tensor', `expected nested arrays of numbers or a typed array, got ${typeof data}`);
  const shape = inferShape(data as NestedArray);
  const flat = new Float32Array(sizeOf(shape));
  flatten(data as NestedArray, shape, flat);
  if (opts.shape) {
    if (sizeOf(opts.shape) !== flat.length) throw new ShapeError('tensor', `shape ${fmtShape(opts.shape)} needs ${sizeOf(opts.shape)} elements but the data has ${flat.length}`);
    return make(flat, opts.shape, opts);
  }
  return make(flat, shape, opts);
}

/** Tensor filled with `value`. */
export function full(shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
  return make(new Float32Array(sizeOf(shape)).fill(value), shape, opts);
}

/** Tensor of zeros. */
export function zeros(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return full(shape, 0, opts);
}

/** Tensor of ones. */
export function ones(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** Zeros with another tensor's shape and device. */
export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return zeros(t.shape, { device: t.device, ...opts });
}

/** Ones with another tensor's shape and device. */
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return ones(t.shape, { device: t.device, ...opts });
}

/** Standard normal samples from the seeded generator (`manualSeed`). */
export function randn(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return make(randnArray(sizeOf(shape)), shape, opts);
}

/** Uniform samples in [0, 1) — or [low, high) — from the seeded generator. */
export function rand(shape: readonly number[], opts: TensorOptions & { low?: number; high?: number } = {}): Tensor {
  return make(randArray(sizeOf(shape), opts.low ?? 0, opts.high ?? 1), shape, opts);
}

/** Values start, start+step, ... below end, as `torch.arange`. */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  const n = Math.max(0, Math.ceil((end - start) / step));
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return make(data, [n], opts);
}
