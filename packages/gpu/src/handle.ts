import type { BinaryOp, Handle, Shape, UnaryOp } from '@nn/core';

/**
 * What a gpu.js pipeline kernel returns: a GL texture, a WebGPU buffer result,
 * or (webasm/cpu fallbacks) a plain typed array.
 */
export type DeviceValue = { toArray(): Float32Array | Promise<Float32Array> | number[]; delete?(): void } | Float32Array;

/** A gpu buffer: one flat row-major float32 vector resident on the device, shared by the handles that view it. */
export interface GpuBuffer {
  /** Number of elements. */
  readonly size: number;
  /** The device value once it exists (always at once on GL, after `pending` on WebGPU). */
  value: DeviceValue | null;
  /** WebGPU only: the launch that will produce `value` (kernels queue behind their inputs). */
  pending: Promise<DeviceValue> | null;
  /** Set when the launch failed; every read and every later kernel on it rejects with it. */
  error: unknown;
  /** Launches still waiting to read this buffer; it is deleted only when they have run. */
  users: number;
  /** Live handles on this buffer (the tensor's own, its views, its clones). */
  refs: number;
  /** The last handle was freed. */
  freed: boolean;
  /**
   * The deferred computation that will fill this buffer (fusion), null once it
   * has run or for a buffer made by a launch or an upload. A kernel that reads
   * a deferred buffer computes its expression on read; a product, or the
   * expression a matmul reads, is run once into `value` (realized).
   */
  expr: Expr | null;
  /** Counted in the backend's live buffers and bytes: its device value was made. */
  counted: boolean;
  /** How many of `refs` are held by deferred trees (their inputs), not by tensors. */
  inTrees: number;
}

/**
 * A deferred result (an expression tree node): an elementwise binary op or a
 * where of input handles, each read over the node's shape with its own view
 * (broadcast strides) and chain, or a product of two operands. The
 * node owns its input handles until it runs or is freed.
 */
export interface Expr {
  readonly kind: 'binary' | 'where' | 'product';
  /** The binary op (kind 'binary'). */
  readonly op: BinaryOp | null;
  /** Row-major shape of the result. */
  readonly shape: Shape;
  /** Binary: [a, b]; where: [mask, a, b]; product: [A, B] (computed buffers or cheap binary trees of them, cheap chains). */
  readonly inputs: readonly GpuHandle[];
  /** Product only: the batch shape, m, k, n, and each operand's strides [...batch, along the row or column, along the inner index]. */
  readonly product: ProductGeometry | null;
}

/** Where a product reads its operands: see Expr.product. */
export interface ProductGeometry {
  readonly batch: readonly number[];
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly aStrides: readonly number[];
  readonly bStrides: readonly number[];
}

/** One reference to a gpu buffer, seen through a view (shape, strides, offset). */
export interface GpuHandle extends Handle {
  readonly shape: Shape;
  /** Number of elements of the view. */
  readonly size: number;
  readonly buf: GpuBuffer;
  /** The row-major copy of a view that a kernel needed as one (made once, freed with this handle). */
  contig: GpuHandle | null;
  /**
   * Elementwise ops not run yet: a unary or scalar op returns its input's
   * buffer with the op appended here, and the kernel that reads the handle
   * applies them as it reads (fusion), so `x.mul(lr)` or `h.clamp({ min: 0 })`
   * launches nothing of its own. Empty for a computed buffer.
   */
  readonly chain: readonly ChainStep[];
  /** The numbers of the chain's scalar steps, in order: kernel arguments, so a new lr compiles nothing. */
  readonly args: readonly number[];
}

/** One deferred elementwise op: a unary op, or a binary op with a number (`scalar`, its value in the handle's args). */
export type ChainStep = { readonly op: UnaryOp; readonly scalar: false } | { readonly op: BinaryOp; readonly scalar: true; readonly reversed: boolean };

/** No deferred op: the chain of every computed buffer. */
export const NO_CHAIN: readonly ChainStep[] = [];
/** No chain arguments. */
export const NO_ARGS: readonly number[] = [];

/** Delete a device value (textures and WebGPU buffers; typed arrays need nothing). */
export function deleteValue(v: DeviceValue | null): void {
  if (v && !(v instanceof Float32Array) && typeof v.delete === 'function') v.delete();
}
