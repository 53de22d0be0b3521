import { describe, expect, it } from 'vitest';
import { conformanceCases } from '@nn/core/testing';
import { expectResidentSeedLoop } from '../test/seed-loop-checks.js';
import { useGpu } from '../test/use-gpu.js';
import { describeGraphSuites } from '../test/graph-suites.js';
import { expectSubnormalsFlushed } from '../test/subnormals.js';

// Headless Chromium, WebGL2 on SwiftShader: gpu.js's WebGL2Kernel compiles real GLSL ES 3.0.
// The reference is @nn/cpu's plain TypeScript loops, its living spec.
const ctx = useGpu('webgl2', { reference: { engine: 'js' } });

describe('conformance on gpu (webgl2, Chromium)', () => {
  it('runs gpu.js WebGL2Kernel, synchronously readable, not a fallback', () => {
    expect(ctx.gpu.info.runtime).toBe('webgl2');
    expect(ctx.gpu.kernelClass()).toBe('WebGL2Kernel');
    expect(ctx.gpu.info.fallback).toBe(false);
    expect(ctx.gpu.readSync).toBeTypeOf('function');
  });
  for (const c of conformanceCases()) {
    it(c.name, () => c.run({ device: 'gpu', reference: 'cpu' }));
  }
  it('flushes float32 subnormals to zero in arithmetic and keeps them in copies (SwiftShader; docs/gpu.md)', () => expectSubnormalsFlushed());
  it('still ran WebGL2Kernel after every case', () => {
    expect(ctx.gpu.kernelClass()).toBe('WebGL2Kernel');
  });
});

describe('seed loop on gpu (webgl2, Chromium)', () => {
  it('40 steps, loss read every 20: no other readback, no upload, no compile after step 1, flat buffers, cpu losses', async () => {
    await expectResidentSeedLoop(40, 20);
    expect(ctx.gpu.kernelClass()).toBe('WebGL2Kernel');
  }, 600_000);
});

describeGraphSuites('webgl2, Chromium');
