import { memory, scope, type BackendStats, type Device } from '@nn/core';
import { seedNet, seedStep } from '@nn/core/testing';

// The learner's two-layer net with hand-written backprop (N, D_in, H, D_out =
// 64, 1000, 100, 10; lr 1e-6), from @nn/core/testing, as the GPU tests run it.

/** Counter deltas of one device between two memory() snapshots. */
export function delta(after: BackendStats, before: BackendStats): BackendStats {
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
  firstStep: BackendStats;
  /** Counter deltas over the steps after the first, without the loss reads. */
  later: BackendStats;
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
  let firstStep: BackendStats | null = null;
  let readsAfterFirst = 0;
  const start = memory()[device]!;
  let afterFirst = start;
  for (let t = 0; t < steps; t++) {
    const before = memory()[device]!;
    const read = t % readEvery === readEvery - 1;
    // The scope frees the step's tensors; the loss survives only when it is read.
    const loss = scope(() => {
      const l = seedStep(net, 1e-6);
      return read ? l : null;
    });
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
  for (const t of [net.x, net.y, ...net.w]) t.dispose();
  return { losses, firstStep: firstStep!, later, buffersPerStep, kernelsPerStep, ms: performance.now() - t0 };
}
