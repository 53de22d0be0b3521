import type { Device } from '../backend.js';
import { randn } from '../creation.js';
import { manualSeed } from '../random.js';
import type { Tensor } from '../tensor.js';

// The seed program (PyTorch's two-layer net with hand-written backprop) and its
// three-layer extension, as the test suites and the benchmark run them: one copy,
// so that every backend is measured and checked on the same lines. seedNet is
// also the one generator of the seed data: apps/example and the playground draw
// their x, y and weights through it, so they train on exactly the numbers the
// tests check. (The training loops the learner reads stay inline in those apps
// and in the README on purpose.)

/** The seed program's tensors: x [N, D_in], y [N, D_out], and the weights in layer order. */
export interface SeedNet {
  x: Tensor;
  y: Tensor;
  w: Tensor[];
}

/** Options of seedNet. */
export interface SeedNetOptions {
  /** The generator's seed (default 0, as the README's program). */
  seed?: number;
  /** N, then the layer widths from D_in to D_out (default the seed program's 64, 1000, 100, 10). */
  sizes?: readonly number[];
  /** Draw the weights too (default true); false leaves `w` empty and the generator just after y, for layers that draw their own. */
  weights?: boolean;
}

/**
 * Seeded randn data and weights, identical on every device: `manualSeed(seed)`,
 * then x [N, D_in], y [N, D_out] and w1, w2, … [in, out] in that order, as the
 * seed program's `torch.randn` calls. The tensors are named x, y, w1, …
 */
export function seedNet(device: Device, opts: SeedNetOptions = {}): SeedNet {
  const sizes = opts.sizes ?? [64, 1000, 100, 10];
  const [n, ...dims] = sizes as [number, ...number[]];
  manualSeed(opts.seed ?? 0);
  const x = randn([n, dims[0]!], { device }).named('x');
  const y = randn([n, dims[dims.length - 1]!], { device }).named('y');
  const w = opts.weights === false ? [] : dims.slice(1).map((d, i) => randn([dims[i]!, d], { device }).named(`w${i + 1}`));
  return { x, y, w };
}

/**
 * Loss and hand-written gradients of the net (two or three layers: one ReLU
 * after every layer but the last), the chain rule applied layer by layer as in
 * the seed program: grad_w = h_reluᵀ · grad_out, grad_h = (grad_out · wᵀ) ⊙ [h ≥ 0].
 */
export function seedForwardBackward(x: Tensor, y: Tensor, w: readonly Tensor[]): { loss: Tensor; grads: Tensor[] } {
  const hs: Tensor[] = [];
  const hRelus: Tensor[] = [x];
  let out = x;
  w.forEach((wi, i) => {
    const h = out.mm(wi);
    if (i < w.length - 1) {
      hs.push(h);
      out = h.clamp({ min: 0 });
      hRelus.push(out);
    } else out = h;
  });
  const yPred = out;
  const loss = yPred.sub(y).pow(2).sum();
  const grads: Tensor[] = new Array(w.length);
  let gradOut = yPred.sub(y).mul(2.0);
  for (let i = w.length - 1; i >= 0; i--) {
    grads[i] = hRelus[i]!.t().mm(gradOut);
    if (i > 0) {
      const gradH = gradOut.mm(w[i]!.t()).clone();
      gradH.maskedFill_(hs[i - 1]!.lt(0), 0); // grad_h[h < 0] = 0
      gradOut = gradH;
    }
  }
  return { loss, grads };
}

/** One step of gradient descent on the net; returns the loss tensor (read it, then dispose it or let a scope do). */
export function seedStep(net: SeedNet, lr: number): Tensor {
  const { loss, grads } = seedForwardBackward(net.x, net.y, net.w);
  net.w.forEach((wi, i) => wi.sub_(grads[i]!.mul(lr)));
  return loss;
}
