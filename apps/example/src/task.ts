/**
 * `--task digits` and `--task moons`: a small classifier trained on a real data set with
 * @nn/data (TensorDataset, randomSplit, DataLoader) and @nn/layers (an MLP, CrossEntropyLoss,
 * Adam), printing the loss and accuracies per epoch.
 */
// No node: imports on this path: the browser parity tests (apps/example/test/*.browser.test.ts) run this same loop.
import { ArgumentError, Generator, dispose, indexSelect, keep, manualSeed, noGrad, parseNpy, scope, zeros, type BackendInfo, type Tensor } from '@nn/core';
import { DataLoader, Subset, TensorDataset, digits, moons, randomSplit } from '@nn/data';
import { Adam, CrossEntropyLoss, Linear, ReLU, Sequential, loadNpz } from '@nn/layers';

/** The data sets `--task` trains on. */
export type TaskName = 'digits' | 'moons';

/** Each task's data set, net and defaults. */
export const TASKS: Record<TaskName, { title: string; sizes: readonly number[]; lr: number; epochs: number; goal: number }> = {
  // 1,797 8×8 images, pixels scaled from 0..16 to [0, 1]; ≥ 95 % on the held-out 20 % (README).
  digits: { title: '8×8 handwritten digits (UCI), 1,797 images, 10 classes', sizes: [64, 64, 10], lr: 1e-2, epochs: 15, goal: 0.95 },
  // 1,000 points of two noisy moons (noise 0.1); ≥ 97 % on the held-out 20 %.
  moons: { title: 'two moons, 1,000 points, noise 0.1', sizes: [2, 64, 2], lr: 1e-2, epochs: 15, goal: 0.97 },
};

/** Everything a task run needs (from the command line). */
export interface TaskOptions {
  task: TaskName;
  device: 'cpu' | 'gpu';
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** The files of a --data directory (scripts/make_digits_parity.py), or undefined for a seeded run. */
  data: TaskData | undefined;
  json: boolean;
}

/** A --data directory's name and its files' bytes, read by the caller (the CLI from disk, a browser test by fetch). */
export interface TaskData {
  /** Where the files came from; shown in the header and as `data` in --json. */
  dir: string;
  /** The initial weights (.npz of the state dict). */
  init: Uint8Array;
  /** The training and test samples' row numbers (.npy, int). */
  train: Uint8Array;
  test: Uint8Array;
  /** Each epoch's batch order over the training samples (.npy, epochs × train size). */
  orders: Uint8Array;
}

/** Where runTask reports: a line per epoch, and optionally a progress bar over each epoch's batches. */
export interface TaskPrinter {
  line(text: string): void;
  progress?(total: number): { tick(step: number): void; done(): void };
}

/** One epoch's figures. */
export interface EpochResult {
  epoch: number;
  /** Mean cross-entropy over the epoch's training samples, as each batch saw them. */
  loss: number;
  /** Fraction of the epoch's training samples classified right, as each batch saw them. */
  trainAccuracy: number;
  /** Fraction of the held-out samples classified right after the epoch. */
  testAccuracy: number;
}

/** What `--task … --json` prints. */
export interface TaskResult {
  task: TaskName;
  device: string;
  backend: { name: string; runtime: string; fallback: boolean };
  sizes: readonly number[];
  epochs: EpochResult[];
  /** Per-epoch losses and test accuracies (the same numbers as in `epochs`). */
  losses: number[];
  accuracies: number[];
  batchSize: number;
  lr: number;
  seed: number | null;
  data: string | null;
  trainSize: number;
  testSize: number;
  elapsedMs: number;
}

// The data set as x (float32, features last) and y (int32 classes) on the default device.
function loadTask(task: TaskName, seed: number): TensorDataset {
  if (task === 'digits') {
    const all = digits();
    const x = all.tensors[0]!.div(16);
    all.tensors[0]!.dispose();
    return new TensorDataset(x, all.tensors[1]!);
  }
  return moons({ n: 1000, noise: 0.1, generator: new Generator(seed) });
}

// The split and the per-epoch orders: seeded, or read from a --data directory (PyTorch's, for the parity test).
function splitAndOrders(ds: TensorDataset, opts: TaskOptions): { train: Subset<Tensor[]>; test: Subset<Tensor[]>; loaderFor: (epoch: number) => DataLoader<Tensor[]> } {
  if (opts.data) {
    const { dir } = opts.data;
    // Parsed on the host: row numbers are plain JavaScript numbers, no device needed.
    const ints = (bytes: Uint8Array): number[] => Array.from(parseNpy(bytes).data);
    const train = new Subset(ds, ints(opts.data.train));
    const test = new Subset(ds, ints(opts.data.test));
    const ordersNpy = parseNpy(opts.data.orders);
    const [epochs, n] = ordersNpy.shape as [number, number];
    const orders = Array.from(ordersNpy.data);
    if (opts.epochs > epochs) throw new ArgumentError('runTask', `${dir}/orders.npy holds ${epochs} epochs' orders, but epochs is ${opts.epochs}; train for at most ${epochs} epochs`);
    return { train, test, loaderFor: (e) => new DataLoader(train, { batchSize: opts.batchSize, sampler: orders.slice(e * n, (e + 1) * n) }) };
  }
  // One generator for the split and the shuffles: a seed gives the same run on every device.
  const generator = new Generator(opts.seed);
  const [train, test] = randomSplit(ds, [0.8, 0.2], { generator }) as [Subset<Tensor[]>, Subset<Tensor[]>];
  const loader = new DataLoader(train, { batchSize: opts.batchSize, shuffle: true, generator });
  return { train, test, loaderFor: () => loader };
}

// One number read back without a synchronous read, which WebGPU does not have.
async function read(t: Tensor): Promise<number> {
  return (await t.data())[0]!;
}

/** Called with the trained MLP (eval mode) and an example input of one sample, before runTask frees its data: --export writes it. */
export type TrainedHook = (model: Sequential, exampleInput: Tensor) => Promise<void>;

/** Train the task's MLP; prints a line per epoch through `printer` (none with --json). Reads asynchronously, so it runs on every device. */
export async function runTask(opts: TaskOptions, info: BackendInfo, printer: TaskPrinter | null, onTrained?: TrainedHook): Promise<TaskResult> {
  const spec = TASKS[opts.task];
  const start = Date.now();
  const ds = loadTask(opts.task, opts.seed);
  const { train, test, loaderFor } = splitAndOrders(ds, opts);
  manualSeed(opts.seed);
  const layers = [];
  for (let i = 0; i + 1 < spec.sizes.length; i++) {
    if (i > 0) layers.push(new ReLU());
    layers.push(new Linear(spec.sizes[i]!, spec.sizes[i + 1]!));
  }
  const model = new Sequential(...layers);
  if (opts.data) model.loadStateDict(loadNpz(opts.data.init));
  const lossFn = new CrossEntropyLoss();
  const optimizer = new Adam(model.parameters(), { lr: opts.lr });
  const [xAll, yAll] = ds.tensors as [Tensor, Tensor];
  const xTest = keep(indexSelect(xAll, 0, [...test.indices]));
  const yTest = keep(indexSelect(yAll, 0, [...test.indices]));
  printer?.line(
    `# ${opts.task}: ${spec.title}; MLP ${spec.sizes.join(' → ')} (ReLU), CrossEntropyLoss, Adam lr ${opts.lr}, ` +
      `batches of ${opts.batchSize}, ${train.length} train / ${test.length} test, ${opts.epochs} epochs on ${opts.device}${opts.data ? `, from ${opts.data.dir}` : `, seed ${opts.seed}`}`,
  );
  const epochs: EpochResult[] = [];
  for (let e = 0; e < opts.epochs; e++) {
    const loader = loaderFor(e);
    const progress = printer?.progress?.(loader.length);
    // Sums kept on the device and read once per epoch: no readback per batch.
    let lossSum = keep(scope(() => xAll.sum().mul(0)));
    let correct = keep(scope(() => xAll.sum().mul(0)));
    let b = 0;
    model.train();
    for await (const [x, y] of loader) {
      const [l, c] = scope(() => {
        const out = model.forward(x!);
        const loss = lossFn.forward(out, y!);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        return noGrad(() => [lossSum.add(loss.detach().mul(x!.shape[0]!)), correct.add(out.argmax(1).eq(y!).float().sum())]);
      });
      lossSum.dispose();
      correct.dispose();
      [lossSum, correct] = [keep(l!), keep(c!)];
      progress?.tick(b++);
    }
    progress?.done();
    model.eval();
    const hitsT = scope(() => noGrad(() => model.forward(xTest).argmax(1).eq(yTest).float().sum()));
    const [loss, right, hits] = [await read(lossSum), await read(correct), await read(hitsT)];
    const r: EpochResult = { epoch: e + 1, loss: loss / train.length, trainAccuracy: right / train.length, testAccuracy: hits / test.length };
    dispose([lossSum, correct, hitsT]);
    epochs.push(r);
    printer?.line(`epoch ${String(r.epoch).padStart(2)}  loss ${r.loss.toFixed(4)}  train ${(100 * r.trainAccuracy).toFixed(1)} %  test ${(100 * r.testAccuracy).toFixed(1)} %`);
  }
  xTest.dispose();
  yTest.dispose();
  ds.tensors.forEach((t) => t.dispose());
  if (onTrained) {
    // One sample of the input's shape: the exported graph's batch dim stays dynamic.
    const example = zeros([1, spec.sizes[0]!]);
    try {
      await onTrained(model, example);
    } finally {
      example.dispose();
    }
  }
  return {
    task: opts.task,
    device: opts.device,
    backend: { name: info.name, runtime: info.runtime, fallback: info.fallback },
    sizes: spec.sizes,
    epochs,
    losses: epochs.map((r) => r.loss),
    accuracies: epochs.map((r) => r.testAccuracy),
    batchSize: opts.batchSize,
    lr: opts.lr,
    seed: opts.data ? null : opts.seed,
    data: opts.data?.dir ?? null,
    trainSize: train.length,
    testSize: test.length,
    elapsedMs: Date.now() - start,
  };
}
