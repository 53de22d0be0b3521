import { W6_BATCH, type DigitsData } from './digits.js';
import type { LoopData } from './workloads.js';

// The workloads on TensorFlow.js 4.22 (cpu and wasm backends), written as a
// TensorFlow.js user would, with the loss read back every step (dataSync) as
// the seed program reads it with .item().

type Tf = typeof import('@tensorflow/tfjs-core');
type T2 = import('@tensorflow/tfjs-core').Tensor2D;

/** Load tfjs with its cpu and wasm backends and switch to `backend`; returns the module and what runs. */
export async function loadTf(backend: 'cpu' | 'wasm'): Promise<{ tf: Tf; runtime: string }> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  let runtime = backend === 'cpu' ? 'plain JS' : 'wasm';
  if (backend === 'wasm') {
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    const threads = wasm.getThreadsCount();
    runtime = `wasm${simd ? ' SIMD' : ''} (XNNPACK), ${threads} thread${threads === 1 ? '' : 's'}`;
  }
  return { tf, runtime };
}

/**
 * matMul with transposes in the form that is fast on the wasm backend: there
 * matMul(a, b, true, false) runs ~7x slower than matMul(transpose(a), b).
 */
function mm(tf: Tf, a: T2, b: T2, ta: boolean, tb: boolean, fastForm: boolean): T2 {
  if (!fastForm) return tf.matMul(a, b, ta, tb);
  return tf.matMul(ta ? tf.transpose(a) : a, tb ? tf.transpose(b) : b);
}

/**
 * The seed loop with hand-written gradients for any number of weights: two is
 * the seed program (W1, W3), three adds the second ReLU layer (W2).
 */
export function tfManualLoop(tf: Tf, d: LoopData, lr: number, steps: number, fastForm: boolean): number[] {
  const x = tf.tensor2d(d.x, d.shapes.x as [number, number]);
  const y = tf.tensor2d(d.y, d.shapes.y as [number, number]);
  let w = d.w.map((a, i) => tf.tensor2d(a, d.shapes.w[i] as [number, number]));
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    const next = tf.tidy(() => {
      // Forward: h_i = a_i · w_i, a_{i+1} = relu(h_i), y_pred = a_last · w_last.
      const hs: T2[] = [];
      const acts: T2[] = [x];
      for (const wi of w.slice(0, -1)) {
        const h = tf.matMul(acts[acts.length - 1]!, wi) as T2;
        hs.push(h);
        acts.push(tf.relu(h) as T2);
      }
      const diff = tf.sub(tf.matMul(acts[acts.length - 1]!, w[w.length - 1]!), y) as T2;
      losses.push(tf.sum(tf.square(diff)).dataSync()[0]!);
      // Backward, last layer first: grad_w_i = a_iᵀ · grad, then through w_i and the ReLU before it.
      let grad = tf.mul(diff, 2) as T2;
      const grads: T2[] = [];
      for (let i = w.length - 1; i >= 0; i--) {
        grads[i] = mm(tf, acts[i]!, grad, true, false, fastForm);
        if (i > 0) {
          const g = mm(tf, grad, w[i]!, false, true, fastForm);
          grad = tf.where(tf.less(hs[i - 1]!, 0), tf.zerosLike(g), g) as T2;
        }
      }
      return w.map((wi, i) => tf.sub(wi, tf.mul(grads[i]!, lr)) as T2);
    });
    tf.dispose(w);
    w = next;
  }
  tf.dispose([x, y, ...w]);
  return losses;
}

/** W4: one product, timed until the result is read (tfjs runs lazily otherwise). */
export function tfMatmulTimed(tf: Tf, a: Float32Array, b: Float32Array, n: number): { seconds: number; check: number } {
  const ta = tf.tensor2d(a, [n, n]);
  const tb = tf.tensor2d(b, [n, n]);
  const t0 = performance.now();
  const c = tf.matMul(ta, tb);
  const v = c.dataSync();
  const seconds = (performance.now() - t0) / 1000;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  tf.dispose([ta, tb, c]);
  return { seconds, check: s };
}

/**
 * W6 on TensorFlow.js: the digits MLP with the same initial weights, batch order and Adam
 * (β 0.9/0.999, ε 1e-8 as PyTorch; tfjs's default ε is 1e-7): weights stored [in, out] as tfjs's
 * layers store them, the train split uploaded once and each batch gathered (tf.gather), the loss
 * read back every step. tfjs-core alone registers no gradient functions (the `@tensorflow/tfjs`
 * bundle does), so the backward pass is written out, as in the seed loop above: for the mean
 * cross-entropy, d logits = (softmax − onehot) / batch; tf.train.adam applies the update.
 */
export function tfDigitsEpoch(tf: Tf, d: DigitsData, steps: number): number[] {
  const [din, h, dout] = d.sizes;
  const x = tf.tensor2d(d.x, [d.n, din]);
  const y = tf.tensor1d(d.y, 'int32');
  // nn and PyTorch store Linear weights [out, in]; tfjs's layers store [in, out].
  const w1 = tf.variable(tf.tidy(() => tf.transpose(tf.tensor2d(d.w1, [h, din]))));
  const b1 = tf.variable(tf.tensor1d(d.b1));
  const w2 = tf.variable(tf.tidy(() => tf.transpose(tf.tensor2d(d.w2, [dout, h]))));
  const b2 = tf.variable(tf.tensor1d(d.b2));
  const opt = tf.train.adam(1e-2, 0.9, 0.999, 1e-8);
  const losses: number[] = [];
  for (let b = 0; b < steps; b++) {
    tf.tidy(() => {
      const idx = tf.tensor1d(d.order.slice(b * W6_BATCH, (b + 1) * W6_BATCH), 'int32');
      const xb = tf.gather(x, idx) as T2;
      const onehot = tf.oneHot(tf.gather(y, idx), dout) as T2;
      const hb = tf.add(tf.matMul(xb, w1), b1) as T2;
      const a1 = tf.relu(hb) as T2;
      const logits = tf.add(tf.matMul(a1, w2), b2) as T2;
      const logp = tf.logSoftmax(logits) as T2;
      losses.push(tf.neg(tf.mean(tf.sum(tf.mul(logp, onehot), 1))).dataSync()[0]!);
      // Backward: through the mean cross-entropy, the second Linear, the ReLU and the first Linear.
      const gLogits = tf.div(tf.sub(tf.exp(logp), onehot), xb.shape[0]) as T2;
      const gA1 = mm(tf, gLogits, w2, false, true, true);
      const gH = tf.where(tf.greater(hb, 0), gA1, tf.zerosLike(gA1)) as T2;
      opt.applyGradients([
        { name: w1.name, tensor: mm(tf, xb, gH, true, false, true) },
        { name: b1.name, tensor: tf.sum(gH, 0) },
        { name: w2.name, tensor: mm(tf, a1, gLogits, true, false, true) },
        { name: b2.name, tensor: tf.sum(gLogits, 0) },
      ]);
    });
  }
  opt.dispose();
  tf.dispose([x, y, w1, b1, w2, b2]);
  return losses;
}
