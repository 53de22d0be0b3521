export { CpuBackend, createCpuBackend, type CpuBackendOptions } from './backend.js';
export type { CpuHandle } from './handle.js';
export * as kernels from './kernels.js';
