import { memory, type Tensor } from '@nn/core';
import type { DeviceChoice, NetKind, Style } from '../config.js';
import { explainData } from '../nets/explain-data.js';
import { measureHealth } from '../nets/health.js';
import { makeTrainer, type Trainer } from '../nets/index.js';
import type { FromSeed, HeatData, ToSeed } from './protocol.js';

/** The buffers of a heatmap pair, to transfer. */
const buffers = (h: HeatData): ArrayBuffer[] => (h.grad ? [h.value.buffer as ArrayBuffer, h.grad.buffer as ArrayBuffer] : [h.value.buffer as ArrayBuffer]);

/** Steps measured one by one at the start of a run (a health reading after each), as the page's own loop does. */
export const EARLY_STEPS = 10;

/** How the engine paces itself. */
export interface SeedPacing {
  /** A slice runs steps for at most this long (at least one), then posts their losses and looks at its messages. */
  sliceMs: number;
  /** The heatmaps and a health reading are posted this often while training. */
  snapshotMs: number;
  /**
   * The worker rests this long after each slice: on a machine with few cores
   * (the tests' 2, shared) a worker that never rests takes the core the page
   * needs to paint, and the page's frames stall for as long as it runs.
   */
  restMs: number;
}

/** Posts a message, moving the listed buffers instead of copying them. */
export type Post = (m: FromSeed, transfer: Transferable[]) => void;

/** What an opened device is: the nn device name and its backend's info. */
export interface OpenedDevice {
  device: string;
  runtime: string;
  note: string;
  fallback: boolean;
  /** Reads back only with `await t.data()` (WebGPU). */
  asyncRead: boolean;
}

/** Registers the backend for a device choice (and the cpu's, where the data are drawn) and says what runs. */
export type Opener = (choice: DeviceChoice) => Promise<OpenedDevice>;

/** Thrown by an opener when gpu.js cannot run the asked mode here: the page trains that mode itself. */
export class GpuUnavailable extends Error {}

/** Rest `ms` (0: just let queued messages in, such as a pause) between two slices. */
export type YieldFn = (ms: number) => Promise<void>;

/**
 * The seed nets' cpu trainer behind messages: the seed worker feeds it
 * ToSeed commands and it posts FromSeed answers. It runs the page's own
 * trainers (nets/), so the losses are the same step for step; the page
 * only draws what comes back.
 */
export class SeedEngine {
  private trainer: Trainer | null = null;
  private opened: OpenedDevice | null = null;
  private t = 0;
  /** Gpu steps run back to back per slice (only the last loss is read back), sized to the slice. */
  private k = 1;
  private stop = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly post: Post,
    private readonly open: Opener,
    private readonly pacing: SeedPacing,
    private readonly yieldNow: YieldFn,
  ) {}

  /** Take a command: pause acts at once (at the end of the running slice); the rest run in order. */
  handle(m: ToSeed): void {
    if (m.type === 'pause') {
      this.stop = true;
      return;
    }
    this.queue = this.queue
      .then(() => this.run(m))
      .catch((e: unknown) =>
        this.post(e instanceof GpuUnavailable ? { type: 'gpu-unavailable', reason: e.message } : { type: 'error', message: (e as Error).message ?? String(e) }, []),
      );
  }

  /** Free the trainer's tensors. */
  dispose(): void {
    this.trainer?.dispose();
    this.trainer = null;
  }

  private async run(m: Exclude<ToSeed, { type: 'pause' }>): Promise<void> {
    if (m.type === 'build') return this.build(m.net, m.style, m.device, m.seed, m.lr);
    const tr = this.trainer;
    if (!tr) throw new Error(`the seed worker got '${m.type}' before any 'build': build a net first`);
    if (m.type === 'explain') this.post({ type: 'explained', explained: await explainData(tr, m.weight) }, []);
    else await this.train(tr, m.target);
  }

  private async build(net: NetKind, style: Style, choice: DeviceChoice, seed: number, lr: number): Promise<void> {
    this.dispose();
    const d = await this.open(choice);
    this.opened = d;
    this.trainer = makeTrainer(net, style, seed, d.device, lr);
    this.t = 0;
    this.k = 1;
    const tr = this.trainer;
    const heat = await this.readHeat(tr);
    this.post({ type: 'built', weights: tr.weights.map((w) => ({ name: w.name, shape: [...w.value.shape] })), ...d, heat }, heat.flatMap(buffers));
  }

  /** Train until step `target`, a pause or a non-finite loss; then post the pictures and 'stopped'. */
  private async train(tr: Trainer, target: number): Promise<void> {
    this.stop = false;
    let ok = true;
    let lastSnap = performance.now();
    const device = this.opened!.device;
    const gpu = device !== 'cpu';
    // The gpu's steps take longer and its read-backs cost more: the pictures half as often.
    const snapshotMs = gpu ? 2 * this.pacing.snapshotMs : this.pacing.snapshotMs;
    while (ok && !this.stop && this.t < target) {
      const start = performance.now();
      let from = this.t;
      const losses: number[] = [];
      if (!gpu) {
        do {
          const loss = tr.step();
          this.t++;
          const v = loss.dataSync()[0]!;
          loss.dispose();
          losses.push(v);
          ok = Number.isFinite(v);
        } while (ok && performance.now() - start < this.pacing.sliceMs && this.t < target && this.t >= EARLY_STEPS);
      } else {
        // k steps back to back and one read-back (`await`: WebGPU reads asynchronously only), as the page's gpu loop.
        let loss: Tensor | null = null;
        for (let i = 0; i < (this.t < EARLY_STEPS ? 1 : this.k) && this.t < target; i++) {
          loss?.dispose();
          loss = tr.step();
          this.t++;
        }
        const v = (await loss!.data())[0]!;
        loss!.dispose();
        from = this.t - 1;
        losses.push(v);
        ok = Number.isFinite(v);
        const took = performance.now() - start;
        if (took < this.pacing.sliceMs / 2) this.k = Math.min(64, this.k * 2);
        else if (took > 2 * this.pacing.sliceMs && this.k > 1) this.k = Math.max(1, Math.floor(this.k / 2));
      }
      const m = memory()[device];
      this.post({ type: 'losses', from, losses, ...(m ? { traffic: { buffers: m.buffers, kernels: m.kernels, compiles: m.compiles, readbacks: m.readbacks } } : {}) }, []);
      if (ok && this.t <= EARLY_STEPS) await this.postHealth(tr);
      else if (ok && performance.now() - lastSnap > snapshotMs) {
        await this.postHeat(tr);
        await this.postHealth(tr);
        lastSnap = performance.now();
      }
      await this.yieldNow(this.pacing.restMs);
    }
    await this.postHeat(tr);
    if (ok) await this.postHealth(tr);
    this.post({ type: 'stopped', t: this.t }, []);
  }

  private async readHeat(tr: Trainer): Promise<HeatData[]> {
    const out: HeatData[] = [];
    for (const [index, w] of tr.weights.entries()) {
      const g = w.grad();
      // Copies: a read-back may be a view of the WebAssembly memory, which cannot be transferred.
      out.push({ index, value: new Float32Array(await w.value.data()), grad: g && !g.isDisposed ? new Float32Array(await g.data()) : null });
    }
    return out;
  }

  private async postHeat(tr: Trainer): Promise<void> {
    for (const heat of await this.readHeat(tr)) this.post({ type: 'heat', heat }, buffers(heat));
  }

  private async postHealth(tr: Trainer): Promise<void> {
    const reading = await measureHealth(tr, this.t);
    if (reading) this.post({ type: 'health', reading }, reading.masks.map((m) => m.data.buffer));
  }
}
