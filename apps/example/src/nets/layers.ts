/**
 * The same nets with @nn/layers: Linear layers without bias, ReLU, a summed
 * MSELoss and SGD, as `torch.nn.Sequential` + `torch.optim.SGD`.
 */
import { noGrad, scope, type Tensor } from '@nn/core';
import { Linear, MSELoss, ReLU, SGD, Sequential, type Module } from '@nn/layers';

/** A model, its loss and its optimiser. */
export interface LayersNet {
  model: Sequential;
  lossFn: MSELoss;
  optimizer: SGD;
}

/**
 * Build the net whose weights are `ws` ([in, out] as in the seed program).
 * Linear stores its weight [out, in], like PyTorch, so each weight is wᵀ.
 */
export function makeLayersNet(ws: readonly Tensor[], learningRate: number): LayersNet {
  const modules: Module[] = [];
  ws.forEach((w, i) => {
    const linear = new Linear(w.shape[0]!, w.shape[1]!, { bias: false, device: w.device });
    scope(() => noGrad(() => void linear.weight.copy_(w.t()))); // scope frees the wᵀ temporary
    modules.push(linear);
    if (i < ws.length - 1) modules.push(new ReLU());
  });
  const model = new Sequential(...modules);
  return { model, lossFn: new MSELoss({ reduction: 'sum' }), optimizer: new SGD(model.parameters(), { lr: learningRate }) };
}

/** One training step; returns the loss. */
export function layersStep(net: LayersNet, x: Tensor, y: Tensor): Tensor {
  const yPred = net.model.forward(x);
  const loss = net.lossFn.forward(yPred, y);
  net.optimizer.zeroGrad();
  loss.backward();
  net.optimizer.step();
  return loss;
}
