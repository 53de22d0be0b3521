import { nodeBuiltin } from '../node-builtin.js';
import type { WasmArena } from './arena.js';

// Large products are cut into chunks of rows or columns that the calling
// thread and worker threads take from a shared counter, running the same gemm
// module on the same shared memory. Taking chunks (rather than a fixed half
// each) keeps a busy machine from stalling the caller: when a worker is not
// scheduled, the caller takes its chunks, and a worker that has not started
// a job by the time the caller is done is told to skip it. Node only
// (worker_threads); elsewhere the pool says why it is off and the caller
// does all the work.

// The job block (Int32 words at JOB): [0] sequence number, [1..11] gemm
// arguments m n k a rsA csA b rsB csB c ldc (m < 0: stop), [12] 1 to cut
// rows, 0 columns, [13] chunk size, [14] chunk count, [15] next chunk.
const JOB = 64;
const JOB_WORDS = 16;
const SEQ = 0;
const BY_ROWS = 12;
const CHUNK = 13;
const COUNT = 14;
const NEXT = 15;
// One slot per worker (Int32 words at SLOTS + 64·i): [0] ready, [1] error,
// [2] taken: the job it took (s), or -s when the caller cancelled job s for it,
// [3] the last job it finished, [4] chunks it has computed (for tests and stats).
const SLOTS = 192;
const SLOT_WORDS = 16;
const READY = 0;
const ERR = 1;
const TAKEN = 2;
const DONE = 3;
const CHUNKS = 4;
/** Control words end here; the arena starts above (CONTROL_BYTES). */
export const MAX_WORKERS = 12;

/**
 * Run chunk i of the posted job. The workers run this same function, sent as
 * source text, so it refers to nothing outside itself (word numbers as
 * literals: 12 BY_ROWS, 13 CHUNK). A minifier renames it, so the worker binds
 * the text to its own name rather than calling it by the name it had here.
 */
function runChunk(gemm: GemmFn, job: Int32Array, i: number, work: number): void {
  const chunk = job[13]!;
  const lo = i * chunk;
  const m = job[1]!;
  const n = job[2]!;
  const byRows = job[12] === 1;
  const hi = Math.min(byRows ? m : n, lo + chunk);
  const rsA = job[5]!;
  const csA = job[6]!;
  const rsB = job[8]!;
  const csB = job[9]!;
  const ldc = job[11]!;
  if (byRows) gemm(hi - lo, n, job[3]!, job[4]! + 4 * lo * rsA, rsA, csA, job[7]!, rsB, csB, job[10]! + 4 * lo * ldc, ldc, work, 0);
  else gemm(m, hi - lo, job[3]!, job[4]!, rsA, csA, job[7]! + 4 * lo * csB, rsB, csB, job[10]! + 4 * lo, ldc, work, 0);
}

type GemmFn = (m: number, n: number, k: number, a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, c: number, ldc: number, work: number, accumulate: number) => void;

// The worker (CommonJS, evaluated from this string so that the package needs no separate file).
// An exception is flagged in its slot and its text sent on `port`, which the caller reads synchronously.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, slot: at, work, port } = workerData;
const { gemm } = new WebAssembly.Instance(module, { env: { memory } }).exports;
const job = new Int32Array(memory.buffer, ${JOB}, ${JOB_WORDS});
const slot = new Int32Array(memory.buffer, at, ${SLOT_WORDS});
const runChunk = ${runChunk.toString()};
let seen = Atomics.load(job, ${SEQ});
Atomics.store(slot, ${READY}, 1);
for (;;) {
  // Spin a little before sleeping: in a training step the next product
  // usually follows within microseconds, and waking from sleep costs more.
  for (let spins = 0; Atomics.load(job, ${SEQ}) === seen; spins++) {
    if (spins > 20000) Atomics.wait(job, ${SEQ}, seen);
  }
  seen = Atomics.load(job, ${SEQ});
  if (job[1] < 0) break;
  // Take the job unless the caller already cancelled it (it finished alone).
  const cur = Atomics.load(slot, ${TAKEN});
  if (cur === -seen || Atomics.compareExchange(slot, ${TAKEN}, cur, seen) !== cur) continue;
  try {
    for (let i = Atomics.add(job, ${NEXT}, 1); i < job[${COUNT}]; i = Atomics.add(job, ${NEXT}, 1)) {
      runChunk(gemm, job, i, work);
      Atomics.add(slot, ${CHUNKS}, 1);
    }
  } catch (e) {
    port.postMessage(String(e));
    Atomics.store(slot, ${ERR}, 1);
  }
  Atomics.store(slot, ${DONE}, seen);
  Atomics.notify(slot, ${DONE});
  // A failed worker stops: the caller leaves it out from now on.
  if (Atomics.load(slot, ${ERR}) !== 0) break;
}
`;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error' | 'exit', fn: (e: unknown) => void): void;
}
type WorkerCtor = new (src: string, opts: { eval: true; workerData: unknown; transferList: unknown[] }) => NodeWorker;
interface NodePort {
  close(): void;
  unref?(): void;
}
interface WorkerThreads {
  Worker: WorkerCtor;
  MessageChannel: new () => { port1: NodePort; port2: NodePort };
  receiveMessageOnPort(port: NodePort): { message: unknown } | undefined;
}

interface Slot {
  worker: NodeWorker;
  words: Int32Array;
  dead: boolean;
  /** The caller's end of the channel on which the worker reports an exception. */
  port: NodePort;
}

function loadWorkerThreads(): WorkerThreads | string {
  if (typeof (globalThis as { process?: { getBuiltinModule?: unknown } }).process?.getBuiltinModule !== 'function') {
    // A page has no worker_threads, and nn's ops are synchronous: the main thread may not
    // block (Atomics.wait) on Web Workers, so products run on the calling thread there.
    return "gemm worker threads use Node's worker_threads (Node ≥ 20.16, process.getBuiltinModule); a browser runs the products on one thread";
  }
  const wt = nodeBuiltin<Partial<WorkerThreads>>('node:worker_threads');
  return wt?.Worker && wt.MessageChannel && wt.receiveMessageOnPort ? (wt as WorkerThreads) : 'node:worker_threads is unavailable';
}

/** The text a worker sent on its port, if any, read without waiting. */
function receiveMessage(port: NodePort): string | undefined {
  const got = (loadWorkerThreads() as WorkerThreads).receiveMessageOnPort(port);
  return got === undefined ? undefined : String(got.message);
}

/** Worker threads that share the chunks of large gemm calls with the caller. */
export class GemmThreads {
  /** Why threads are off, or null when the pool is available. */
  readonly disabledReason: string | null;
  /** What made a worker fail, once one has (it is left out; its products ran on the caller), else null. */
  failure: string | null = null;
  private slots: Slot[] = [];
  private started = false;
  private readonly job: Int32Array;

  constructor(
    private readonly arena: WasmArena,
    /** Extra threads beside the caller's. */
    readonly workers: number,
  ) {
    this.job = new Int32Array(arena.memory.buffer, JOB, JOB_WORDS);
    // Where there are no worker threads at all (a browser), say that first: it is the reason
    // whatever thread count was asked for or defaulted to.
    const wt = loadWorkerThreads();
    if (typeof wt === 'string') this.disabledReason = wt;
    else if (workers < 1) this.disabledReason = 'one thread asked for';
    else if (workers > MAX_WORKERS) this.disabledReason = `at most ${MAX_WORKERS + 1} threads are supported`;
    else if (!arena.shared) this.disabledReason = 'WebAssembly memory is not shared (no SharedArrayBuffer)';
    else this.disabledReason = null;
  }

  /** Start the workers (once); they boot in the background, unref'd so they never keep a process alive. */
  private start(): void {
    this.started = true;
    const { Worker, MessageChannel } = loadWorkerThreads() as WorkerThreads;
    const workBytes = this.arena.exports.workBytes();
    for (let i = 0; i < this.workers; i++) {
      const at = SLOTS + i * SLOT_WORDS * 4;
      const words = new Int32Array(this.arena.memory.buffer, at, SLOT_WORDS);
      words.fill(0);
      const work = this.arena.reserve(workBytes);
      const { port1, port2 } = new MessageChannel();
      const workerData = { module: this.arena.module, memory: this.arena.memory, slot: at, work, port: port2 };
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, transferList: [port2] });
      worker.unref();
      port1.unref?.();
      const slot: Slot = { worker, words, dead: false, port: port1 };
      worker.on('error', () => (slot.dead = true));
      worker.on('exit', () => (slot.dead = true));
      this.slots.push(slot);
    }
  }

  /** Workers that are up, alive and have not failed. */
  private live(): Slot[] {
    return this.slots.filter((s) => !s.dead && Atomics.load(s.words, READY) === 1 && s.words[ERR] === 0);
  }

  /** How many workers are booted and ready now (starting them on the first call; until they are up, the caller works alone). */
  ready(): number {
    if (this.disabledReason) return 0;
    if (!this.started) this.start();
    return this.live().length;
  }

  /**
   * C = op(A)·op(B) for `args` (m n k a rsA csA b rsB csB c ldc), cut into
   * `count` chunks of `chunk` rows (byRows) or columns, shared with the
   * workers; the caller computes with scratch at `work`.
   */
  run(gemm: GemmFn, args: readonly number[], byRows: boolean, chunk: number, count: number, work: number, limitMs: number): void {
    const job = this.job;
    const live = this.live();
    const before = live.map((s) => Atomics.load(s.words, TAKEN));
    for (let j = 0; j < 11; j++) job[1 + j] = args[j]!;
    job[BY_ROWS] = byRows ? 1 : 0;
    job[CHUNK] = chunk;
    job[COUNT] = count;
    Atomics.store(job, NEXT, 0);
    const seq = Atomics.add(job, SEQ, 1) + 1;
    Atomics.notify(job, SEQ);
    for (let i = Atomics.add(job, NEXT, 1); i < count; i = Atomics.add(job, NEXT, 1)) runChunk(gemm, job, i, work);
    // Workers that never took the job are told to skip it; the others finish their chunk.
    const t0 = Date.now();
    let failed = false;
    live.forEach((s, w) => {
      if (Atomics.compareExchange(s.words, TAKEN, before[w]!, -seq) === before[w]) return;
      for (let spins = 0; ; spins++) {
        const done = Atomics.load(s.words, DONE);
        if (done === seq) break;
        if (spins > 2000) {
          Atomics.wait(s.words, DONE, done, 20);
          if (Date.now() - t0 > limitMs) {
            s.dead = true;
            throw new Error(`@nn/cpu: a gemm worker thread did not answer within ${limitMs} ms; it is now left out`);
          }
        }
      }
      if (s.words[ERR] !== 0) {
        s.dead = true;
        failed = true;
        const sent = receiveMessage(s.port);
        this.failure = `a gemm worker thread failed (${sent ?? 'no message'}); it is left out and its work runs on the calling thread`;
      }
    });
    // A failed worker left its chunk unfinished, and which one is unknown: every
    // worker has finished or skipped the job by now, so the caller computes the
    // whole product again (the gemm overwrites C; it does not accumulate).
    if (failed) for (let i = 0; i < count; i++) runChunk(gemm, job, i, work);
  }

  /** Chunks the workers have computed so far. */
  workerChunks(): number {
    let n = 0;
    for (const s of this.slots) n += Atomics.load(s.words, CHUNKS);
    return n;
  }

  /** Stop the workers. */
  dispose(): void {
    if (this.slots.length) {
      this.job[1] = -1;
      Atomics.add(this.job, SEQ, 1);
      Atomics.notify(this.job, SEQ);
      for (const s of this.slots) {
        void s.worker.terminate();
        s.port.close();
      }
    }
    this.slots = [];
    this.started = true;
  }
}
