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

/** The two-layer seed loop (W1, W3). */
export function tfTwoLayer(tf: Tf, d: LoopData, lr: number, steps: number, fastForm: boolean): number[] {
  const x = tf.tensor2d(d.x, d.shapes.x as [number, number]);
  const y = tf.tensor2d(d.y, d.shapes.y as [number, number]);
  let w1 = tf.tensor2d(d.w[0]!, d.shapes.w[0] as [number, number]);
  let w2 = tf.tensor2d(d.w[1]!, d.shapes.w[1] as [number, number]);
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    const next = tf.tidy(() => {
      const h = tf.matMul(x, w1);
      const hRelu = tf.relu(h) as T2;
      const yPred = tf.matMul(hRelu, w2);
      const diff = tf.sub(yPred, y);
      losses.push(tf.sum(tf.square(diff)).dataSync()[0]!);
      const gradYPred = tf.mul(diff, 2) as T2;
      const gradW2 = mm(tf, hRelu, gradYPred, true, false, fastForm);
      const gradHRelu = mm(tf, gradYPred, w2, false, true, fastForm);
      const gradH = tf.where(tf.less(h, 0), tf.zerosLike(gradHRelu), gradHRelu) as T2;
      const gradW1 = mm(tf, x, gradH, true, false, fastForm);
      return [tf.sub(w1, tf.mul(gradW1, lr)), tf.sub(w2, tf.mul(gradW2, lr))] as [T2, T2];
    });
    w1.dispose();
    w2.dispose();
    [w1, w2] = next;
  }
  tf.dispose([x, y, w1, w2]);
  return losses;
}

/** The three-layer loop (W2). */
export function tfThreeLayer(tf: Tf, d: LoopData, lr: number, steps: number, fastForm: boolean): number[] {
  const x = tf.tensor2d(d.x, d.shapes.x as [number, number]);
  const y = tf.tensor2d(d.y, d.shapes.y as [number, number]);
  let w = d.w.map((a, i) => tf.tensor2d(a, d.shapes.w[i] as [number, number]));
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    const next = tf.tidy(() => {
      const [w1, w2, w3] = w as [T2, T2, T2];
      const h1 = tf.matMul(x, w1);
      const h1Relu = tf.relu(h1) as T2;
      const h2 = tf.matMul(h1Relu, w2);
      const h2Relu = tf.relu(h2) as T2;
      const yPred = tf.matMul(h2Relu, w3);
      const diff = tf.sub(yPred, y);
      losses.push(tf.sum(tf.square(diff)).dataSync()[0]!);
      const gradYPred = tf.mul(diff, 2) as T2;
      const gradW3 = mm(tf, h2Relu, gradYPred, true, false, fastForm);
      const gradH2r = mm(tf, gradYPred, w3, false, true, fastForm);
      const gradH2 = tf.where(tf.less(h2, 0), tf.zerosLike(gradH2r), gradH2r) as T2;
      const gradW2 = mm(tf, h1Relu, gradH2, true, false, fastForm);
      const gradH1r = mm(tf, gradH2, w2, false, true, fastForm);
      const gradH1 = tf.where(tf.less(h1, 0), tf.zerosLike(gradH1r), gradH1r) as T2;
      const gradW1 = mm(tf, x, gradH1, true, false, fastForm);
      return [tf.sub(w1, tf.mul(gradW1, lr)), tf.sub(w2, tf.mul(gradW2, lr)), tf.sub(w3, tf.mul(gradW3, lr))] as T2[];
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
