import {
  ArgumentError, Generator, checkOptions, dispose, indexSelect, isBoolean, keep, narrow, scope, stack, type Device, type OptionRule, type Tensor,
} from '@nn/core';
import { checkDataset, checkPosition, tensorRows, type Dataset, type Sample } from './dataset.js';
import { permutation, permutationAsync } from './permutation.js';

/** A batch: the samples' tensors stacked along a new first dim (a tuple when the samples are tuples). */
export type Batch<S extends Sample> = S extends Tensor ? Tensor : Tensor[];

/** Options of `DataLoader`. */
export interface DataLoaderOptions {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Draw a new order every epoch (default false: the data set's order). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** The generator shuffles draw from (default: the global one that manualSeed seeds). */
  generator?: Generator;
  /** The positions to read, in order, each epoch (instead of shuffle), as PyTorch's `sampler`. */
  sampler?: Iterable<number>;
}

const isPositiveInt: OptionRule = { accepts: 'a whole number ≥ 1', ok: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 };
const isGenerator: OptionRule = { accepts: 'a Generator (new Generator().manualSeed(seed))', ok: (v) => v instanceof Generator };
const isIterable: OptionRule = {
  accepts: 'an iterable of positions, e.g. an array',
  ok: (v) => v !== null && typeof v === 'object' && typeof (v as Iterable<number>)[Symbol.iterator] === 'function',
};
const rules = { batchSize: isPositiveInt, shuffle: isBoolean, dropLast: isBoolean, generator: isGenerator, sampler: isIterable };

/**
 * Batches of a data set, as PyTorch's `DataLoader`: iterate it (`for … of`, or `for await`)
 * once per epoch. Over a TensorDataset (or a Subset of one) each epoch gathers the data set's
 * tensors once in the epoch's order with `indexSelect` on their device (one upload: the
 * order, as numbers), and every batch is a view of that copy: no upload per batch, and none
 * at all without shuffle. Other data sets are read with `get(i)` and stacked.
 *
 * A batch lives until the loader draws the next one (or the loop ends, `break` included):
 * the loader frees it then, so a training loop's memory stays flat; `clone()` a batch to keep it.
 */
export class DataLoader<S extends Sample = Sample> implements Iterable<Batch<S>>, AsyncIterable<Batch<S>> {
  /** The data set the batches come from. */
  readonly dataset: Dataset<S>;
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch draws a new order. */
  readonly shuffle: boolean;
  /** Whether a last, smaller batch is dropped. */
  readonly dropLast: boolean;
  /** The generator shuffles draw from, or undefined for the global one. */
  readonly generator: Generator | undefined;
  private readonly sampler: Iterable<number> | undefined;

  constructor(dataset: Dataset<S>, opts: DataLoaderOptions = {}) {
    this.dataset = checkDataset('DataLoader', dataset);
    checkOptions('DataLoader', opts, rules);
    if (opts.shuffle && opts.sampler) {
      throw new ArgumentError('DataLoader', 'sampler and shuffle: true exclude each other (as in PyTorch): a sampler already gives the order; drop one of them');
    }
    this.batchSize = opts.batchSize ?? 1;
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.generator = opts.generator;
    this.sampler = opts.sampler;
  }

  /** The number of batches per epoch (PyTorch's `len(loader)`). */
  get length(): number {
    const n = this.sampler ? [...this.sampler].length : this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** One epoch of batches. */
  [Symbol.iterator](): Iterator<Batch<S>> {
    return this.batches(this.order(() => permutation('DataLoader', this.dataset.length, this.generator, this.dataDevice(), 'iterate with `for await (const batch of loader)`, or register a cpu backend (registerBackend(createCpuBackend()))')));
  }

  /** One epoch of batches, for `for await` (reads a permutation asynchronously where only that works: WebGPU without a cpu backend). */
  async *[Symbol.asyncIterator](): AsyncIterator<Batch<S>> {
    const perm = this.shuffle && !this.sampler ? await permutationAsync(this.dataset.length, this.generator, this.dataDevice()) : [];
    yield* this.batches(this.order(() => perm));
  }

  // The positions of one epoch: the sampler's, a seeded permutation, or 0..n-1.
  private order(perm: () => number[]): number[] {
    const n = this.dataset.length;
    if (this.sampler) return [...this.sampler].map((i) => checkPosition('DataLoader (sampler)', i, n));
    if (!this.shuffle) return Array.from({ length: n }, (_, i) => i);
    return perm();
  }

  // The device of the data set's tensors, where a permutation is drawn if there is no cpu backend.
  private dataDevice(): Device | undefined {
    return tensorRows(this.dataset)?.tensors[0]!.device;
  }

  // Cut `order` into batches: views of one gathered copy for tensor rows, else stacked samples.
  private *batches(order: number[]): Generator_<Batch<S>> {
    const size = this.batchSize;
    const count = this.dropLast ? Math.floor(order.length / size) : Math.ceil(order.length / size);
    const rows = tensorRows(this.dataset);
    const owned: Tensor[] = [];
    let batch: Tensor[] = [];
    try {
      if (rows) {
        const positions = rows.rows ? order.map((i) => rows.rows![i]!) : order;
        const whole = rows.tensors[0]!.shape[0]!;
        // In order and complete: no gather; the epoch's copy is a copy-on-write snapshot (detach: no
        // kernel for a dense tensor), so that an in-place op on a batch (a narrow view, which writes
        // through) changes that copy, not the data set, as PyTorch's collated batches. A tensor that
        // requires grad is used as it is: autograd already refuses in-place ops on views of it.
        const inOrder = positions.length === whole && positions.every((p, i) => p === i);
        const source = rows.tensors.map((t) => (inOrder ? (t.requiresGrad ? t : keep(t.detach())) : keep(indexSelect(t, 0, positions))));
        owned.push(...source.filter((s, k) => s !== rows.tensors[k]));
        for (let b = 0; b < count; b++) {
          const start = b * size;
          const len = Math.min(size, positions.length - start);
          batch = source.map((t) => keep(narrow(t, 0, start, len)));
          yield shapeLike<S>(batch, true);
          dispose(batch);
          batch = [];
        }
      } else {
        for (let b = 0; b < count; b++) {
          const picks = order.slice(b * size, b * size + size);
          const { tensors, single } = collate(this.dataset, picks);
          batch = tensors;
          yield shapeLike<S>(batch, !single);
          dispose(batch);
          batch = [];
        }
      }
    } finally {
      dispose(batch);
      dispose(owned);
    }
  }

  /** Describes the loader: `DataLoader(batches=29, batchSize=64, shuffle=true, dropLast=false)`. */
  toString(): string {
    return `DataLoader(batches=${this.length}, batchSize=${this.batchSize}, shuffle=${this.shuffle}, dropLast=${this.dropLast})`;
  }
}

type Generator_<T> = globalThis.Generator<T, void, undefined>;

// A batch as the sample's form: a tuple of tensors, or one tensor.
function shapeLike<S extends Sample>(tensors: Tensor[], tuple: boolean): Batch<S> {
  return (tuple ? tensors : tensors[0]!) as Batch<S>;
}

// Read the samples at `picks` and stack them; tensors that get(i) made are freed, the stacked ones kept.
function collate(dataset: Dataset, picks: readonly number[]): { tensors: Tensor[]; single: boolean } {
  let single = false;
  const tensors = scope(() => {
    const samples = picks.map((i) => dataset.get(i));
    single = !Array.isArray(samples[0]);
    if (single) return [stack(samples as Tensor[], 0)];
    const first = samples[0] as readonly Tensor[];
    return first.map((_, k) =>
      stack(
        samples.map((s, j) => {
          const t = (s as readonly Tensor[])[k];
          if (!Array.isArray(s) || s.length !== first.length) {
            throw new ArgumentError('DataLoader', `sample ${picks[j]} has ${Array.isArray(s) ? s.length : 'no'} tensors but sample ${picks[0]} has ${first.length}; every sample needs the same form`);
          }
          return t!;
        }),
        0,
      ),
    );
  });
  for (const t of tensors) keep(t);
  return { tensors, single };
}
