import { expect } from 'vitest';
import { tensor, type Tensor } from '@nn/core';

// float32 subnormals (|x| < 2^-126 ≈ 1.18e-38) on the software GPUs the suites run
// on (Mesa llvmpipe, SwiftShader): copies keep them bit for bit, arithmetic flushes
// them to zero, as inputs and as results. PyTorch on a CPU keeps them. GLSL ES and
// WGSL allow either, so a hardware driver may differ: this is asserted per suite,
// where the driver is known, not in the conformance suite (docs/gpu.md, "Numbers on the gpu").
const read = async (t: Tensor): Promise<number[]> => Array.from(await t.data());

/** Assert the flush-to-zero behaviour documented in docs/gpu.md on device 'gpu'. */
export async function expectSubnormalsFlushed(): Promise<void> {
  const f32 = (v: number): number => Math.fround(v);
  const sub = [1e-40, -1e-40, 1e-45, 1e-39].map(f32);
  const normal = [f32(1.1754944e-38), f32(2.4e-38)];
  const x = tensor([...sub, ...normal], { device: 'gpu' });
  // Upload and gathers copy bits: subnormals survive.
  expect(await read(x)).toEqual([...sub, ...normal]);
  expect(await read(x.reshape(2, 3).t())).toEqual([sub[0], sub[3], sub[1], normal[0], sub[2], normal[1]]);
  // Any arithmetic flushes them (x·1 and x+0 are 0 for a subnormal x; normal values pass).
  const zeroed = (await read(x.mul(1))).map(Math.abs);
  expect(zeroed).toEqual([0, 0, 0, 0, ...normal]);
  expect((await read(x.add(0))).map(Math.abs)).toEqual([0, 0, 0, 0, ...normal]);
  // A result in the subnormal range is 0: 1e-20² = 1e-40 (PyTorch: 9.99995e-41); the smallest normal halved is 0.
  const y = tensor([1e-20, 3e-20], { device: 'gpu' });
  expect(await read(y.mul(y))).toEqual([0, 0]);
  expect((await read(x.mul(0.5)))[4]).toBe(0);
  for (const t of [x, y]) t.dispose();
}
