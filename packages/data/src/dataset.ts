import { ArgumentError, DeviceError, ShapeError, Tensor, checkTensor, fmtShape, narrow, showValue } from '@nn/core';

/**
 * One sample of a data set: a tensor, or a tuple of tensors (an input and its label, as
 * PyTorch's `TensorDataset` gives).
 */
export type Sample = Tensor | readonly Tensor[];

/** A map-style data set, as PyTorch's `torch.utils.data.Dataset`: `length` samples, read by position. */
export interface Dataset<S extends Sample = Sample> {
  /** The number of samples (PyTorch's `len(dataset)`). */
  readonly length: number;
  /** Sample `i`, for 0 ≤ i < length (PyTorch's `dataset[i]`). */
  get(i: number): S;
}

/** @internal Refuse a position outside [0, length) naming the data set and the fix. */
export function checkPosition(op: string, i: unknown, length: number): number {
  if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= length) {
    throw new ArgumentError(op, `index ${showValue(i)} is out of range for a data set of ${length} samples; positions run from 0 to ${length - 1} (negative positions are refused)`);
  }
  return i;
}

/**
 * Samples made of rows of tensors that share their first dim, as PyTorch's `TensorDataset`:
 * sample i is `[t0[i], t1[i], …]`. `get(i)` returns views (no copy); a DataLoader over it
 * gathers whole batches on the tensors' device.
 */
export class TensorDataset implements Dataset<Tensor[]> {
  /** The tensors, in the order given. */
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new ArgumentError('TensorDataset', 'needs at least one tensor, e.g. new TensorDataset(x, y)');
    tensors.forEach((t, k) => checkTensor('TensorDataset', t, `tensor ${k}`));
    const first = tensors[0]!;
    if (first.ndim === 0) throw new ShapeError('TensorDataset', `tensor 0 ${first.describe()} is 0-d; each tensor needs a first dim that counts the samples`);
    for (const [k, t] of tensors.entries()) {
      if (t.ndim === 0 || t.shape[0] !== first.shape[0]) {
        throw new ShapeError(
          'TensorDataset',
          `every tensor needs the same first dim (the number of samples): tensor 0 has ${fmtShape(first.shape)} but tensor ${k} has ${fmtShape(t.shape)}; ` +
            'give one row per sample in each',
        );
      }
      if (t.device !== first.device) {
        throw new DeviceError('TensorDataset', `tensor 0 is on '${first.device}' but tensor ${k} is on '${t.device}'; move them to one device with .to() first`);
      }
    }
    this.tensors = tensors;
  }

  /** The number of samples: the tensors' first dim. */
  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  /** Sample `i`: row i of each tensor, as views of them. */
  get(i: number): Tensor[] {
    checkPosition('TensorDataset.get', i, this.length);
    return this.tensors.map((t) => narrow(t, 0, i, 1).reshape(t.shape.slice(1)));
  }
}

/** The samples of `dataset` at `indices`, in that order, as PyTorch's `Subset` (what `randomSplit` returns). */
export class Subset<S extends Sample = Sample> implements Dataset<S> {
  /** The data set the samples come from. */
  readonly dataset: Dataset<S>;
  /** Their positions in it. */
  readonly indices: readonly number[];

  constructor(dataset: Dataset<S>, indices: readonly number[]) {
    checkDataset('Subset', dataset);
    if (!Array.isArray(indices)) throw new ArgumentError('Subset', `indices must be an array of positions, got ${showValue(indices)}`);
    for (const i of indices) checkPosition('Subset', i, dataset.length);
    this.dataset = dataset;
    this.indices = [...indices];
  }

  /** The number of positions. */
  get length(): number {
    return this.indices.length;
  }

  /** Sample `indices[i]` of the underlying data set. */
  get(i: number): S {
    return this.dataset.get(this.indices[checkPosition('Subset.get', i, this.length)]!);
  }
}

/** @internal Refuse what is not a data set (an object with a whole-number `length` and a `get` method). */
export function checkDataset<S extends Sample>(op: string, dataset: unknown): Dataset<S> {
  const d = dataset as Partial<Dataset<S>> | null;
  if (d === null || typeof d !== 'object' || typeof d.get !== 'function' || typeof d.length !== 'number' || !Number.isInteger(d.length) || d.length < 0) {
    throw new ArgumentError(op, `expected a data set (an object with a whole-number length and a get(i) method, e.g. new TensorDataset(x, y)), got ${showValue(dataset)}`);
  }
  return d as Dataset<S>;
}

/**
 * @internal A data set whose samples are rows of tensors: a TensorDataset, or Subsets of one
 * (nested), as the base tensors and the positions in them (null: all, in order).
 */
export function tensorRows(dataset: Dataset): { tensors: readonly Tensor[]; rows: number[] | null } | null {
  // A subclass that overrides get(i) (a transform, say) is read through it, as PyTorch calls __getitem__.
  if (dataset instanceof TensorDataset && dataset.get === TensorDataset.prototype.get) return { tensors: dataset.tensors, rows: null };
  if (dataset instanceof Subset && dataset.get === Subset.prototype.get) {
    const inner = tensorRows(dataset.dataset);
    if (!inner) return null;
    return { tensors: inner.tensors, rows: dataset.indices.map((i) => (inner.rows ? inner.rows[i]! : i)) };
  }
  return null;
}
