export { CpuBackend, createCpuBackend, type CpuBackendOptions, type CpuKernels } from './backend.js';
export type { FmaChoice } from './wasm/relaxed.js';
export type { CpuHandle } from './handle.js';
export * as kernels from './kernels.js';
