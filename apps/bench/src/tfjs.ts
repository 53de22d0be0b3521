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
