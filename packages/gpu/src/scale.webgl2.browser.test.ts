import { describe, expect, it } from 'vitest';
import { useGpu } from '../test/use-gpu.js';
import { expectLargeProduct } from '../test/scale-suite.js';

// Issue 16's 16.7 M-value product in headless Chromium, WebGL2 on SwiftShader (8192² texels at most).
// Only the product: the rest of the scale suite runs on headless-gl and Dawn (scale.{gl,dawn}.test.ts).
const ctx = useGpu('webgl2');

describe('a [4096, 64]·[64, 4096] product on gpu (webgl2, Chromium)', () => {
  it('equals the cpu backend\'s at every entry, and so does its sum; gpu.js ran WebGL2Kernel', async () => {
    await expectLargeProduct();
    expect(ctx.gpu.kernelClass()).toBe('WebGL2Kernel');
    expect(ctx.gpu.info.fallback).toBe(false);
  }, 240_000);
});
