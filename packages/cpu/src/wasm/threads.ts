import type { WasmArena } from './arena.js';

// Large products are split over worker threads that run the same gemm
// module on the same shared memory. Node only (worker_threads); elsewhere the
// pool reports why it is off and the main thread does all the work.
//
// Each worker owns 16 Int32 control words at `ctl`: [0] job sequence number,
// [1..11] gemm arguments m n k a rsA csA b rsB csB c ldc, [12] error flag,
// [13] ready flag, [15] last finished sequence number. The main thread writes
// a job, bumps [0] and notifies; the worker runs it and stores [15].

const WORDS = 16;
const SEQ = 0;
const ERR = 12;
const READY = 13;
const DONE = 15;

// Runs inside the worker (CommonJS, evaluated from this string so that the
// package needs no separate worker file).
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctl: at, work } = workerData;
const { gemm } = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(memory.buffer, at, ${WORDS});
let seen = Atomics.load(ctl, ${SEQ});
Atomics.store(ctl, ${READY}, 1);
for (;;) {
  // Spin a little before sleeping: the next product of a training step
  // usually follows within microseconds, and waking from sleep costs more.
  for (let spins = 0; Atomics.load(ctl, ${SEQ}) === seen; spins++) {
    if (spins > 20000) Atomics.wait(ctl, ${SEQ}, seen);
  }
  seen = Atomics.load(ctl, ${SEQ});
  if (ctl[1] < 0) break;
  try {
    gemm(ctl[1], ctl[2], ctl[3], ctl[4], ctl[5], ctl[6], ctl[7], ctl[8], ctl[9], ctl[10], ctl[11], work, 0);
  } catch (e) {
    Atomics.store(ctl, ${ERR}, 1);
  }
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error' | 'exit', fn: (e: unknown) => void): void;
}
type WorkerCtor = new (src: string, opts: { eval: true; workerData: unknown }) => NodeWorker;

/** One worker and its control words. */
export interface Slot {
  worker: NodeWorker;
  ctl: Int32Array;
  dead: boolean;
}

function loadWorkerCtor(): WorkerCtor | string {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (!proc?.getBuiltinModule) return 'worker threads need Node ≥ 20.16 (process.getBuiltinModule); in a browser run the backend inside a Web Worker';
  const wt = proc.getBuiltinModule('node:worker_threads') as { Worker?: WorkerCtor } | undefined;
  return wt?.Worker ?? 'node:worker_threads is unavailable';
}

/** Worker threads that each run one part of a large gemm. */
export class GemmThreads {
  /** Why threads are off, or null when the pool is available. */
  readonly disabledReason: string | null;
  private slots: Slot[] = [];
  private started = false;
  private allReady = false;

  constructor(
    private readonly arena: WasmArena,
    /** Extra threads beside the caller's. */
    readonly workers: number,
  ) {
    if (workers < 1) this.disabledReason = 'one thread asked for';
    else if (!arena.shared) this.disabledReason = 'WebAssembly memory is not shared (no SharedArrayBuffer, or the page is not cross-origin isolated)';
    else {
      const ctor = loadWorkerCtor();
      this.disabledReason = typeof ctor === 'string' ? ctor : null;
    }
  }

  /** Start the workers (once); they boot in the background, unref'd so they never keep a process alive. */
  private start(): void {
    this.started = true;
    const Worker = loadWorkerCtor() as WorkerCtor;
    const workBytes = this.arena.exports.workBytes();
    for (let i = 0; i < this.workers; i++) {
      const at = 64 + i * WORDS * 4;
      const ctl = new Int32Array(this.arena.memory.buffer, at, WORDS);
      ctl.fill(0);
      const work = this.arena.reserve(workBytes);
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: this.arena.module, memory: this.arena.memory, ctl: at, work } });
      worker.unref();
      const slot: Slot = { worker, ctl, dead: false };
      worker.on('error', () => (slot.dead = true));
      worker.on('exit', () => (slot.dead = true));
      this.slots.push(slot);
    }
  }

  /** The workers booted and ready now (starting them on the first call; until they are up, the caller works alone). */
  ready(): readonly Slot[] {
    if (this.disabledReason) return [];
    if (!this.started) this.start();
    if (this.allReady) return this.slots;
    const ok = this.slots.filter((s) => !s.dead && Atomics.load(s.ctl, READY) === 1 && s.ctl[ERR] === 0);
    if (ok.length === this.slots.length) this.allReady = true;
    return ok;
  }

  /** Hand `args` (m n k a rsA csA b rsB csB c ldc) to a ready worker; returns the job's number. */
  post(slot: Slot, args: readonly number[]): number {
    const ctl = slot.ctl;
    for (let j = 0; j < 11; j++) ctl[1 + j] = args[j]!;
    const seq = Atomics.add(ctl, SEQ, 1) + 1;
    Atomics.notify(ctl, SEQ);
    return seq;
  }

  /** Block until the worker has finished job `seq` (or `limitMs` passed); throws if it failed. */
  wait(slot: Slot, seq: number, limitMs: number): void {
    const ctl = slot.ctl;
    const t0 = Date.now();
    for (let spins = 0; ; spins++) {
      const done = Atomics.load(ctl, DONE);
      if (done === seq) break;
      if (spins > 2000) {
        Atomics.wait(ctl, DONE, done, 20);
        if (Date.now() - t0 > limitMs) {
          slot.dead = true;
          this.allReady = false;
          throw new Error(`@nn/cpu: a gemm worker thread did not answer within ${limitMs} ms; threads are now off for it`);
        }
      }
    }
    if (ctl[ERR] !== 0) {
      slot.dead = true;
      this.allReady = false;
      throw new Error('@nn/cpu: a gemm worker thread failed (wasm trap)');
    }
  }

  /** Stop the workers. */
  dispose(): void {
    for (const s of this.slots) {
      s.ctl[1] = -1;
      Atomics.add(s.ctl, SEQ, 1);
      Atomics.notify(s.ctl, SEQ);
      void s.worker.terminate();
    }
    this.slots = [];
    this.allReady = false;
    this.started = true;
  }
}
