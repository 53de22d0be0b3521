import { ArgumentError, Generator, checkOptions, showValue, type OptionRule } from '@nn/core';
import { Subset, checkDataset, tensorRows, type Dataset, type Sample } from './dataset.js';
import { permutation } from './permutation.js';

/** Options of `randomSplit`. */
export interface RandomSplitOptions {
  /** The generator the permutation draws from (default: the global one that manualSeed seeds). */
  generator?: Generator;
}

const isGenerator: OptionRule = { accepts: 'a Generator (new Generator().manualSeed(seed))', ok: (v) => v instanceof Generator };

/**
 * Split `dataset` into non-overlapping Subsets of the given lengths, or fractions that sum to 1,
 * as PyTorch's `random_split`: fractions become floor(n·f) samples, the remainder dealt one by one
 * from the first split on; then one `randperm` of n (from `generator`) is cut into consecutive slices.
 */
export function randomSplit<S extends Sample>(dataset: Dataset<S>, lengths: readonly number[], opts: RandomSplitOptions = {}): Subset<S>[] {
  checkDataset('randomSplit', dataset);
  checkOptions('randomSplit', opts, { generator: isGenerator });
  if (!Array.isArray(lengths) || lengths.length === 0 || lengths.some((v) => typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
    throw new ArgumentError('randomSplit', `lengths must be a non-empty array of sizes (e.g. [1400, 397]) or fractions (e.g. [0.8, 0.2]) ≥ 0, got ${showValue(lengths)}`);
  }
  const n = dataset.length;
  const total = lengths.reduce((a, b) => a + b, 0);
  let sizes = [...lengths];
  // PyTorch's test for fractions: a sum within 1e-9 of 1, and not above it.
  if (Math.abs(total - 1) <= 1e-9 && total <= 1) {
    sizes = lengths.map((f) => Math.floor(n * f));
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length]! += 1;
  } else if (sizes.some((v) => !Number.isInteger(v))) {
    throw new ArgumentError('randomSplit', `lengths ${showValue(lengths)} mix fractions and sizes: give whole sizes that sum to ${n}, or fractions that sum to 1`);
  }
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (sum !== n) {
    throw new ArgumentError('randomSplit', `the lengths ${showValue(lengths)} sum to ${sum}, but the data set has ${n} samples; give sizes that sum to ${n}, or fractions that sum to 1`);
  }
  const perm = permutation('randomSplit', n, opts.generator, tensorRows(dataset)?.tensors[0]!.device, 'register a cpu backend (registerBackend(createCpuBackend())): randomSplit draws its permutation there');
  let offset = 0;
  return sizes.map((size) => {
    const part = new Subset(dataset, perm.slice(offset, offset + size));
    offset += size;
    return part;
  });
}
