import type { Handle, Shape } from '@nn/core';

/**
 * A cpu buffer: the float32 data in row-major order. With the wasm kernels the
 * array is a view into WebAssembly memory, valid while the handle is live.
 */
export interface CpuHandle extends Handle {
  readonly device: 'cpu';
  readonly shape: Shape;
  readonly data: Float32Array;
}
