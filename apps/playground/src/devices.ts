import { getBackend, listDevices, registerBackend, type Backend } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import type { DeviceChoice } from './config.js';

/** What the page tells the user about the device that really runs. */
export interface DeviceReport {
  /** The nn device name the tensors use (`cpu`, `gpu`, `gpu-webgpu`). */
  device: string;
  /** Whether that device is the cpu backend or a gpu.js one. */
  kind: 'cpu' | 'gpu';
  /** backend.info.runtime: what really executes the kernels. */
  runtime: string;
  /** backend.info.note, when the backend gives one. */
  note: string;
  /** A plain sentence when the requested runtime is not what runs, else null. */
  warning: string | null;
  /** True when reads are asynchronous only (WebGPU): the page uses `await t.data()`. */
  asyncRead: boolean;
}

/**
 * Device names of the two gpu modes. They differ because core caches small
 * constants per device name, so two backends must not take turns under one
 * name; WebGL2, the synchronous default, keeps the name `gpu`.
 */
export const GPU_DEVICE = { webgl2: 'gpu', webgpu: 'gpu-webgpu' } as const;

// One gpu.js backend per mode, made once: compiling kernels is slow, switching back is not.
const gpuBackends = new Map<'webgl2' | 'webgpu', Promise<Backend>>();

/** Which gpu modes this browser offers at all (a cheap check before anything is compiled). */
export async function browserOffers(): Promise<{ webgl2: boolean; webgpu: boolean }> {
  const canvas = document.createElement('canvas');
  const webgl2 = !!canvas.getContext('webgl2');
  // navigator.gpu can exist with no adapter behind it (Chromium on Linux without its flag).
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  const webgpu = gpu ? (await gpu.requestAdapter().catch(() => null)) !== null : false;
  return { webgl2, webgpu };
}

/**
 * Register the backend for the chosen device and report what runs. The gpu
 * choices ask @nn/gpu for exactly that gpu.js mode with the fallback allowed,
 * so a browser without it still trains — and the report says so in words.
 */
export async function useDevice(choice: DeviceChoice): Promise<DeviceReport> {
  if (choice === 'cpu') {
    // In a page @nn/cpu runs its WebAssembly kernels on one thread; its note says so and why.
    if (!listDevices().includes('cpu')) registerBackend(createCpuBackend());
    return report('cpu', getBackend('cpu'), 'cpu');
  }
  let pending = gpuBackends.get(choice);
  if (!pending) {
    pending = (async () => {
      let mod: typeof import('@nn/gpu');
      try {
        mod = await import('@nn/gpu');
      } catch (e) {
        throw new Error(`the GPU backend (@nn/gpu) is not available in this build: ${(e as Error).message}`);
      }
      return mod.createGpuBackend({ mode: choice, allowFallback: true, device: GPU_DEVICE[choice] });
    })();
    gpuBackends.set(choice, pending);
    pending.catch(() => gpuBackends.delete(choice));
  }
  const backend = await pending;
  registerBackend(backend);
  return report(GPU_DEVICE[choice], backend, choice);
}

function report(device: string, b: Backend, asked: DeviceChoice): DeviceReport {
  return describeDevice(asked, device, { runtime: b.info.runtime, note: b.info.note ?? '', fallback: b.info.fallback ?? false, asyncRead: !b.readSync });
}

/** What a backend opened for `asked` (here, or in the seed worker) tells the user, warning included. */
export function describeDevice(asked: DeviceChoice, device: string, b: { runtime: string; note: string; fallback: boolean; asyncRead: boolean }): DeviceReport {
  const runtime = b.runtime;
  let warning: string | null = null;
  if (asked !== 'cpu' && runtime !== asked) {
    warning = `${asked === 'webgl2' ? 'WebGL2' : 'WebGPU'} is not available in this browser; gpu.js runs ${runtime} instead.` + (b.fallback ? ' This is a fallback, not the GPU path you asked for.' : '');
  } else if (b.fallback) {
    // @nn/gpu's note starts with "FALLBACK: …" already; say the word once.
    warning = `gpu.js runs a fallback: ${b.note.replace(/^FALLBACK:\s*/i, '') || runtime}`;
  }
  return { device, kind: asked === 'cpu' ? 'cpu' : 'gpu', runtime, note: b.note, warning, asyncRead: b.asyncRead };
}
