import { describe, expect, it } from 'vitest';
import { manualSeed, memory, randn, scope } from '@nn/core';
import { useGpu } from '../test/use-gpu.js';

// docs/gpu.md's figures for one step of the seed loop on headless-gl: 11 kernel launches (five products,
// the residual twice, the sum, the masked fill, two weight updates; the elementwise ops between them are
// fused), no upload or readback, no compile after the first step, and a flat live-buffer count.
useGpu('headlessgl');

describe('one seed-loop step on gpu (headless-gl)', () => {
  it('launches 11 kernels, uploads and reads back nothing, compiles only in the first step, and frees what it made', () => {
    manualSeed(0);
    const [N, D_in, H, D_out] = [8, 10, 6, 3];
    const x = randn([N, D_in], { device: 'gpu' });
    const y = randn([N, D_out], { device: 'gpu' });
    const w1 = randn([D_in, H], { device: 'gpu' });
    const w2 = randn([H, D_out], { device: 'gpu' });
    const steps: { kernels: number; uploads: number; readbacks: number; compiles: number; buffers: number }[] = [];
    for (let t = 0; t < 3; t++) {
      const b = { ...memory().gpu! };
      scope(() => {
        // The README's seed program, less the loss read.
        const h = x.mm(w1);
        const h_relu = h.clamp({ min: 0 });
        const y_pred = h_relu.mm(w2);
        y_pred.sub(y).pow(2).sum();
        const grad_y_pred = y_pred.sub(y).mul(2.0);
        const grad_w2 = h_relu.t().mm(grad_y_pred);
        const grad_h_relu = grad_y_pred.mm(w2.t());
        const grad_h = grad_h_relu.clone();
        grad_h.maskedFill_(h.lt(0), 0);
        const grad_w1 = x.t().mm(grad_h);
        w1.sub_(grad_w1.mul(1e-6));
        w2.sub_(grad_w2.mul(1e-6));
      });
      const a = memory().gpu!;
      steps.push({ kernels: a.kernels - b.kernels, uploads: a.uploads - b.uploads, readbacks: a.readbacks - b.readbacks, compiles: a.compiles - b.compiles, buffers: a.buffers - b.buffers });
    }
    for (const [t, s] of steps.entries()) {
      expect(s, `step ${t}`).toEqual({ kernels: 11, uploads: 0, readbacks: 0, compiles: t === 0 ? expect.any(Number) : 0, buffers: 0 });
    }
    for (const t of [x, y, w1, w2]) t.dispose();
  });
});
