import { getBackend } from '@nn/core';
import { useDevice } from '../devices.js';
import type { FromTrainer, ToTrainer } from './protocol.js';

/** The page's handle on a trainer, in a worker or on the main thread. */
export interface TrainerHost {
  /** `worker` or `main thread`. */
  readonly thread: string;
  /** `transfer` lists buffers to move to a worker, not copy (an .onnx file's bytes). */
  send(m: ToTrainer, transfer?: Transferable[]): void;
  close(): void;
}

/** The lab's trainer in a Web Worker (module worker: it loads @nn/gpu on demand). */
export function workerHost(onMessage: (m: FromTrainer) => void): TrainerHost {
  const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent<FromTrainer>) => onMessage(e.data);
  w.onerror = (e) => onMessage({ type: 'error', message: `the lab's worker failed: ${e.message}` });
  return { thread: 'worker', send: (m, transfer) => w.postMessage(m, transfer ?? []), close: () => w.terminate() };
}

/**
 * The trainer on the page's own thread, for a gpu mode gpu.js cannot run in a
 * worker: short slices (12 ms) so a frame can be painted between them. It uses
 * the seed page's gpu backends (devices.ts), so the two tabs share kernels.
 */
export async function pageHost(onMessage: (m: FromTrainer) => void): Promise<TrainerHost> {
  const { LabEngine } = await import('./engine.js');
  const engine = new LabEngine(
    // Delivered as a task, as a worker's message would be, never inside the trainer's own call.
    (m) => setTimeout(() => onMessage(m), 0),
    async (d) => {
      await useDevice('cpu'); // the data sets are drawn on the cpu
      const r = await useDevice(d);
      return { device: r.device, runtime: r.runtime, note: r.note, fallback: getBackend(r.device).info.fallback ?? false };
    },
    'main thread',
    { sliceMs: 12, snapshotMs: 150 },
  );
  return { thread: 'main thread', send: (m) => engine.handle(m), close: () => engine.dispose() };
}
