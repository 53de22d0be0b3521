import type { Shape } from './shape.js';

/** A device name; `cpu` and `gpu` ship with nn, a backend may register any other. */
export type Device = 'cpu' | 'gpu' | (string & {});

/**
 * Where a tensor's elements sit in a buffer: element [i0, i1, …] is at
 * `offset + Σ i_d·strides[d]`. A fresh kernel result is row-major (strides of
 * `stridesOf(shape)`, offset 0); views (t, permute, expand, reshape) only
 * change these numbers, and a stride of 0 repeats an element (expand).
 */
export interface View {
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * One reference to a backend-owned buffer, seen through a View. Several
 * handles may share a buffer (views, clones); the buffer lives until the last
 * of them is freed. Exactly one Tensor owns each Handle.
 */
export interface Handle extends View {
  readonly device: Device;
}

/** Elementwise ops of one input. */
export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'relu' | 'tanh' | 'sigmoid' | 'sin' | 'cos'
  | 'log1p' | 'expm1' | 'erf' | 'sign' | 'floor' | 'ceil' | 'round';

/** Elementwise ops of two inputs; comparisons give float 1/0 masks. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'max' | 'min' | 'lt' | 'gt' | 'le' | 'ge' | 'eq';

/**
 * Reductions: `sum`, `max`, `min` (NaN wins, as torch.amax/amin), and `argmax`/`argmin`: the row-major
 * index within the reduced block (over all reduced axes together) of the first max/min, a NaN counting as both.
 */
export type ReduceOp = 'sum' | 'max' | 'min' | 'argmax' | 'argmin';

/** What really runs behind a device, for honest reports. */
export interface BackendInfo {
  /** Package that provides the backend, e.g. `@nn/cpu`. */
  readonly name: string;
  /** What actually executes kernels, e.g. `wasm-simd`, `js`, `webgl2`, `webgpu`, `headlessgl`. */
  readonly runtime: string;
  /** Always 32: nn is float32 throughout. */
  readonly floatBits: 32;
  /** True when the backend runs on a fallback the user did not ask for first (e.g. gpu.js on plain JS). */
  readonly fallback: boolean;
  /** A sentence a person can read: what runs and why. */
  readonly note?: string;
}

/** Counters every backend keeps; tests assert on them. */
export interface BackendStats {
  /** Live device buffers (a view or a clone shares its base's buffer and adds none). */
  buffers: number;
  /** Bytes held by live buffers. */
  bytes: number;
  /** Host-to-device copies (fromArray). */
  uploads: number;
  /** Device-to-host copies (readSync/read). */
  readbacks: number;
  /** Kernel compilations (0 on the cpu backend). */
  compiles: number;
  /** Kernel launches. */
  kernels: number;
}

/**
 * The contract between nn's core and a device. Kernels borrow their inputs
 * (any strides), never write into an existing buffer, and return a fresh
 * row-major Handle; so buffers are immutable, and views and clones can share
 * them. Backends never see gradients.
 */
export interface Backend {
  readonly device: Device;
  readonly info: BackendInfo;
  /** Copy host data into a new buffer of `shape` (data.length must equal the size). */
  fromArray(data: Float32Array, shape: Shape): Handle;
  /** Synchronous readback, absent where the device can only read asynchronously (WebGPU). */
  readSync?(h: Handle): Float32Array;
  /** Asynchronous readback, available everywhere. */
  read(h: Handle): Promise<Float32Array>;
  /**
   * A new handle on `x`'s buffer seen through `view` (strides and offset count
   * buffer elements): one more reference, no kernel, no new buffer.
   */
  retain(x: Handle, view: View): Handle;
  /** Drop this handle's reference; the buffer goes with its last handle. Freeing a handle twice is harmless. */
  free(h: Handle): void;
  /** Elementwise op of one input. */
  unary(op: UnaryOp, x: Handle): Handle;
  /** Elementwise op of two inputs with NumPy broadcasting. */
  binary(op: BinaryOp, a: Handle, b: Handle): Handle;
  /** Elementwise op with a scalar; `reversed` puts the scalar on the left (`s - x`). */
  scalar(op: BinaryOp, x: Handle, s: number, reversed: boolean): Handle;
  /**
   * Matrix product with optional transposed operands, op(a) · op(b): 2-D, or
   * batched: `a` and `b` of one rank r > 2 with equal leading r-2 (batch) dims,
   * one product per batch entry into a row-major [...batch, m, n]. Operands
   * come with any strides (a broadcast operand is an expand view: batch stride 0;
   * op(x) swaps x's last two dims); one call runs the whole batch.
   */
  matmul(a: Handle, b: Handle, transA: boolean, transB: boolean): Handle;
  /** Reduce over `axes` (sorted, non-empty). */
  reduce(op: ReduceOp, x: Handle, axes: readonly number[], keepDims: boolean): Handle;
  /** `mask != 0 ? a : b`, elementwise with broadcasting. */
  where(mask: Handle, a: Handle, b: Handle): Handle;
  /**
   * Running sum along `axis` (`torch.cumsum`), or from the end when `reverse`
   * (out[i] = Σ_{j>=i} x[j], cumsum's gradient); a fresh row-major result of x's shape.
   */
  cumsum(x: Handle, axis: number, reverse: boolean): Handle;
  /**
   * `torch.gather` along `dim`: out[p] = x[p with p[dim] = index[p]], out of index's shape. `index` holds
   * integers (as floats), each in [0, x.shape[dim]); index.shape[d] <= x.shape[d] for d != dim (core checks).
   */
  gather(x: Handle, dim: number, index: Handle): Handle;
  /**
   * `torch.scatter_add`, out of place: x's values plus, for each p of index's shape, src[p] added at
   * x[p with p[dim] = index[p]], repeats accumulating in index order (core checks the shapes and values).
   */
  scatterAdd(x: Handle, dim: number, index: Handle, src: Handle): Handle;
  /**
   * `torch.as_strided_scatter`: x's values in row-major order (a fresh buffer of x's shape) with the
   * elements `view` reaches (its offset and strides count x's row-major elements; no element twice) set to src's.
   */
  asStridedScatter(x: Handle, src: Handle, view: View): Handle;
  /**
   * The `contiguous` step: a fresh row-major buffer holding `x`'s elements in
   * its logical order, seen as `shape` (same size). Core calls it only where
   * a view cannot say it (reshape of a non-contiguous tensor, detach).
   */
  copy(x: Handle, shape: Shape): Handle;
  /** Live-buffer and traffic counters. */
  stats(): BackendStats;
  /** Release everything the backend holds (kernels, contexts). */
  dispose?(): void;
}
