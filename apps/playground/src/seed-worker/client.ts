import type { FromSeed, ToSeed } from './protocol.js';

type Answer = 'built' | 'stopped' | 'explained';

/**
 * The page's handle on the seed worker: a command and its answer as a promise
 * (built, stopped, explained; an 'error' rejects it), and everything posted
 * meanwhile (losses, heatmaps, health readings) to `onEvent`, in order.
 */
export class SeedWorker {
  private readonly worker: Worker;
  private pending: { until: Answer; resolve: (m: FromSeed) => void; reject: (e: Error) => void } | null = null;

  constructor(private readonly onEvent: (m: FromSeed) => void) {
    // A module worker, as the lab's: vite bundles it (worker format 'es').
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<FromSeed>) => this.receive(e.data);
    this.worker.onerror = (e) => this.receive({ type: 'error', message: `the seed worker failed: ${e.message}` });
  }

  /** Send a command and wait for its answer (a build may be answered 'gpu-unavailable' instead of 'built'). */
  request<K extends Answer>(m: ToSeed, until: K): Promise<Extract<FromSeed, { type: K | (K extends 'built' ? 'gpu-unavailable' : never) }>> {
    if (this.pending) return Promise.reject(new Error(`the seed worker is still answering a '${this.pending.until}' command; wait for it before '${m.type}'`));
    return new Promise((resolve, reject) => {
      this.pending = { until, resolve: resolve as (m: FromSeed) => void, reject };
      this.worker.postMessage(m);
    });
  }

  /** Ask a running train command to stop after its current slice (its 'stopped' answer follows). */
  pause(): void {
    this.worker.postMessage({ type: 'pause' } satisfies ToSeed);
  }

  private receive(m: FromSeed): void {
    const p = this.pending;
    if (m.type === 'error') {
      this.pending = null;
      if (p) p.reject(new Error(m.message));
      else console.warn(`seed worker: ${m.message}`);
    } else if (p && (m.type === p.until || (m.type === 'gpu-unavailable' && p.until === 'built'))) {
      this.pending = null;
      p.resolve(m);
    } else this.onEvent(m);
  }
}
