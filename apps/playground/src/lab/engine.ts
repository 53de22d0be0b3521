import { Generator, manualSeed, noGrad, scope, tensor, type Tensor } from '@nn/core';
import { HealthMonitor } from '@nn/explain';
import { Adam, BCEWithLogitsLoss, ReLU, SGD, type Optimizer } from '@nn/layers';
import { boundsOf, gridPoints, makeData, shuffled, type Points } from './data.js';
import { buildNet, type LabNet } from './net.js';
import { exportLabNet, importLabNet, type ImportedNet } from './onnx.js';
import type { Built, FromTrainer, LabConfig, LabDevice, LabLive, NodeStat, Snapshot, ToTrainer } from './protocol.js';

/** The device a trainer got: its nn name and what really runs. */
export interface OpenedDevice {
  device: string;
  runtime: string;
  note: string;
  fallback: boolean;
}

/** Registers the backend for a lab device, and the cpu one (the worker and the page do it differently). */
export type Opener = (d: LabDevice) => Promise<OpenedDevice>;

/** Thrown by an opener when gpu.js cannot run the asked mode here (the page then trains that mode itself). */
export class GpuUnavailable extends Error {}

/** Side of the boundary grid (GRID² points are predicted per snapshot). */
export const GRID = 40;

/** How long the trainer runs steps before it yields to its message queue. */
export interface Timing {
  /** Milliseconds of steps per slice. */
  sliceMs: number;
  /** Milliseconds between snapshots. */
  snapshotMs: number;
  /** Milliseconds the trainer rests after each slice, leaving the CPU to the page that draws (0: none). */
  restMs?: number;
}

const now = (): number => performance.now();
const nextTask = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** One measured step's reads. */
interface Measured {
  loss: number;
  before: { w: Float32Array; b: Float32Array }[];
  acts: Float32Array[];
  actGrads: Float32Array[];
  logit: Float32Array;
  logitGrad: Float32Array;
  gradNorms: number[];
}

/**
 * Trains the lab's net, wherever it runs: a Web Worker feeds it messages, or
 * the page does (a gpu mode gpu.js cannot run in a worker). It trains in
 * slices of `sliceMs` and yields between them, so a pause or a new learning
 * rate takes effect within one slice; every `snapshotMs` one step is measured
 * (each unit's value and gradient on its batch) and the boundary, neurons,
 * accuracies and health go out in one message.
 */
export class LabEngine {
  private config: LabConfig | null = null;
  private live: LabLive = { lr: 0.03, batch: 16, optimizer: 'adam' };
  private dev: OpenedDevice | null = null;
  private net: LabNet | null = null;
  private opt: Optimizer | null = null;
  private optName = '';
  private monitor: HealthMonitor | null = null;
  private readonly lossFn = new BCEWithLogitsLoss();
  private train: Points = { x: new Float32Array(), y: new Float32Array() };
  private test: Points = { x: new Float32Array(), y: new Float32Array() };
  private grid: Float32Array = new Float32Array();
  private gen = new Generator();
  private order: Int32Array = new Int32Array();
  private cursor = 0;
  private t = 0;
  private running = false;
  private queue: Promise<void> = Promise.resolve();
  private lastSnap = { time: 0, t: 0 };
  private bounds: [number, number, number, number] = [0, 0, 0, 0];

  constructor(
    /** Sends a message to the page; `transfer` lists buffers to move, not copy (a worker's postMessage). */
    private readonly post: (m: FromTrainer, transfer?: Transferable[]) => void,
    private readonly open: Opener,
    private readonly thread: string,
    private readonly timing: Timing,
  ) {}

  /** Take one message from the page. */
  handle(msg: ToTrainer): void {
    switch (msg.type) {
      case 'live':
        this.setLive(msg.live);
        return;
      case 'pause':
        this.running = false;
        return;
      case 'build':
        this.running = false;
        this.enqueue(() => this.build(msg.config, msg.live));
        return;
      case 'train':
        if (this.running) return;
        this.running = true;
        this.enqueue(() => this.loop());
        return;
      case 'step':
        this.enqueue(async () => {
          if (!this.net) return;
          await this.snapshot(await this.step(true));
          this.post({ type: 'state', state: 'paused' });
        });
        return;
      case 'export':
        this.enqueue(() => this.exportNet());
        return;
      case 'import':
        this.running = false;
        this.enqueue(() => this.importNet(msg.bytes, msg.name));
        return;
    }
  }

  private async exportNet(): Promise<void> {
    try {
      if (!this.net || !this.config) throw new Error('there is no net yet: wait until the lab has built one');
      // exportOnnx's bytes own their ArrayBuffer (encodeModel copies out of protobufjs's pool), so they can be transferred.
      const bytes = await exportLabNet(this.net, this.dev!.device);
      this.post({ type: 'exported', bytes, data: this.config.data }, [bytes.buffer]);
    } catch (e) {
      this.post({ type: 'onnx-error', action: 'export', message: (e as Error).message ?? String(e) });
    }
  }

  /**
   * Replace the net by a file's model, on the same data: a refused file
   * (importOnnx's errors, wrong sizes) leaves the net before it as it was.
   */
  private async importNet(bytes: Uint8Array, name: string): Promise<void> {
    if (!this.net || !this.config) {
      this.post({ type: 'onnx-error', action: 'import', message: 'there is no data set yet: wait until the lab has built one' });
      return;
    }
    let imported: ImportedNet;
    try {
      imported = importLabNet(bytes, this.dev!.device);
    } catch (e) {
      this.post({ type: 'onnx-error', action: 'import', message: `${name}: ${(e as Error).message ?? String(e)}` });
      this.post({ type: 'state', state: 'paused' });
      return;
    }
    this.opt?.dispose();
    this.net.model.dispose();
    this.net = imported.net;
    this.makeOptimizer();
    this.monitor = new HealthMonitor({ lr: this.live.lr });
    this.t = 0;
    this.post({ type: 'built', built: { ...this.builtNow(), imported: { name, ops: imported.ops, chain: imported.chain, why: imported.why } } });
    this.lastSnap = { time: now(), t: 0 };
    await this.snapshot(null);
    this.post({ type: 'state', state: 'ready' });
  }

  /** What a build reports, for the net and data now. */
  private builtNow(): Built {
    return {
      train: { x: [...this.train.x], y: [...this.train.y] },
      test: { x: [...this.test.x], y: [...this.test.y] },
      bounds: this.bounds,
      gridSize: GRID,
      hidden: [...this.net!.hidden],
      runtime: this.dev!.runtime,
      note: this.dev!.note,
      fallback: this.dev!.fallback,
      thread: this.thread,
    };
  }

  private enqueue(fn: () => Promise<void>): void {
    this.queue = this.queue.then(fn).catch((e: unknown) => {
      this.running = false;
      this.post({ type: e instanceof GpuUnavailable ? 'gpu-unavailable' : 'error', ...(e instanceof GpuUnavailable ? { reason: e.message } : { message: (e as Error).message ?? String(e) }) } as FromTrainer);
    });
  }

  private setLive(live: LabLive): void {
    const lrChanged = live.lr !== this.live.lr;
    this.live = live;
    if (!this.opt) return;
    if (live.optimizer !== this.optName) this.makeOptimizer();
    else (this.opt as SGD | Adam).lr = live.lr;
    // The monitor's advice names the rate; its history restarts with it.
    if (lrChanged) this.monitor = new HealthMonitor({ lr: live.lr });
  }

  private makeOptimizer(): void {
    this.opt?.dispose();
    const params = this.net!.model.parameters();
    this.opt = this.live.optimizer === 'adam' ? new Adam(params, { lr: this.live.lr }) : new SGD(params, { lr: this.live.lr });
    this.optName = this.live.optimizer;
  }

  private async build(config: LabConfig, live: LabLive): Promise<void> {
    this.dispose();
    this.config = config;
    this.live = live;
    // The opener registers the cpu backend too: the data sets are drawn on it.
    this.dev = await this.open(config.device);
    this.gen = new Generator(config.seed);
    ({ train: this.train, test: this.test } = makeData(config.data, config.n, config.noise, config.testFraction, this.gen));
    this.bounds = boundsOf(this.train, this.test);
    this.grid = gridPoints(this.bounds, GRID);
    // Linear's init draws from the global generator: seed it, so a seed gives the same net everywhere.
    manualSeed(config.seed);
    this.net = buildNet(config.hidden, config.activation, this.dev.device);
    this.makeOptimizer();
    this.monitor = new HealthMonitor({ lr: live.lr });
    this.order = shuffled(this.train.y.length, this.gen);
    this.cursor = 0;
    this.t = 0;
    this.post({ type: 'built', built: this.builtNow() });
    this.lastSnap = { time: now(), t: 0 };
    await this.snapshot(null);
    this.post({ type: 'state', state: 'ready' });
  }

  private async loop(): Promise<void> {
    if (!this.net) {
      this.running = false;
      return;
    }
    this.post({ type: 'state', state: 'training' });
    while (this.running) {
      const start = now();
      while (this.running && now() - start < this.timing.sliceMs && now() - this.lastSnap.time < this.timing.snapshotMs) await this.step(false);
      if (this.running && now() - this.lastSnap.time >= this.timing.snapshotMs) await this.snapshot(await this.step(true));
      await (this.timing.restMs ? new Promise((r) => setTimeout(r, this.timing.restMs)) : nextTask());
    }
    this.post({ type: 'state', state: 'paused' });
  }

  /** The next batch from the shuffled order (a new shuffle each epoch). */
  private nextBatch(): { x: Float32Array; y: Float32Array } {
    const n = this.train.y.length;
    const b = Math.max(1, Math.min(this.live.batch, n));
    const x = new Float32Array(b * 2);
    const y = new Float32Array(b);
    for (let k = 0; k < b; k++) {
      if (this.cursor >= n) {
        this.order = shuffled(n, this.gen);
        this.cursor = 0;
      }
      const i = this.order[this.cursor++]!;
      x[2 * k] = this.train.x[2 * i]!;
      x[2 * k + 1] = this.train.x[2 * i + 1]!;
      y[k] = this.train.y[i]!;
    }
    return { x, y };
  }

  /**
   * One optimiser step. Measured, the forward is cut after each activation
   * (a detached leaf that requires grad continues it), so backward leaves each
   * unit's dL/d(output) on those leaves; the graph is then backpropagated piece
   * by piece, giving the parameters exactly the gradients of one whole backward.
   */
  private async step(measure: boolean): Promise<(Measured & { batch: { x: Float32Array; y: Float32Array } }) | null> {
    const net = this.net!;
    const device = this.dev!.device;
    const batch = this.nextBatch();
    const B = batch.y.length;
    const out = scope(() => {
      const x = tensor(batch.x, { shape: [B, 2], device });
      const y = tensor(batch.y, { shape: [B, 1], device });
      this.opt!.zeroGrad();
      const acts: Tensor[] = [];
      const leaves: Tensor[] = [];
      let h = x;
      net.activations.forEach((act, l) => {
        const a = act.forward(net.linears[l]!.forward(h));
        if (!measure) {
          h = a;
          return;
        }
        const leaf = a.detach().requiresGrad_();
        acts.push(a);
        leaves.push(leaf);
        h = leaf;
      });
      // A graph that is not a Linear chain runs whole: only its logit is measured.
      const logit = net.linears.length ? net.linears.at(-1)!.forward(h) : net.model.forward(x);
      const logitLeaf = measure ? logit.detach().requiresGrad_() : logit;
      const loss = this.lossFn.forward(logitLeaf, y);
      loss.backward();
      if (measure) {
        logit.backward(logitLeaf.grad!);
        for (let l = acts.length - 1; l >= 0; l--) acts[l]!.backward(leaves[l]!.grad!);
      }
      const before = measure ? noGrad(() => net.linears.map((m) => [m.weight.clone(), m.bias!.clone()] as const)) : [];
      const grads = measure ? (net.linears.length ? net.linears.map((m) => m.weight.grad!) : net.model.parameters().flatMap((p) => (p.grad ? [p.grad] : []))) : [];
      this.opt!.step();
      return { loss, acts, leafGrads: leaves.map((l) => l.grad!), logit, logitGrad: logitLeaf.grad, before, grads };
    });
    this.t++;
    if (!measure) {
      out.loss.dispose();
      return null;
    }
    const read = async (t: Tensor): Promise<Float32Array> => (await t.data()) as Float32Array;
    const m: Measured = {
      loss: (await read(out.loss))[0]!,
      before: await Promise.all(out.before.map(async ([w, b]) => ({ w: await read(w), b: await read(b) }))),
      acts: await Promise.all(out.acts.map(read)),
      actGrads: await Promise.all(out.leafGrads.map(read)),
      logit: await read(out.logit),
      logitGrad: await read(out.logitGrad!),
      gradNorms: (await Promise.all(out.grads.map(read))).map((g) => Math.sqrt(g.reduce((s, v) => s + v * v, 0))),
    };
    for (const t of [out.loss, ...out.acts, ...out.leafGrads, out.logit, ...out.before.flat()]) t.dispose();
    return { ...m, batch };
  }

  /** Predict the grid, the train and the test points; post what the page draws. */
  private async snapshot(m: (Measured & { batch: { x: Float32Array; y: Float32Array } }) | null): Promise<void> {
    const net = this.net!;
    const device = this.dev!.device;
    const G = GRID * GRID;
    const preds = noGrad(() =>
      scope(() => {
        const neurons: Tensor[] = [];
        let h = tensor(this.grid, { shape: [G, 2], device });
        net.activations.forEach((act, l) => {
          h = act.forward(net.linears[l]!.forward(h));
          neurons.push(h);
        });
        const prob = (net.linears.length ? net.linears.at(-1)!.forward(h) : net.model.forward(h)).sigmoid();
        const logits = (p: Points): Tensor => net.model.forward(tensor(p.x, { shape: [p.y.length, 2], device }));
        return { prob, neurons, train: logits(this.train), test: logits(this.test), params: net.linears.map((lin) => [lin.weight, lin.bias!] as const) };
      }),
    );
    const read = async (t: Tensor): Promise<Float32Array> => (await t.data()) as Float32Array;
    const grid = await read(preds.prob);
    const layerOut = await Promise.all(preds.neurons.map(read));
    const acc = (logits: Float32Array, p: Points): number => {
      let ok = 0;
      logits.forEach((v, i) => (ok += (v > 0 ? 1 : 0) === p.y[i] ? 1 : 0));
      return p.y.length ? ok / p.y.length : NaN;
    };
    const trainAcc = acc(await read(preds.train), this.train);
    const testAcc = acc(await read(preds.test), this.test);
    const params = await Promise.all(preds.params.map(async ([w, b]) => ({ w: await read(w), b: await read(b) })));
    for (const t of [preds.prob, ...preds.neurons, preds.train, preds.test]) t.dispose();

    const hidden = net.hidden;
    const widths = [2, ...hidden, 1];
    const rows = (w: Float32Array, out: number, inp: number): number[][] => Array.from({ length: out }, (_, o) => [...w.subarray(o * inp, (o + 1) * inp)]);
    const neurons = layerOut.map((a, l) => Array.from({ length: hidden[l]! }, (_, j) => Float32Array.from({ length: G }, (_, p) => a[p * hidden[l]! + j]!)));

    let nodes: NodeStat[][] = [];
    let health: Snapshot['health'] = [];
    if (m) {
      const B = m.batch.y.length;
      const stats = (a: Float32Array, g: Float32Array, width: number): NodeStat[] =>
        Array.from({ length: width }, (_, j) => {
          let v = 0;
          let d = 0;
          for (let b = 0; b < B; b++) {
            v += a[b * width + j]!;
            d += g[b * width + j]!;
          }
          return { value: v / B, grad: d };
        });
      nodes = [...m.acts.map((a, l) => stats(a, m.actGrads[l]!, hidden[l]!)), stats(m.logit, m.logitGrad, 1)];
      const relu = net.activations.every((a) => a instanceof ReLU);
      this.monitor!.record({
        step: this.t,
        layers: relu
          ? m.acts.map((a, l) => {
              let active = 0;
              for (let j = 0; j < hidden[l]!; j++) {
                for (let b = 0; b < B; b++) {
                  if (a[b * hidden[l]! + j]! > 0) {
                    active++;
                    break;
                  }
                }
              }
              return { name: `h${l + 1}`, units: hidden[l]!, active };
            })
          : [],
        gradients: m.gradNorms.map((norm, i) => ({ name: `w${i + 1}`, norm })),
      });
      health = this.monitor!.findings().map((f) => ({ kind: f.kind, name: f.name, message: f.message }));
    }
    const time = now();
    const sps = time > this.lastSnap.time ? ((this.t - this.lastSnap.t) * 1000) / (time - this.lastSnap.time) : 0;
    this.lastSnap = { time, t: this.t };
    const snapshot: Snapshot = {
      step: this.t,
      loss: m ? m.loss : NaN,
      trainAcc,
      testAcc,
      sps,
      grid,
      neurons,
      weights: params.map((p, i) => rows(p.w, widths[i + 1]!, widths[i]!)),
      biases: params.map((p) => [...p.b]),
      weightsBefore: m ? m.before.map((p, i) => rows(p.w, widths[i + 1]!, widths[i]!)) : [],
      biasesBefore: m ? m.before.map((p) => [...p.b]) : [],
      batchX: m ? [...m.batch.x] : [],
      batchY: m ? [...m.batch.y] : [],
      nodes,
      health,
    };
    this.post({ type: 'snapshot', snapshot });
  }

  /** Free the net and the optimiser's state. */
  dispose(): void {
    this.running = false;
    this.opt?.dispose();
    this.opt = null;
    this.net?.model.dispose();
    this.net = null;
  }
}
