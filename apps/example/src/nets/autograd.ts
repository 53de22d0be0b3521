/**
 * The same nets with autograd: the forward pass is recorded, `loss.backward()`
 * fills `w.grad`, and the update runs under `noGrad` (PyTorch's `torch.no_grad()`).
 * The weights must have `requiresGrad` set.
 */
import { noGrad, type Tensor } from '@nn/core';

/** The two-layer net's loss, recorded for autograd. */
export function loss2(x: Tensor, y: Tensor, w1: Tensor, w2: Tensor): Tensor {
  const yPred = x.mm(w1).clamp({ min: 0 }).mm(w2);
  return yPred.sub(y).pow(2).sum();
}

/** The three-layer net's loss, recorded for autograd. */
export function loss3(x: Tensor, y: Tensor, w1: Tensor, w2: Tensor, w3: Tensor): Tensor {
  const yPred = x.mm(w1).clamp({ min: 0 }).mm(w2).clamp({ min: 0 }).mm(w3);
  return yPred.sub(y).pow(2).sum();
}

/** One gradient-descent step on `weights` from `loss`: backward, update in place, drop the gradients. */
export function autogradStep(loss: Tensor, weights: readonly Tensor[], learningRate: number): Tensor {
  loss.backward();
  noGrad(() => {
    for (const w of weights) {
      w.sub_(w.grad!.mul(learningRate));
      w.zeroGrad(); // PyTorch's w.grad.zero_(); nn drops the tensor instead
    }
  });
  return loss;
}
