import { describe, expect, it } from 'vitest';
import { keep, manualSeed, noGrad, randn, registerBackend, scope, type Tensor } from '@nn/core';
import { assertClose } from '@nn/core/testing';
import { createCpuBackend } from '@nn/cpu';
import { Linear, MSELoss, ReLU, SGD, Sequential } from './index.js';

registerBackend(createCpuBackend());

/** The seed program's manual loop for any depth (weights w[i] are [in, out]); returns the losses. */
function manualLoop(x: Tensor, y: Tensor, ws: Tensor[], lr: number, steps: number): number[] {
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    scope(() => {
      const hs: Tensor[] = [];
      const acts: Tensor[] = [x];
      for (let i = 0; i < ws.length; i++) {
        const h = acts[i]!.mm(ws[i]!);
        if (i < ws.length - 1) {
          hs.push(h);
          acts.push(h.clamp({ min: 0 }));
        } else acts.push(h);
      }
      const yPred = acts[ws.length]!;
      losses.push(yPred.sub(y).pow(2).sum().item());
      let grad = yPred.sub(y).mul(2);
      const grads: Tensor[] = [];
      for (let i = ws.length - 1; i >= 0; i--) {
        grads[i] = acts[i]!.t().mm(grad);
        if (i > 0) {
          const gradH = grad.mm(ws[i]!.t()).clone();
          gradH.maskedFill_(hs[i - 1]!.lt(0), 0);
          grad = gradH;
        }
      }
      ws.forEach((w, i) => w.sub_(grads[i]!.mul(lr)));
    });
  }
  return losses;
}

function layersLoop(x: Tensor, y: Tensor, ws: Tensor[], lr: number, steps: number): { losses: number[]; model: Sequential } {
  const mods = ws.flatMap((w, i) => {
    const lin = new Linear(w.shape[0]!, w.shape[1]!, { bias: false });
    noGrad(() => lin.weight.copy_(w.t())); // PyTorch stores weight [out, in]: weight = wᵀ
    return i < ws.length - 1 ? [lin, new ReLU()] : [lin];
  });
  const model = new Sequential(...mods);
  const lossFn = new MSELoss({ reduction: 'sum' });
  const opt = new SGD(model.parameters(), { lr });
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    scope(() => {
      const yPred = model.forward(x);
      const loss = lossFn.forward(yPred, y);
      losses.push(loss.item());
      opt.zeroGrad();
      loss.backward();
      opt.step();
    });
  }
  return { losses, model };
}

describe('layers version equals the manual version from the same weights', () => {
  for (const [net, sizes, lr] of [
    [2, [40, 12, 3], 1e-3],
    [3, [40, 12, 9, 3], 1e-4],
  ] as const) {
    it(`${net}-layer net, 20 SGD steps`, () => {
      manualSeed(11);
      const x = keep(randn([16, sizes[0]]));
      const y = keep(randn([16, sizes[sizes.length - 1]!]));
      const ws = sizes.slice(1).map((d, i) => keep(randn([sizes[i]!, d])));
      const { losses: layerLosses, model } = layersLoop(x, y, ws, lr, 20);
      const manual = manualLoop(x, y, ws, lr, 20);
      expect(manual[19]).toBeLessThan(manual[0]! / 2); // the comparison means something only if it trains
      // Same float32 ops in a different order (autograd's mm backward uses the transposed
      // forms; the manual loop materialises .t()): agreement to ~1e-6 relative per step.
      assertClose(layerLosses, manual, { atol: 0, rtol: 1e-4 }, 'losses');
      model.parameters().forEach((p, i) => assertClose(p.t().dataSync(), ws[i]!.dataSync(), { atol: 1e-4, rtol: 1e-4 }, `layer ${i} weight`));
    });
  }
});
