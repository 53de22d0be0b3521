import { rand, type Device, type Tensor } from '@nn/core';

/**
 * PyTorch's default initialisation of `nn.Linear`: kaiming_uniform with a = √5.
 * Its gain is √(2 / (1 + a²)) = √(1/3), its std gain/√fan_in, and a uniform
 * distribution with that std has bound √3·std = 1/√fan_in. The bias uses the same
 * bound. Numbers come from core's seeded generator (`manualSeed`).
 */
export function linearInitBound(fanIn: number): number {
  return fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
}

/** Uniform U(-bound, bound) samples of `shape` from the seeded generator. */
export function uniform(shape: readonly number[], bound: number, device?: Device): Tensor {
  return rand(shape, { low: -bound, high: bound, ...(device ? { device } : {}) });
}
