import { getBackend, listDevices, registerBackend, type Backend } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import type { DeviceChoice } from '../config.js';
import { GPU_DEVICE } from '../devices.js';
import { GpuUnavailable, SeedEngine, type OpenedDevice } from './engine.js';
import type { ToSeed } from './protocol.js';

// The seed page's Web Worker: the trainer runs here, so the page's main
// thread only draws. This file is the worker's entry; it wires messages to a SeedEngine.

const gpuBackends = new Map<'webgl2' | 'webgpu', Backend>();

/** Register the device's backend here; a gpu mode gpu.js cannot open in a worker is handed back to the page. */
async function open(choice: DeviceChoice): Promise<OpenedDevice> {
  // The seed data are drawn on the cpu in every case (core's seedNet).
  if (!listDevices().includes('cpu')) registerBackend(createCpuBackend());
  const b = choice === 'cpu' ? getBackend('cpu') : await openGpu(choice);
  return {
    device: choice === 'cpu' ? 'cpu' : GPU_DEVICE[choice],
    runtime: b.info.runtime,
    note: b.info.note ?? '',
    fallback: b.info.fallback ?? false,
    asyncRead: !b.readSync,
  };
}

async function openGpu(mode: 'webgl2' | 'webgpu'): Promise<Backend> {
  let b = gpuBackends.get(mode);
  if (!b) {
    try {
      const { createGpuBackend } = await import('@nn/gpu');
      // No fallback here: a worker without the mode hands it to the page, which has it (or says what runs instead).
      b = await createGpuBackend({ mode, allowFallback: false, device: GPU_DEVICE[mode] });
    } catch (e) {
      throw new GpuUnavailable(`gpu.js cannot run ${mode === 'webgl2' ? 'WebGL2' : 'WebGPU'} in a Web Worker here (${(e as Error).message})`);
    }
    gpuBackends.set(mode, b);
  }
  registerBackend(b);
  return b;
}

const scope = globalThis as unknown as {
  postMessage(m: unknown, transfer: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToSeed>) => void) | null;
};

// A zero-delay yield: a MessageChannel task lets a queued 'pause' in, without setTimeout's 4 ms clamp.
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldNow = (ms: number): Promise<void> =>
  new Promise((r) => {
    if (ms > 0) setTimeout(r, ms);
    else {
      waiting.push(r);
      channel.port2.postMessage(0);
    }
  });

// A worker has no frames to keep: 50 ms slices, then a 40 ms rest (the lab's worker rests 20) so the
// page keeps a core to paint on a small machine; the pictures every 500 ms (gpu: 1 s), as the page drew them.
const engine = new SeedEngine((m, transfer) => scope.postMessage(m, transfer), open, { sliceMs: 50, snapshotMs: 500, restMs: 40 }, yieldNow);
scope.onmessage = (e) => engine.handle(e.data);
