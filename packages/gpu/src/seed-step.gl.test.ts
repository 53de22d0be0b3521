import { describe, expect, it } from 'vitest';
import { memory, scope } from '@nn/core';
import { seedNet, seedStep } from '@nn/core/testing';
import { useGpu } from '../test/use-gpu.js';

// docs/gpu.md's figures for one step of the seed loop on headless-gl: 6 kernel launches (x·w1; relu(h)·w2
// with the relu applied on read; the loss (y_pred − y)².sum() with y_pred's product inlined; grad_out;
// the masked grad_h; and the two weight updates w − lr·(aᵀ·b), each one kernel with its product inlined,
// run as sub_ lets go of the old weights), no upload or readback, no compile after the first step, and a
// flat live-buffer count. With fuse: 'chains' (the older fusion) the same step is 11.
useGpu('headlessgl');

describe('one seed-loop step on gpu (headless-gl)', () => {
  it('launches 6 kernels, uploads and reads back nothing, compiles only in the first step, and frees what it made', () => {
    // The seed program's step (@nn/core/testing's seedStep: the README's lines, less the loss read) at a small size.
    const net = seedNet('gpu', { sizes: [8, 10, 6, 3] });
    const steps: { kernels: number; uploads: number; readbacks: number; compiles: number; buffers: number }[] = [];
    for (let t = 0; t < 4; t++) {
      const b = { ...memory().gpu! };
      scope(() => {
        seedStep(net, 1e-6);
      });
      const a = memory().gpu!;
      steps.push({ kernels: a.kernels - b.kernels, uploads: a.uploads - b.uploads, readbacks: a.readbacks - b.readbacks, compiles: a.compiles - b.compiles, buffers: a.buffers - b.buffers });
    }
    for (const [t, s] of steps.entries()) {
      expect(s, `step ${t}`).toEqual({ kernels: 6, uploads: 0, readbacks: 0, compiles: t === 0 ? 6 : 0, buffers: 0 });
    }
    for (const t of [net.x, net.y, ...net.w]) t.dispose();
  });
});
