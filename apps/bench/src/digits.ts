import { Generator, indexSelect, manualSeed, noGrad, randperm, scope, tensor, type Device, type Tensor } from '@nn/core';
import { digits, randomSplit } from '@nn/data';
import { Adam, CrossEntropyLoss, Linear, ReLU, Sequential } from '@nn/layers';

// W6: one epoch of the digits MLP of `npm run example -- --task digits` (apps/example/src/task.ts):
// 64 → 64 → 10, ReLU, CrossEntropyLoss, Adam lr 1e-2, batches of 64, the 1,438-image train split.

/** W6's batch size. */
export const W6_BATCH = 64;

/** W6's inputs, the same for every peer: the train split, one seeded batch order and nn's initial weights. */
export interface DigitsData {
  /** The train split's pixels scaled to [0, 1], [n, 64] row-major. */
  x: Float32Array;
  /** Its classes 0..9. */
  y: Float32Array;
  n: number;
  /** The epoch's sample order (a permutation of 0..n-1); batch b is order[64b, 64b + 64). */
  order: number[];
  /** The two Linear layers' initial weights [out, in] and biases, as PyTorch stores them. */
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
  /** Sizes: input, hidden, classes. */
  sizes: [number, number, number];
}

/** The batches of one epoch: ceil(n / 64), the last one short (1,438 = 22·64 + 30). */
export function digitsSteps(d: DigitsData): number {
  return Math.ceil(d.n / W6_BATCH);
}

/** W6's inputs from the seed: the 80/20 split and the order from one Generator, nn's Linear init after manualSeed(seed). */
export function digitsData(seed: number): DigitsData {
  return scope(() => {
    const all = digits({ device: 'cpu' });
    const generator = new Generator(seed);
    // The split as the example makes it (PyTorch's rounding of [0.8, 0.2]: 1,438 / 359), then the epoch's order.
    const train = [...(randomSplit(all, [0.8, 0.2], { generator })[0]!.indices)];
    const [px, py] = all.tensors as [Tensor, Tensor];
    const x = indexSelect(px, 0, train).div(16).dataSync();
    const y = Float32Array.from(indexSelect(py, 0, train).dataSync());
    const order = Array.from(randperm(train.length, { generator, device: 'cpu' }).dataSync());
    manualSeed(seed);
    const [l1, l2] = [new Linear(64, 64, { device: 'cpu' }), new Linear(64, 10, { device: 'cpu' })];
    const init = [l1.weight, l1.bias!, l2.weight, l2.bias!].map((t) => Float32Array.from(t.dataSync()));
    l1.dispose();
    l2.dispose();
    for (const t of all.tensors) t.dispose();
    return { x: Float32Array.from(x), y, n: train.length, order, w1: init[0]!, b1: init[1]!, w2: init[2]!, b2: init[3]!, sizes: [64, 64, 10] };
  });
}

/**
 * W6 on nn: the train split uploaded once, each batch gathered on the device (indexSelect), forward,
 * CrossEntropyLoss, backward, Adam step, the loss read back every step (`.item()`, as W1–W5).
 * Runs the first `steps` batches of the epoch; returns the loss of each.
 */
export function digitsEpoch(d: DigitsData, device: Device, steps = digitsSteps(d)): number[] {
  const [din, h, dout] = d.sizes;
  const x = tensor(d.x, { shape: [d.n, din], device });
  const y = tensor(d.y, { shape: [d.n], dtype: 'int32', device });
  const l1 = new Linear(din, h, { device });
  const l2 = new Linear(h, dout, { device });
  noGrad(() => {
    l1.weight.copy_(tensor(d.w1, { shape: [h, din], device }));
    l1.bias!.copy_(tensor(d.b1, { device }));
    l2.weight.copy_(tensor(d.w2, { shape: [dout, h], device }));
    l2.bias!.copy_(tensor(d.b2, { device }));
  });
  const model = new Sequential(l1, new ReLU(), l2);
  const lossFn = new CrossEntropyLoss();
  const opt = new Adam(model.parameters(), { lr: 1e-2 });
  const losses: number[] = [];
  for (let b = 0; b < steps; b++) {
    scope(() => {
      const idx = d.order.slice(b * W6_BATCH, (b + 1) * W6_BATCH);
      const loss = lossFn.forward(model.forward(indexSelect(x, 0, idx)), indexSelect(y, 0, idx));
      losses.push(loss.item());
      opt.zeroGrad();
      loss.backward();
      opt.step();
    });
  }
  opt.dispose();
  model.dispose();
  x.dispose();
  y.dispose();
  return losses;
}
