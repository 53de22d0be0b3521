import { keep, manualSeed, randn, type Device, type Tensor } from '@nn/core';
import { SIZES, type NetKind } from '../config.js';
import type { Batch } from './trainer.js';

/**
 * x, y and (for the manual and autograd styles) the weights, drawn from core's
 * seeded generator in the order of the PyTorch program: x, y, w1, w2[, w3].
 * The same seed gives the same numbers on every device.
 */
export function seededStart(net: NetKind, seed: number, device: Device, withWeights: boolean): { batch: Batch; weights: Tensor[] } {
  manualSeed(seed);
  const s = SIZES[net];
  const x = keep(randn([s.N, s.D_in], { device, name: 'x' }));
  const y = keep(randn([s.N, s.D_out], { device, name: 'y' }));
  if (!withWeights) return { batch: { x, y }, weights: [] };
  const shapes: [number, number][] =
    net === 'two'
      ? [[SIZES.two.D_in, SIZES.two.H], [SIZES.two.H, SIZES.two.D_out]]
      : [[SIZES.three.D_in, SIZES.three.H1], [SIZES.three.H1, SIZES.three.H2], [SIZES.three.H2, SIZES.three.D_out]];
  const weights = shapes.map((shape, i) => keep(randn(shape, { device, name: `w${i + 1}` })));
  return { batch: { x, y }, weights };
}
