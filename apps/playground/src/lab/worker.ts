import { getBackend, listDevices, registerBackend, type Backend } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { GpuUnavailable, LabEngine, type OpenedDevice } from './engine.js';
import type { LabDevice, ToTrainer } from './protocol.js';

// The lab's Web Worker: the trainer runs here, so the page's main thread only
// draws. This file is the worker's entry; it wires messages to a LabEngine.

/** The nn device names of the gpu modes, as the seed page's (devices.ts). */
const GPU_DEVICE = { webgl2: 'gpu', webgpu: 'gpu-webgpu' } as const;
const gpuBackends = new Map<'webgl2' | 'webgpu', Backend>();

async function open(d: LabDevice): Promise<OpenedDevice> {
  // The data sets are drawn on the cpu in every case.
  if (!listDevices().includes('cpu')) registerBackend(createCpuBackend());
  if (d === 'cpu') {
    const b = getBackend('cpu');
    return { device: 'cpu', runtime: b.info.runtime, note: b.info.note ?? '', fallback: false };
  }
  let b = gpuBackends.get(d);
  if (!b) {
    try {
      const { createGpuBackend } = await import('@nn/gpu');
      // No fallback here: a worker without the mode hands it to the page, which has it (or says what runs instead).
      b = await createGpuBackend({ mode: d, allowFallback: false, device: GPU_DEVICE[d] });
    } catch (e) {
      throw new GpuUnavailable(`gpu.js cannot run ${d === 'webgl2' ? 'WebGL2' : 'WebGPU'} in a Web Worker here (${(e as Error).message})`);
    }
    gpuBackends.set(d, b);
  }
  registerBackend(b);
  return { device: GPU_DEVICE[d], runtime: b.info.runtime, note: b.info.note ?? '', fallback: b.info.fallback ?? false };
}

const scope = globalThis as unknown as { postMessage(m: unknown, transfer: Transferable[]): void; onmessage: ((e: MessageEvent<ToTrainer>) => void) | null };
// A worker has no frames to keep: long slices, a snapshot every 100 ms. It rests 20 ms after
// each 50 ms slice: on a machine with few cores a worker that never sleeps takes the CPU the
// page needs to paint (thousands of steps a second are more than the eye follows anyway).
const engine = new LabEngine((m, transfer) => scope.postMessage(m, transfer ?? []), open, 'worker', { sliceMs: 50, snapshotMs: 100, restMs: 20 });
scope.onmessage = (e) => engine.handle(e.data);
