import { describe, expect, it } from 'vitest';
import { memory, scope } from '@nn/core';
import { seedNet, seedStep } from '@nn/core/testing';
import { useGpu } from '../test/use-gpu.js';

// docs/gpu.md's figures for one step of the seed loop on headless-gl: 11 kernel launches (five products,
// the residual twice, the sum, the masked fill, two weight updates; the elementwise ops between them are
// fused), no upload or readback, no compile after the first step, and a flat live-buffer count.
useGpu('headlessgl');

describe('one seed-loop step on gpu (headless-gl)', () => {
  it('launches 11 kernels, uploads and reads back nothing, compiles only in the first step, and frees what it made', () => {
    // The seed program's step (@nn/core/testing's seedStep: the README's lines, less the loss read) at a small size.
    const net = seedNet('gpu', { sizes: [8, 10, 6, 3] });
    const steps: { kernels: number; uploads: number; readbacks: number; compiles: number; buffers: number }[] = [];
    for (let t = 0; t < 3; t++) {
      const b = { ...memory().gpu! };
      scope(() => {
        seedStep(net, 1e-6);
      });
      const a = memory().gpu!;
      steps.push({ kernels: a.kernels - b.kernels, uploads: a.uploads - b.uploads, readbacks: a.readbacks - b.readbacks, compiles: a.compiles - b.compiles, buffers: a.buffers - b.buffers });
    }
    for (const [t, s] of steps.entries()) {
      expect(s, `step ${t}`).toEqual({ kernels: 11, uploads: 0, readbacks: 0, compiles: t === 0 ? expect.any(Number) : 0, buffers: 0 });
    }
    for (const t of [net.x, net.y, ...net.w]) t.dispose();
  });
});
