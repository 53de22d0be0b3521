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
