import { dispose, keep, noGrad, scope, type Device, type Tensor } from '@nn/core';
import type { NetKind } from '../config.js';
import { seededStart } from './data.js';
import { functionalExplain } from './explain-forward.js';
import { reluOutputs } from './health.js';
import type { Trainer, WeightView } from './trainer.js';

/**
 * The same net with autograd, as PyTorch's second version: the weights
 * require grad, `loss.backward()` fills `w.grad`, and the update runs under
 * `noGrad` (PyTorch's `with torch.no_grad():`).
 */
export function autogradTrainer(net: NetKind, seed: number, device: Device, lr: number): Trainer {
  const { batch, weights } = seededStart(net, seed, device, true);
  const { x, y } = batch;
  for (const w of weights) w.requiresGrad = true;

  const forward = (): Tensor => {
    if (net === 'two') {
      const [w1, w2] = weights as [Tensor, Tensor];
      return x.mm(w1).clamp({ min: 0 }).mm(w2);
    }
    const [w1, w2, w3] = weights as [Tensor, Tensor, Tensor];
    return x.mm(w1).clamp({ min: 0 }).mm(w2).clamp({ min: 0 }).mm(w3);
  };

  const views: WeightView[] = weights.map((w) => ({ name: w.name!, value: w, grad: () => w.grad }));
  const trainer: Trainer = {
    weights: views,
    lr,
    step() {
      const loss = scope(() => {
        // Gradients of the previous step stay visible (heatmaps) until this one starts.
        for (const w of weights) w.zeroGrad();
        const y_pred = forward();
        const loss = y_pred.sub(y).pow(2).sum();
        loss.backward();
        noGrad(() => {
          for (const w of weights) w.sub_(w.grad!.mul(trainer.lr));
        });
        return loss;
      });
      return keep(loss);
    },
    explain: () => functionalExplain(x, y, weights),
    relus: () => reluOutputs(x, weights),
    dispose() {
      for (const w of weights) w.zeroGrad();
      dispose([x, y, ...weights]);
    },
  };
  return trainer;
}
