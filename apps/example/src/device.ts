import { createCpuBackend } from '@nn/cpu';
import { registerBackend, setDefaultDevice, type Backend, type BackendInfo } from '@nn/core';
import { UsageError, type Options } from './args.js';
import { provideNavigatorGpu } from './webgpu-node.js';

/** The contract of @nn/gpu, declared here because the example loads it only when asked (it is optional). */
interface GpuModule {
  createGpuBackend(opts?: { mode?: Options['gpuMode']; allowFallback?: boolean }): Promise<Backend>;
}

const INSTALL_HINT = 'install and build it: `npm install gpu.js` at the repository root, then `npm run build` (builds packages/gpu)';

/**
 * Register the backend for `--device` and make it the default device; returns
 * what really runs. The GPU package is imported dynamically so the example works
 * without @nn/gpu or gpu.js installed. NN_EXAMPLE_GPU_MODULE overrides the module
 * name (tests use it to exercise the "not installed" path).
 */
export async function setupDevice(opts: Pick<Options, 'device' | 'gpuMode' | 'allowFallback'>): Promise<BackendInfo> {
  const cpu = createCpuBackend();
  registerBackend(cpu);
  if (opts.device === 'cpu') {
    setDefaultDevice('cpu');
    return cpu.info;
  }
  const specifier = process.env.NN_EXAMPLE_GPU_MODULE ?? '@nn/gpu';
  let mod: Partial<GpuModule>;
  try {
    mod = (await import(specifier)) as Partial<GpuModule>;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND') {
      const missing = /gpu\.js/.test(err.message) ? 'gpu.js (the peer dependency of @nn/gpu)' : `${specifier} (the GPU backend package)`;
      throw new UsageError(`--device gpu: ${missing} is not installed or not built; ${INSTALL_HINT}, or use --device cpu`);
    }
    throw new UsageError(`--device gpu: loading ${specifier} failed: ${err.message}`);
  }
  if (typeof mod.createGpuBackend !== 'function') {
    throw new UsageError(`--device gpu: ${specifier} does not export createGpuBackend(); ${INSTALL_HINT}`);
  }
  if (opts.gpuMode === 'webgpu') await provideNavigatorGpu();
  let backend: Backend;
  try {
    backend = await mod.createGpuBackend({ mode: opts.gpuMode, allowFallback: opts.allowFallback });
  } catch (e) {
    const hint = opts.allowFallback ? '' : ' (--allow-fallback accepts a gpu.js WebAssembly/JS fallback)';
    throw new UsageError(`--device gpu: could not start the GPU backend (mode ${opts.gpuMode}): ${(e as Error).message}${hint}`);
  }
  registerBackend(backend);
  setDefaultDevice(backend.device);
  return backend.info;
}
