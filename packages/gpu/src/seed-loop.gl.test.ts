import { describe, expect, it } from 'vitest';
import { expectResidentSeedLoop } from '../test/seed-loop-checks.js';
import { useGpu } from '../test/use-gpu.js';

// The seed program on headless-gl: resident on the device, no per-step traffic.
const ctx = useGpu('headlessgl');

describe('seed loop on gpu (headless-gl)', () => {
  it('300 steps: no readback but the loss, no upload, no compile after step 1, flat buffers, cpu losses', async () => {
    await expectResidentSeedLoop(300);
    expect(ctx.gpu.kernelClass()).toBe('HeadlessGLKernel');
  }, 600_000);
});
