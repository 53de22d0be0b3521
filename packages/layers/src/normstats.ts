import type { Tensor } from '@nn/core';

/** What `centeredMoments` returns: each of the statistics keeps the reduced dims as size 1. */
export interface CenteredMoments {
  /** The mean over the dims. */
  mean: Tensor;
  /** x − mean. */
  centered: Tensor;
  /** The biased variance Σ(x − mean)²/N over the dims. */
  variance: Tensor;
}

/**
 * The mean, x − mean and the biased variance over `dims`, as LayerNorm and BatchNorm take them.
 * A float32 sum rounds at the scale of the values, so with a mean of 100 and a spread of 1 the plain
 * mean is off by ~1e-5 of the spread, and so is every normalised output (torch's Welford moments are
 * not). A second pass removes that: Σ(x − m)/N is m's error, computed at the spread's scale. Built from
 * tensor ops, so autograd differentiates it (mathematically it is just x − mean(x)).
 */
export function centeredMoments(x: Tensor, dims: readonly number[]): CenteredMoments {
  const rough = x.mean(dims, true);
  const d = x.sub(rough);
  const error = d.mean(dims, true);
  const centered = d.sub(error);
  return { mean: rough.add(error), centered, variance: centered.mul(centered).mean(dims, true) };
}
