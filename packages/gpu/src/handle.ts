import type { Handle, Shape } from '@nn/core';

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
}

/** Delete a device value (textures and WebGPU buffers; typed arrays need nothing). */
export function deleteValue(v: DeviceValue | null): void {
  if (v && !(v instanceof Float32Array) && typeof v.delete === 'function') v.delete();
}
