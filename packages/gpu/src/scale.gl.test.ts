import { describe, expect, it } from 'vitest';
import { zeros } from '@nn/core';
import { useGpu } from '../test/use-gpu.js';
import { describeScale } from '../test/scale-suite.js';

// Node + headless-gl (Mesa llvmpipe under Xvfb): 16384² texels at most, so 2^28 values.
const ctx = useGpu('headlessgl');

describeScale('headless-gl', ctx, /larger than the headlessgl device allows: MAX_TEXTURE_SIZE \d+/);

describe('out of device memory (headless-gl)', () => {
  it('a failed texture allocation (GL error, zeros read back) is a DeviceError, the result freed, and the backend keeps working', async () => {
    // Allocating until Mesa's llvmpipe fails (8192² results under `ulimit -v`) gave GL error 0x0506 and a result
    // of zeros; that cannot run here without starving the machine, so the GL error is injected.
    const x = zeros([1024, 1024], { device: 'gpu' });
    const gl = (ctx.gpu as unknown as { cache: Map<string, { fn: { context: { getError(): number } } }> }).cache.values().next().value!.fn.context;
    const real = gl.getError;
    const buffers = ctx.gpu.stats().buffers;
    const y = x.add(x); // deferred (a fused tree): its kernel runs when it is read
    gl.getError = () => 0x0506;
    try {
      expect(() => y.dataSync()).toThrow(/could not allocate a result of 1048576 float32 values \(GL error 0x506.*out of device memory; dispose tensors/);
    } finally {
      gl.getError = real;
    }
    y.dispose();
    expect(ctx.gpu.stats().buffers).toBe(buffers);
    expect(Array.from(await x.add(x).add(3).sum().data())).toEqual([3 * 1024 * 1024]);
    x.dispose();
  });
});
