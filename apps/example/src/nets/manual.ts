/**
 * The seed program with hand-written backprop, line for line, with the
 * learner's PyTorch names kept as they are (h_relu, y_pred, grad_w1), so the
 * code, the explanations, the graphs and the docs say the same names. The
 * three-layer net numbers its hidden layers: h1, h1_relu, h2, h2_relu.
 */
import type { Tensor } from '@nn/core';

/** The two-layer net's loss, hand-computed gradients and ReLU output (the weights are not changed). */
export function forwardBackward2(x: Tensor, y: Tensor, w1: Tensor, w2: Tensor): { loss: Tensor; grad_w1: Tensor; grad_w2: Tensor; hidden: Tensor[] } {
  // forward: linear, ReLU, linear
  const h = x.mm(w1);
  const h_relu = h.clamp({ min: 0 });
  const y_pred = h_relu.mm(w2);
  const loss = y_pred.sub(y).pow(2).sum();

  // backward: the chain rule, from the loss back to each weight
  const grad_y_pred = y_pred.sub(y).mul(2.0);
  const grad_w2 = h_relu.t().mm(grad_y_pred);
  const grad_h_relu = grad_y_pred.mm(w2.t());
  const grad_h = grad_h_relu.clone();
  grad_h.maskedFill_(h.lt(0), 0); // grad_h[h < 0] = 0
  const grad_w1 = x.t().mm(grad_h);
  return { loss, grad_w1, grad_w2, hidden: [h_relu] };
}

/** One step of the two-layer loop; returns the loss (read it with `.item()`). */
export function manualStep2(x: Tensor, y: Tensor, w1: Tensor, w2: Tensor, learningRate: number): Tensor {
  const { loss, grad_w1, grad_w2 } = forwardBackward2(x, y, w1, w2);
  w1.sub_(grad_w1.mul(learningRate));
  w2.sub_(grad_w2.mul(learningRate));
  return loss;
}

/** The three-layer net: a second hidden layer w2 [H1, H2] with its own ReLU; the chain rule goes one layer further. */
export function forwardBackward3(
  x: Tensor,
  y: Tensor,
  w1: Tensor,
  w2: Tensor,
  w3: Tensor,
): { loss: Tensor; grad_w1: Tensor; grad_w2: Tensor; grad_w3: Tensor; hidden: Tensor[] } {
  const h1 = x.mm(w1);
  const h1_relu = h1.clamp({ min: 0 });
  const h2 = h1_relu.mm(w2); // the third layer adds these two lines...
  const h2_relu = h2.clamp({ min: 0 });
  const y_pred = h2_relu.mm(w3);
  const loss = y_pred.sub(y).pow(2).sum();

  const grad_y_pred = y_pred.sub(y).mul(2.0);
  const grad_w3 = h2_relu.t().mm(grad_y_pred);
  const grad_h2_relu = grad_y_pred.mm(w3.t());
  const grad_h2 = grad_h2_relu.clone(); // ...and these four: one more weight gradient, one more mask
  grad_h2.maskedFill_(h2.lt(0), 0); // grad_h2[h2 < 0] = 0
  const grad_w2 = h1_relu.t().mm(grad_h2);
  const grad_h1_relu = grad_h2.mm(w2.t());
  const grad_h1 = grad_h1_relu.clone();
  grad_h1.maskedFill_(h1.lt(0), 0); // grad_h1[h1 < 0] = 0
  const grad_w1 = x.t().mm(grad_h1);
  return { loss, grad_w1, grad_w2, grad_w3, hidden: [h1_relu, h2_relu] };
}

/** One step of the three-layer loop; returns the loss. */
export function manualStep3(x: Tensor, y: Tensor, w1: Tensor, w2: Tensor, w3: Tensor, learningRate: number): Tensor {
  const { loss, grad_w1, grad_w2, grad_w3 } = forwardBackward3(x, y, w1, w2, w3);
  w1.sub_(grad_w1.mul(learningRate));
  w2.sub_(grad_w2.mul(learningRate));
  w3.sub_(grad_w3.mul(learningRate));
  return loss;
}
