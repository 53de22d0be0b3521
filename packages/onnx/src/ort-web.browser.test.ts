import { beforeAll, describe, expect, inject, it } from 'vitest';
import * as ort from 'onnxruntime-web/wasm';
import { manualSeed, noGrad, registerBackend, scope, zeros, type Tensor } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { DataLoader, TensorDataset, digits } from '@nn/data';
import { Adam, CrossEntropyLoss, Linear, ReLU, Sequential } from '@nn/layers';
import { exportOnnx } from './index.js';
import { EXPORT_CASES, exportCaseInput } from './export-cases.js';

// Every exported case (the digits MLP among them, and one trained here on the digits) in ONNX Runtime Web 1.30 in headless Chromium: the wasm
// backend on one thread, its .wasm served from node_modules/onnxruntime-web/dist (vitest.projects.ts), against
// nn's cpu outputs computed in the same page. `onnxruntime-web/wasm` is the build with the wasm backend alone
// (the default entry's wasm carries the WebGPU EP as well). Tolerances as export.test.ts's onnxruntime-node check.

declare module 'vitest' {
  export interface ProvidedContext {
    ortDist: string;
  }
}

const RTOL = 1e-5;
const ATOL = 1e-6;

beforeAll(() => {
  registerBackend(createCpuBackend());
  // A folder: ort-web loads its wasm glue (.mjs) and binary (.wasm) from there.
  ort.env.wasm.wasmPaths = inject('ortDist');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
});

async function ortRun(bytes: Uint8Array, x: Tensor): Promise<{ data: Float32Array; dims: readonly number[] }> {
  // Only 'wasm' is asked for: ort-web refuses to create the session rather than fall back to another backend.
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const data = await x.data();
    const feed = x.dtype === 'int32' ? new ort.Tensor('int32', Int32Array.from(data), [...x.shape]) : new ort.Tensor('float32', Float32Array.from(data), [...x.shape]);
    const out = (await session.run({ [session.inputNames[0]!]: feed }))[session.outputNames[0]!]!;
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

describe('exported models in ONNX Runtime Web (wasm, Chromium) give nn’s outputs', () => {
  for (const c of EXPORT_CASES) {
    it(`${c.name}: batch 1 and 5`, async () => {
      const model = c.build();
      const bytes = await exportOnnx(model, exportCaseInput(c, c.inputShape[0]!));
      for (const batch of [1, 5]) {
        const x = exportCaseInput(c, batch);
        const want = noGrad(() => scope(() => model.forward(x)));
        const nn = (await want.data()) as Float32Array;
        const got = await ortRun(bytes, x);
        expect(got.dims, `${c.name} batch ${batch}`).toEqual(want.shape);
        let worst = 0;
        for (let i = 0; i < nn.length; i++) {
          const d = Math.abs(got.data[i]! - nn[i]!);
          expect(d, `${c.name} batch ${batch} element ${i}: ort-web ${got.data[i]} vs nn ${nn[i]}`).toBeLessThanOrEqual(ATOL + RTOL * Math.abs(nn[i]!));
          worst = Math.max(worst, d);
        }
        want.dispose();
        x.dispose();
      }
    });
  }

  it('the digits MLP trained in the page: the same logits on all 1,797 digits, and the same predictions', async () => {
    manualSeed(0);
    const all = digits();
    const x = all.tensors[0]!.div(16);
    const y = all.tensors[1]!;
    const model = new Sequential(new Linear(64, 64), new ReLU(), new Linear(64, 10));
    const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
    const lossFn = new CrossEntropyLoss();
    for (const [xb, yb] of new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true })) {
      scope(() => {
        optimizer.zeroGrad();
        lossFn.forward(model.forward(xb!), yb!).backward();
        optimizer.step();
      });
    }
    model.eval();
    const bytes = await exportOnnx(model, zeros([1, 64]));
    const nn = (await noGrad(() => model.forward(x)).data()) as Float32Array;
    const got = await ortRun(bytes, x);
    expect(got.dims).toEqual([1797, 10]);
    const labels = Array.from(await y.data());
    let sameArgmax = 0;
    let right = 0;
    for (let i = 0; i < labels.length; i++) {
      for (let j = 0; j < 10; j++) expect(Math.abs(got.data[10 * i + j]! - nn[10 * i + j]!)).toBeLessThanOrEqual(ATOL + RTOL * Math.abs(nn[10 * i + j]!));
      const argmax = (a: Float32Array): number => Array.from(a.subarray(10 * i, 10 * i + 10)).reduce((b, v, k, r) => (v > r[b]! ? k : b), 0);
      if (argmax(got.data) === argmax(nn)) sameArgmax++;
      if (argmax(got.data) === labels[i]) right++;
    }
    expect(sameArgmax).toBe(labels.length);
    // One epoch: most digits right, so these are trained weights, not the initial ones.
    expect(right / labels.length).toBeGreaterThan(0.85);
  });

  it('ran on the wasm backend, one thread, with the .wasm from node_modules/onnxruntime-web/dist', () => {
    expect(ort.env.wasm.numThreads).toBe(1);
    const loaded = performance.getEntriesByType('resource').map((e) => e.name).filter((n) => /ort-wasm/.test(n));
    // The plain SIMD build (not jsep/WebGPU, jspi or asyncify): the wasm backend's own files.
    for (const file of ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) {
      expect(loaded.some((n) => n.includes(`/node_modules/onnxruntime-web/dist/${file}`)), `${file} in ${loaded.join(', ')}`).toBe(true);
    }
    expect(loaded.every((n) => new URL(n).host === location.host && /ort-wasm-simd-threaded\.(mjs|wasm)/.test(n)), loaded.join(', ')).toBe(true);
    expect(ort.env.versions.web).toBe('1.30.0');
  });
});
