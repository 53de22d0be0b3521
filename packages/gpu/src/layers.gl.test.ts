import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { manualSeed, noGrad, randn, scope, tensor, type Tensor } from '@nn/core';
import { assertClose } from '@nn/core/testing';
import * as L from '@nn/layers';
import { useGpu } from '../test/use-gpu.js';
import { checkBatchNormCases, checkEmbeddingCases, checkLayerNormCases } from '../../layers/test/norm-cases.js';

// @nn/layers on headless-gl: layers are core ops only, so one check on a GPU path covers that
// the ops they compose (logSoftmax, gather, where, softplus, clamp, stack...) run there too.
// The full fixture suites run on cpu (packages/layers/src/*.test.ts).
const ctx = useGpu('headlessgl');

const revive = (_: string, v: unknown): unknown => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
const load = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/layers2/${name}`, import.meta.url), 'utf8'), revive) as T;

interface LossCase {
  fn: string;
  options: Record<string, unknown>;
  input: number[];
  input_shape: number[];
  target: number[];
  target_shape: number[];
  target_dtype: 'float32' | 'int32';
  upstream: number | number[];
  output: number | number[];
  output_shape: number[];
  grad_input: number[] | null;
}
type AnyLoss = (input: Tensor, target: Tensor, opts?: object) => Tensor;
const flat = (v: unknown): number[] => (Array.isArray(v) ? (v as unknown[]).flatMap(flat) : [v as number]);
// GL's float32 exp/log are less exact than the CPU's: a few ulps more on O(1) values.
const tol = { atol: 1e-5, rtol: 1e-4 };

describe('@nn/layers on gpu (headless-gl)', () => {
  it("every loss case's value and input gradient match torch on the device", () => {
    const { cases } = load<{ cases: LossCase[] }>('losses.json');
    for (const c of cases) {
      scope(() => {
        const device = 'gpu';
        const x = tensor(c.input, { shape: c.input_shape, requiresGrad: c.grad_input !== null, device });
        const y = tensor(c.target, { shape: c.target_shape, dtype: c.target_dtype, device });
        const opts: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(c.options)) {
          if (k.endsWith('_shape')) continue;
          opts[k] = k === 'weight' || k === 'posWeight' ? tensor(v as number[], { shape: c.options[`${k}_shape`] as number[], device }) : v;
        }
        const out = ((L as unknown as Record<string, AnyLoss>)[c.fn]!)(x, y, opts);
        expect(out.device).toBe('gpu');
        assertClose(out.dataSync(), flat(c.output), tol, `${c.fn} ${JSON.stringify(c.options)}: value`);
        if (c.grad_input) {
          out.mul(tensor(flat(c.upstream), { shape: c.output_shape, device })).sum().backward();
          assertClose(x.grad!.dataSync(), c.grad_input.flat(4), tol, `${c.fn} ${JSON.stringify(c.options)}: gradient`);
        }
      });
    }
    expect(ctx.gpu.kernelClass()).toBe('HeadlessGLKernel');
  }, 300_000); // ~40 s on a 2-core machine, most of it compiling each shape's kernels once

  it('LayerNorm, BatchNorm1d (3 training steps, running statistics, eval) and Embedding match torch on the device', () => {
    expect(checkLayerNormCases('gpu', tol)).toBe(9);
    expect(checkBatchNormCases('gpu', tol)).toBe(7);
    // A lookup and a scatter-add of binary-exact values: exact on the device too.
    expect(checkEmbeddingCases('gpu', { atol: 0, rtol: 0 })).toBe(7);
  }, 300_000);

  it('an MLP with GELU, Dropout and LogSoftmax trains with AdamW, clipGradNorm_ and CosineAnnealingLR as on cpu', () => {
    const run = (device: 'cpu' | 'gpu'): number[] => {
      manualSeed(3);
      const model = new L.Sequential(new L.Linear(6, 8), new L.GELU(), new L.Dropout(0.2), new L.Linear(8, 4), new L.LogSoftmax(1)).to(device);
      const x = randn([10, 6]).to(device);
      const y = tensor([0, 1, 2, 3, 0, 1, 2, 3, 0, 1], { dtype: 'int32', device });
      const opt = new L.AdamW(model.parameters(), { lr: 0.01 });
      const sched = new L.CosineAnnealingLR(opt, 5);
      model.eval(); // no Dropout mask: cpu and gpu then compute the same function
      const losses: number[] = [];
      for (let i = 0; i < 5; i++) {
        scope(() => {
          opt.zeroGrad();
          const loss = L.nllLoss(model.forward(x), y);
          loss.backward();
          L.clipGradNorm_(model.parameters(), 0.5);
          opt.step();
          sched.step();
          losses.push(loss.item());
        });
      }
      const sd = model.stateDict();
      const back = L.loadNpz(L.saveNpz(sd), { device });
      noGrad(() => model.loadStateDict(back));
      opt.dispose();
      model.dispose();
      return losses;
    };
    assertClose(run('gpu'), run('cpu'), { atol: 1e-5, rtol: 1e-4 }, 'losses');
  }, 300_000);
});
