import { manualSeed, randn, type Tensor } from '@nn/core';

/**
 * The seed program's net (two layers) or its three-layer version, run forward and
 * backward with autograd, every tensor named as the learner's program names it:
 * h, h_relu (two layers); h1, h1_relu, h2, h2_relu (three). Sizes: N, D_in, H, D_out.
 */
export function seedNet(layers: 2 | 3, [n, dIn, h, dOut] = [64, 1000, 100, 10]) {
  manualSeed(layers);
  const x = randn([n, dIn]).named('x');
  const y = randn([n, dOut]).named('y');
  const w1 = randn([dIn, h]).named('w1').requiresGrad_();
  const w2 = randn([h, layers === 2 ? dOut : h]).named('w2').requiresGrad_();
  const w3 = layers === 3 ? randn([h, dOut]).named('w3').requiresGrad_() : null;
  const hh = x.mm(w1).named(layers === 2 ? 'h' : 'h1');
  const hRelu = hh.clamp({ min: 0 }).named(layers === 2 ? 'h_relu' : 'h1_relu');
  let yPred: Tensor;
  let h2: Tensor | null = null;
  let h2Relu: Tensor | null = null;
  if (w3) {
    h2 = hRelu.mm(w2).named('h2');
    h2Relu = h2.clamp({ min: 0 }).named('h2_relu');
    yPred = h2Relu.mm(w3).named('y_pred');
  } else {
    yPred = hRelu.mm(w2).named('y_pred');
  }
  const loss = yPred.sub(y).pow(2).sum().named('loss');
  loss.backward();
  return { x, y, w1, w2, w3, h: hh, hRelu, h2, h2Relu, yPred, loss, weights: w3 ? [w1, w2, w3] : [w1, w2] };
}
