export { CpuBackend, createCpuBackend, type CpuBackendOptions, type CpuKernels } from './backend.js';
export type { CpuHandle } from './handle.js';
export * as kernels from './kernels.js';
