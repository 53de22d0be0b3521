/**
 * The seed program with hand-written backprop, line for line. PyTorch's names
 * become camelCase: h_relu → hRelu, y_pred → yPred, grad_w1 → gradW1.
 */
import type { Tensor } from '@nn/core';

/** The two-layer net's loss and hand-computed gradients (the weights are not changed). */
export function forwardBackward2(x: Tensor, y: Tensor, w1: Tensor, w2: Tensor): { loss: Tensor; gradW1: Tensor; gradW2: Tensor } {
  // forward: linear, ReLU, linear
  const h = x.mm(w1);
  const hRelu = h.clamp({ min: 0 });
  const yPred = hRelu.mm(w2);
  const loss = yPred.sub(y).pow(2).sum();

  // backward: the chain rule, from the loss back to each weight
  const gradYPred = yPred.sub(y).mul(2.0);
  const gradW2 = hRelu.t().mm(gradYPred);
  const gradHRelu = gradYPred.mm(w2.t());
  const gradH = gradHRelu.clone();
  gradH.maskedFill_(h.lt(0), 0); // grad_h[h < 0] = 0
  const gradW1 = x.t().mm(gradH);
  return { loss, gradW1, gradW2 };
}

/** One step of the two-layer loop; returns the loss (read it with `.item()`). */
export function manualStep2(x: Tensor, y: Tensor, w1: Tensor, w2: Tensor, learningRate: number): Tensor {
  const { loss, gradW1, gradW2 } = forwardBackward2(x, y, w1, w2);
  w1.sub_(gradW1.mul(learningRate));
  w2.sub_(gradW2.mul(learningRate));
  return loss;
}

/** The three-layer net: a second hidden layer w2 [H1, H2] with its own ReLU; the chain rule goes one layer further. */
export function forwardBackward3(
  x: Tensor,
  y: Tensor,
  w1: Tensor,
  w2: Tensor,
  w3: Tensor,
): { loss: Tensor; gradW1: Tensor; gradW2: Tensor; gradW3: Tensor } {
  const h1 = x.mm(w1);
  const h1Relu = h1.clamp({ min: 0 });
  const h2 = h1Relu.mm(w2);
  const h2Relu = h2.clamp({ min: 0 });
  const yPred = h2Relu.mm(w3);
  const loss = yPred.sub(y).pow(2).sum();

  const gradYPred = yPred.sub(y).mul(2.0);
  const gradW3 = h2Relu.t().mm(gradYPred);
  const gradH2Relu = gradYPred.mm(w3.t());
  const gradH2 = gradH2Relu.clone();
  gradH2.maskedFill_(h2.lt(0), 0); // grad_h2[h2 < 0] = 0
  const gradW2 = h1Relu.t().mm(gradH2);
  const gradH1Relu = gradH2.mm(w2.t());
  const gradH1 = gradH1Relu.clone();
  gradH1.maskedFill_(h1.lt(0), 0); // grad_h1[h1 < 0] = 0
  const gradW1 = x.t().mm(gradH1);
  return { loss, gradW1, gradW2, gradW3 };
}

/** One step of the three-layer loop; returns the loss. */
export function manualStep3(x: Tensor, y: Tensor, w1: Tensor, w2: Tensor, w3: Tensor, learningRate: number): Tensor {
  const { loss, gradW1, gradW2, gradW3 } = forwardBackward3(x, y, w1, w2, w3);
  w1.sub_(gradW1.mul(learningRate));
  w2.sub_(gradW2.mul(learningRate));
  w3.sub_(gradW3.mul(learningRate));
  return loss;
}
