export { createGpuBackend, type GpuBackendOptions } from './create.js';
export { GpuBackend, type GpuBackendSetup, type GpuFuse, type GpuMatmul } from './backend.js';
export { runtimeOfClass, type GpuMode, type GpuRuntime } from './runtime.js';
export type { GpuHandle } from './handle.js';
