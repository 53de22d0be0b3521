import { manualSeed, memory, randn, scope, type Device, type DeviceMemory, type Tensor } from '@nn/core';

// The learner's two-layer net with hand-written backprop, line for line
// (N, D_in, H, D_out = 64, 1000, 100, 10; lr 1e-6), as the GPU tests run it.

/** The seed program's tensors on one device. */
export interface SeedNet {
  x: Tensor;
  y: Tensor;
  w1: Tensor;
  w2: Tensor;
}

/** Seeded data and weights, identical on every device. */
export function seedNet(device: Device, seed = 0): SeedNet {
  manualSeed(seed);
  const x = randn([64, 1000], { device }).named('x');
  const y = randn([64, 10], { device }).named('y');
  const w1 = randn([1000, 100], { device }).named('w1');
  const w2 = randn([100, 10], { device }).named('w2');
  return { x, y, w1, w2 };
}

/** One step; returns the loss tensor (the caller reads and disposes it) only when `keepLoss`. */
export function seedStep(net: SeedNet, keepLoss: boolean, lr = 1e-6): Tensor | null {
  const { x, y, w1, w2 } = net;
  return scope(() => {
    const h = x.mm(w1);
    const hRelu = h.clamp({ min: 0 });
    const yPred = hRelu.mm(w2);
    const loss = yPred.sub(y).pow(2).sum();
    const gradYPred = yPred.sub(y).mul(2.0);
    const gradW2 = hRelu.t().mm(gradYPred);
    const gradHRelu = gradYPred.mm(w2.t());
    const gradH = gradHRelu.clone();
    gradH.maskedFill_(h.lt(0), 0);
    const gradW1 = x.t().mm(gradH);
    w1.sub_(gradW1.mul(lr));
    w2.sub_(gradW2.mul(lr));
    return keepLoss ? loss : null;
  });
}

/** Counter deltas of one device between two memory() snapshots. */
export function delta(after: DeviceMemory, before: DeviceMemory): DeviceMemory {
  return {
    buffers: after.buffers - before.buffers,
    bytes: after.bytes - before.bytes,
    uploads: after.uploads - before.uploads,
    readbacks: after.readbacks - before.readbacks,
    compiles: after.compiles - before.compiles,
    kernels: after.kernels - before.kernels,
  };
}

/** What a run of the seed loop saw. */
export interface SeedRun {
  losses: number[];
  firstStep: DeviceMemory;
  /** Counter deltas over the steps after the first, without the loss reads. */
  later: DeviceMemory;
  /** Live buffers after each step. */
  buffersPerStep: number[];
  /** Kernel launches of each step. */
  kernelsPerStep: number[];
  /** Wall time of the whole run, ms. */
  ms: number;
}

/**
 * Run `steps` steps, reading the loss when t % readEvery == readEvery - 1 (the
 * seed program prints it every 100) with `await loss.data()`, which works on
 * every backend.
 */
export async function runSeedLoop(device: Device, steps: number, readEvery = 100): Promise<SeedRun> {
  const net = seedNet(device);
  const losses: number[] = [];
  const buffersPerStep: number[] = [];
  const kernelsPerStep: number[] = [];
  const t0 = performance.now();
  let firstStep: DeviceMemory | null = null;
  let readsAfterFirst = 0;
  const start = memory()[device]!;
  let afterFirst = start;
  for (let t = 0; t < steps; t++) {
    const before = memory()[device]!;
    const read = t % readEvery === readEvery - 1;
    const loss = seedStep(net, read);
    if (loss) {
      losses.push((await loss.data())[0]!);
      loss.dispose();
      if (t > 0) readsAfterFirst++;
    }
    const now = memory()[device]!;
    if (t === 0) {
      firstStep = delta(now, before);
      afterFirst = now;
    }
    buffersPerStep.push(now.buffers);
    kernelsPerStep.push(now.kernels - before.kernels);
  }
  const later = delta(memory()[device]!, afterFirst);
  later.readbacks -= readsAfterFirst;
  for (const t of Object.values(net)) t.dispose();
  return { losses, firstStep: firstStep!, later, buffersPerStep, kernelsPerStep, ms: performance.now() - t0 };
}
