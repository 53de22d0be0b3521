export { CpuBackend, createCpuBackend, type CpuBackendOptions, type CpuEngine } from './backend.js';
export type { FmaChoice } from './wasm/relaxed.js';
export type { CpuHandle } from './handle.js';
