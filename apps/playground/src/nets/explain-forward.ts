import { dispose, topoOrder, type Tensor } from '@nn/core';
import type { ExplainTarget } from './trainer.js';

/**
 * An ExplainTarget for a graph: disposing it frees the tensors the recorded
 * ops made (the explanation reads h, h_relu, ... until then) and `copies`
 * (leaves made for it). Other leaves — the trainer's x, y and weights, and
 * core's cached constants — are never touched.
 */
export function explainTarget(loss: Tensor, weights: readonly Tensor[], copies: readonly Tensor[]): ExplainTarget {
  return {
    loss,
    weights,
    dispose: () => {
      const made = topoOrder(loss, true).filter((t) => !t.isLeaf);
      for (const w of weights) w.zeroGrad();
      for (const c of copies) c.zeroGrad();
      dispose([...made, ...copies]);
    },
  };
}

/**
 * The forward pass of the manual/autograd code, recorded by autograd on
 * copies of the current weights, with every tensor named as in the code
 * (h, h_relu, y_pred, loss; h1, h1_relu, ... for three layers), so the graphs
 * and the chain-rule paths use the learner's names. The training weights are
 * not touched.
 */
export function functionalExplain(x: Tensor, y: Tensor, weights: readonly Tensor[]): ExplainTarget {
  const ws = weights.map((w) => w.detach().requiresGrad_(true).named(w.name ?? 'w'));
  const three = ws.length === 3;
  let a = x;
  ws.forEach((w, i) => {
    const prefix = three ? `h${i + 1}` : 'h';
    if (i < ws.length - 1) {
      const h = a.mm(w).named(prefix);
      a = h.clamp({ min: 0 }).named(`${prefix}_relu`);
    } else {
      a = a.mm(w).named('y_pred');
    }
  });
  const loss = a.sub(y).pow(2).sum().named('loss');
  return explainTarget(loss, ws, ws);
}
