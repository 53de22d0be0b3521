import { dispose, keep, noGrad, scope, type Device, type Tensor } from '@nn/core';
import type { NetKind } from '../config.js';
import { seededStart } from './data.js';
import { functionalExplain } from './explain-forward.js';
import { reluOutputs } from './health.js';
import type { Trainer, WeightView } from './trainer.js';

/**
 * Backprop by hand, as in PyTorch's original "numpy-style" tensor program:
 * every gradient is written out with the chain rule, no autograd involved.
 */
export function manualTrainer(net: NetKind, seed: number, device: Device, lr: number): Trainer {
  const { batch, weights } = seededStart(net, seed, device, true);
  const { x, y } = batch;
  let grads: Tensor[] = [];

  // Two layers: x → mm w1 → relu → mm w2 → y_pred.
  const stepTwo = (lr: number): { loss: Tensor; grads: Tensor[] } => {
    const [w1, w2] = weights as [Tensor, Tensor];
    const h = x.mm(w1);
    const h_relu = h.clamp({ min: 0 });
    const y_pred = h_relu.mm(w2);
    const loss = y_pred.sub(y).pow(2).sum();

    const grad_y_pred = y_pred.sub(y).mul(2.0);
    const grad_w2 = h_relu.t().mm(grad_y_pred);
    const grad_h_relu = grad_y_pred.mm(w2.t());
    const grad_h = grad_h_relu.clone();
    grad_h.maskedFill_(h.lt(0), 0);
    const grad_w1 = x.t().mm(grad_h);

    w1.sub_(grad_w1.mul(lr));
    w2.sub_(grad_w2.mul(lr));
    return { loss, grads: [grad_w1, grad_w2] };
  };

  // Three layers: the chain rule goes one ReLU further back.
  const stepThree = (lr: number): { loss: Tensor; grads: Tensor[] } => {
    const [w1, w2, w3] = weights as [Tensor, Tensor, Tensor];
    const h1 = x.mm(w1);
    const h1_relu = h1.clamp({ min: 0 });
    const h2 = h1_relu.mm(w2);
    const h2_relu = h2.clamp({ min: 0 });
    const y_pred = h2_relu.mm(w3);
    const loss = y_pred.sub(y).pow(2).sum();

    const grad_y_pred = y_pred.sub(y).mul(2.0);
    const grad_w3 = h2_relu.t().mm(grad_y_pred);
    const grad_h2_relu = grad_y_pred.mm(w3.t());
    const grad_h2 = grad_h2_relu.clone();
    grad_h2.maskedFill_(h2.lt(0), 0);
    const grad_w2 = h1_relu.t().mm(grad_h2);
    const grad_h1_relu = grad_h2.mm(w2.t());
    const grad_h1 = grad_h1_relu.clone();
    grad_h1.maskedFill_(h1.lt(0), 0);
    const grad_w1 = x.t().mm(grad_h1);

    w1.sub_(grad_w1.mul(lr));
    w2.sub_(grad_w2.mul(lr));
    w3.sub_(grad_w3.mul(lr));
    return { loss, grads: [grad_w1, grad_w2, grad_w3] };
  };

  const views: WeightView[] = weights.map((w, i) => ({ name: w.name!, value: w, grad: () => grads[i] ?? null }));
  const trainer: Trainer = {
    weights: views,
    lr,
    step() {
      // No autograd here: the weights do not require grad, and noGrad makes that explicit.
      const out = noGrad(() => scope(() => (net === 'two' ? stepTwo(trainer.lr) : stepThree(trainer.lr))));
      dispose(grads);
      grads = out.grads.map((g, i) => keep(g.named(`grad_w${i + 1}`)));
      return keep(out.loss);
    },
    explain: () => functionalExplain(x, y, weights),
    relus: () => reluOutputs(x, weights),
    dispose() {
      dispose([x, y, ...weights, ...grads]);
      grads = [];
    },
  };
  return trainer;
}
