import type { Handle, Shape } from '@nn/core';

/** A cpu buffer: the float32 data in row-major order. */
export interface CpuHandle extends Handle {
  readonly device: 'cpu';
  readonly shape: Shape;
  readonly data: Float32Array;
}
