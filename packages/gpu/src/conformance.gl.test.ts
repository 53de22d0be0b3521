import { describe, expect, it } from 'vitest';
import { arange, ones, tensor } from '@nn/core';
import type { GpuHandle } from './index.js';
import { conformanceCases } from '@nn/core/testing';
import { useGpu } from '../test/use-gpu.js';
import { describeGraphSuites } from '../test/graph-suites.js';
import { expectSubnormalsFlushed } from '../test/subnormals.js';

// Node + headless-gl (Mesa llvmpipe under Xvfb): real GLSL shaders, no browser.
// Run under `xvfb-run -a`; without a display createGpuBackend fails and says so.
const ctx = useGpu('headlessgl');

describe('conformance on gpu (headless-gl)', () => {
  it('runs gpu.js HeadlessGLKernel, synchronously readable, not a fallback', () => {
    expect(ctx.gpu.info.runtime).toBe('headlessgl');
    expect(ctx.gpu.kernelClass()).toBe('HeadlessGLKernel');
    expect(ctx.gpu.info.fallback).toBe(false);
    expect(ctx.gpu.readSync).toBeTypeOf('function');
  });
  for (const c of conformanceCases()) {
    it(c.name, () => c.run({ device: 'gpu', reference: 'cpu' }));
  }
  it('free() of the last reference deletes the texture at once and is idempotent; kernels return fresh textures', () => {
    const before = ctx.gpu.stats();
    const a = tensor([1, 2, 3], { device: 'gpu' });
    const b = a.add(a); // deferred (fusion) until read: the read runs its kernel
    b.dataSync();
    const ha = a.handle('test') as GpuHandle;
    const hb = b.handle('test') as GpuHandle;
    // A handle is a view over a reference-counted buffer, which holds the texture.
    const ta = ha.buf.value as unknown as { _deleted: boolean; constructor: { name: string } };
    expect(ta.constructor.name).toBe('GLTextureFloat');
    expect(hb.buf.value).not.toBe(ha.buf.value);
    expect(ctx.gpu.stats().buffers).toBe(before.buffers + 2);
    // A view is one more reference to the same buffer: freeing the tensor's own handle keeps the texture.
    const v = a.reshape(3, 1);
    expect((v.handle('test') as GpuHandle).buf).toBe(ha.buf);
    a.dispose();
    expect(ta._deleted).toBe(false);
    expect(ctx.gpu.stats().buffers).toBe(before.buffers + 2);
    expect(Array.from(v.dataSync())).toEqual([1, 2, 3]);
    // Freeing the last reference deletes it at once.
    v.dispose();
    expect(ta._deleted).toBe(true);
    expect(ha.buf.value).toBeNull();
    expect(ha.buf.freed).toBe(true);
    ctx.gpu.free(ha);
    expect(ctx.gpu.stats().buffers).toBe(before.buffers + 1);
    expect(Array.from(b.dataSync())).toEqual([2, 4, 6]);
    b.dispose();
    expect(ctx.gpu.stats().buffers).toBe(before.buffers);
    expect(ctx.gpu.stats().bytes).toBe(before.bytes);
  });
  it('indexes exactly at the 2^22-value limit (float32 index arithmetic)', () => {
    const n = 2048; // n·n = 2^22
    const x = arange(n * n, undefined, 1, { device: 'gpu' }).reshape(n, n);
    const t = x.t();
    const s = x.add(tensor([1], { device: 'gpu' })).sum(0);
    const got = t.dataSync();
    for (const [i, j] of [[0, 0], [1, 0], [n - 1, n - 1], [n - 1, 0], [0, n - 1], [1234, 2047], [2047, 1]] as const) {
      expect(got[i * n + j], `t()[${i}][${j}]`).toBe(j * n + i);
    }
    const col = s.dataSync();
    // Σ_i (i·n + j + 1) = n·(n−1)·n/2 + n·(j+1): exact in float32 only with compensation, so compare relatively.
    for (const j of [0, 1, n - 1]) expect(Math.abs(col[j]! - ((n * (n - 1) * n) / 2 + n * (j + 1))) / col[j]!).toBeLessThan(1e-6);
    for (const v of [x, t, s]) v.dispose();
  });
  it("loops past llvmpipe's 65,535-iteration limit: sum, max, argmax and a dot product over 200,000 values", () => {
    // Mesa's llvmpipe stops a shader after 65,535 loop iterations in all, silently (a sum of
    // 70,000 ones gave 65,535); boundLoops unrolls longer loops. Ones keep every sum exact.
    const n = 200_000;
    const x = ones([n], { device: 'gpu' });
    const peak = arange(n, undefined, 1, { device: 'gpu' }).eq(n - 7).float().add(x);
    expect(x.sum().item()).toBe(n);
    expect(peak.max().item()).toBe(2);
    expect(peak.argmax().item()).toBe(n - 7);
    expect(x.reshape(1, n).mm(x.reshape(n, 1)).item()).toBe(n);
    for (const t of [x, peak]) t.dispose();
  });
  it('launches no kernel for an empty output, and one fill kernel for a result that reads no data', () => {
    const e = tensor(new Float32Array(0), { shape: [0, 5], device: 'gpu' });
    const w = tensor(new Float32Array(0), { shape: [5, 0], device: 'gpu' });
    const before = ctx.gpu.stats().kernels;
    const empties = [e.add(1), e.exp(), e.t(), e.sum(1)];
    expect(ctx.gpu.stats().kernels).toBe(before);
    for (const t of empties) expect(t.dataSync().length).toBe(0);
    // [5,0]·[0,5] and sum(1) of [5,0] read nothing but write 25 and 5 values: one fill launch each.
    const p = w.mm(e);
    const s = w.sum(1);
    expect(ctx.gpu.stats().kernels).toBe(before + 2);
    expect(Array.from(p.dataSync())).toEqual(new Array(25).fill(0));
    expect(Array.from(s.dataSync())).toEqual(new Array(5).fill(0));
    for (const t of [e, w, p, s, ...empties]) t.dispose();
  });
  it('flushes float32 subnormals to zero in arithmetic and keeps them in copies (Mesa llvmpipe; docs/gpu.md)', () => expectSubnormalsFlushed());
  it('still ran HeadlessGLKernel after every case', () => {
    expect(ctx.gpu.kernelClass()).toBe('HeadlessGLKernel');
  });
});

describeGraphSuites('headless-gl');
