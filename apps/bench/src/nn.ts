import { matmulT, noGrad, scope, tensor, type Device, type Tensor } from '@nn/core';
import { seedStep } from '@nn/core/testing';
import { Linear, MSELoss, ReLU, SGD, Sequential } from '@nn/layers';
import type { LoopData } from './workloads.js';

// The workloads written with nn, line for line as the seed program.

function load(d: LoopData, device: Device): { x: Tensor; y: Tensor; w: Tensor[] } {
  return {
    x: tensor(d.x, { shape: d.shapes.x, device }),
    y: tensor(d.y, { shape: d.shapes.y, device }),
    w: d.w.map((w, i) => tensor(w, { shape: d.shapes.w[i]!, device })),
  };
}

function free(ts: Tensor[]): void {
  for (const t of ts) t.dispose();
}

/** W1/W3 (two weights) and W2 (three): the net with hand-written gradients, the seed program's lines (from @nn/core/testing); returns the loss of every step. */
export function manualLoop(d: LoopData, device: Device, lr: number, steps: number): number[] {
  const net = load(d, device);
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    scope(() => {
      losses.push(seedStep(net, lr).item());
    });
  }
  free([net.x, net.y, ...net.w]);
  return losses;
}

/** W5a: the seed net with autograd computing the gradients. */
export function autogradLoop(d: LoopData, device: Device, lr: number, steps: number): number[] {
  const { x, y, w } = load(d, device);
  const [w1, w2] = w as [Tensor, Tensor];
  w1.requiresGrad = true;
  w2.requiresGrad = true;
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    scope(() => {
      const loss = x.mm(w1).clamp({ min: 0 }).mm(w2).sub(y).pow(2).sum();
      losses.push(loss.item());
      loss.backward();
      noGrad(() => {
        w1.sub_(w1.grad!.mul(lr));
        w2.sub_(w2.grad!.mul(lr));
      });
      w1.zeroGrad();
      w2.zeroGrad();
    });
  }
  free([x, y, w1, w2]);
  return losses;
}

/** W5b: the seed net as Sequential(Linear, ReLU, Linear) without bias, MSELoss(sum) and SGD. */
export function layersLoop(d: LoopData, device: Device, lr: number, steps: number): number[] {
  const { x, y, w } = load(d, device);
  const [w1, w2] = w as [Tensor, Tensor];
  const [din, h] = d.shapes.w[0]!;
  const dout = d.shapes.w[1]![1]!;
  const l1 = new Linear(din!, h!, { bias: false, device });
  const l2 = new Linear(h!, dout, { bias: false, device });
  // Linear stores its weight [out, in]: start from the same weights as the manual loop.
  noGrad(() => {
    l1.weight.copy_(w1.t());
    l2.weight.copy_(w2.t());
  });
  const model = new Sequential(l1, new ReLU(), l2);
  const lossFn = new MSELoss({ reduction: 'sum' });
  const opt = new SGD(model.parameters(), { lr });
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    scope(() => {
      const loss = lossFn.forward(model.forward(x), y);
      losses.push(loss.item());
      opt.zeroGrad();
      loss.backward();
      opt.step();
    });
  }
  free([x, y, w1, w2, ...model.parameters()]);
  return losses;
}

/** W4: one product, timed until the result is complete (a readback where the device runs asynchronously). */
export function matmulTimed(a: Tensor, b: Tensor, syncRead: boolean): { seconds: number; check: number } {
  const t0 = performance.now();
  const c = matmulT(a, b, false, false);
  // The cpu backend computes synchronously; a GPU needs the readback to finish.
  const v = syncRead ? c.dataSync() : null;
  const seconds = (performance.now() - t0) / 1000;
  const data = v ?? c.dataSync();
  c.dispose();
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i]! * data[i]!;
  return { seconds, check: s };
}
