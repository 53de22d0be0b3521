import { keep, type Device, type Tensor } from '@nn/core';
import { seedNet } from '@nn/core/testing';
import { SIZES, type NetKind } from '../config.js';
import type { Batch } from './trainer.js';

/**
 * x, y and (for the manual and autograd styles) the weights, from core's
 * seedNet: the one place the seed data is drawn (manualSeed(seed), then x, y,
 * w1, w2[, w3] in the order of the PyTorch program). The same seed gives the
 * same numbers on every device, and the numbers the test suites check.
 */
export function seededStart(net: NetKind, seed: number, device: Device, withWeights: boolean): { batch: Batch; weights: Tensor[] } {
  const s = SIZES[net];
  const sizes = net === 'two' ? [s.N, s.D_in, SIZES.two.H, s.D_out] : [s.N, s.D_in, SIZES.three.H1, SIZES.three.H2, s.D_out];
  const { x, y, w } = seedNet(device, { seed, sizes, weights: withWeights });
  return { batch: { x: keep(x), y: keep(y) }, weights: w.map((wi) => keep(wi)) };
}
