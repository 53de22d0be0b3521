import {
  ArgumentError, DTypeError, ShapeError, Tensor, checkOptions, checkTensor, fmtShape, indexSelect, isBoolean, isName, randn, showValue, where,
  type Device, type OptionRule,
} from '@nn/core';
import { Module } from './module.js';

/** Options of `Embedding`. */
export interface EmbeddingOptions {
  /** A row whose output is that row as it is (zeros at construction) and which never gets a gradient, as PyTorch's `padding_idx`; negative counts from the end. */
  paddingIdx?: number | null;
  /** Device of the weight (default: core's default device). */
  device?: Device;
}

/** Options of `Embedding.fromPretrained`. */
export interface FromPretrainedOptions {
  /** Keep the weight out of training: it does not require grad (default true), as PyTorch's `freeze`. */
  freeze?: boolean;
  /** As `Embedding`'s option; the given row is kept as it is (not zeroed). */
  paddingIdx?: number | null;
}

const isIndex: OptionRule = { accepts: 'a whole number (a row; negative counts from the end) or null', ok: (v) => v === null || (typeof v === 'number' && Number.isInteger(v)) };

// The weight fromPretrained hands to the constructor (PyTorch's `_weight` argument), so that no
// random weight is drawn (and the seeded stream is not advanced) for a table that is replaced anyway.
let pretrainedWeight: Tensor | undefined;

/**
 * A lookup table, as PyTorch's `nn.Embedding`: `forward(indices)` gives row `weight[i]` for each int32
 * index, output shape `[...indices.shape, embeddingDim]`. The weight starts as N(0, 1) samples from core's
 * seeded generator. The lookup is core's `indexSelect`, whose backward adds each output's gradient into its
 * row, so only the rows used get a gradient (repeated indices accumulate); the `paddingIdx` row gets none.
 */
export class Embedding extends Module {
  /** Rows of the table (the vocabulary size). */
  readonly numEmbeddings: number;
  /** Length of each row. */
  readonly embeddingDim: number;
  /** The padding row (non-negative), or null. */
  readonly paddingIdx: number | null;

  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingOptions = {}) {
    super();
    for (const [name, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new ShapeError('Embedding', `${name} must be a whole number ≥ 0, got ${showValue(v)}; e.g. new Embedding(10000, 64) for 10,000 rows of 64 values`);
      }
    }
    checkOptions('Embedding', opts, { paddingIdx: isIndex, device: isName });
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    const pad = opts.paddingIdx ?? null;
    if (pad !== null && (pad >= numEmbeddings || pad < -numEmbeddings)) {
      throw new ArgumentError('Embedding', `paddingIdx ${pad} must be within numEmbeddings = ${numEmbeddings}: a row from ${-numEmbeddings} to ${numEmbeddings - 1}`);
    }
    this.paddingIdx = pad === null ? null : pad < 0 ? pad + numEmbeddings : pad;
    const given = pretrainedWeight;
    pretrainedWeight = undefined;
    const weight = given ?? randn([numEmbeddings, embeddingDim], opts.device ? { device: opts.device } : {});
    // PyTorch zeroes the padding row of a fresh table (not of a pretrained one); narrow writes through.
    if (!given && this.paddingIdx !== null) {
      const row = weight.narrow(0, this.paddingIdx, 1);
      row.zero_();
      row.dispose();
    }
    this.registerParameter('weight', weight);
  }

  /**
   * A table holding `embeddings` ([numEmbeddings, embeddingDim], float32), frozen unless `{ freeze: false }`,
   * as PyTorch's `Embedding.from_pretrained`. The weight is a copy-on-write snapshot of `embeddings` (no kernel):
   * training it leaves the caller's tensor alone (PyTorch's shares its storage).
   */
  static fromPretrained(embeddings: Tensor, opts: FromPretrainedOptions = {}): Embedding {
    checkTensor('Embedding.fromPretrained', embeddings, 'embeddings');
    checkOptions('Embedding.fromPretrained', opts, { freeze: isBoolean, paddingIdx: isIndex });
    if (embeddings.ndim !== 2) {
      throw new ShapeError('Embedding.fromPretrained', `embeddings must be 2-D [numEmbeddings, embeddingDim], got ${fmtShape(embeddings.shape)}`);
    }
    if (embeddings.dtype !== 'float32') {
      throw new DTypeError('Embedding.fromPretrained', `embeddings ${embeddings.describe()} is ${embeddings.dtype}; a table of vectors is float32: pass embeddings.float()`);
    }
    pretrainedWeight = embeddings.detach();
    let made: Embedding;
    try {
      made = new Embedding(embeddings.shape[0]!, embeddings.shape[1]!, {
        device: embeddings.device,
        ...(opts.paddingIdx !== undefined ? { paddingIdx: opts.paddingIdx } : {}),
      });
    } finally {
      // Still set when the constructor refused its arguments before taking it: free the snapshot.
      pretrainedWeight?.dispose();
      pretrainedWeight = undefined;
    }
    made.weight.requiresGrad = !(opts.freeze ?? true);
    return made;
  }

  /** The table, [numEmbeddings, embeddingDim]. */
  get weight(): Tensor {
    return this.param('weight');
  }

  /** The rows `indices` (int32, any shape) name: shape `[...indices.shape, embeddingDim]`. */
  forward(indices: Tensor): Tensor {
    checkTensor('Embedding', indices, 'input');
    if (indices.dtype !== 'int32') {
      throw new DTypeError(
        'Embedding',
        `input ${indices.describe()} is ${indices.dtype}; its values are row numbers and must be int32: use indices.int(), or make it with { dtype: 'int32' }`,
      );
    }
    const flat = indices.reshape([indices.size]);
    let rows: Tensor;
    try {
      rows = indexSelect(this.weight, 0, flat);
    } catch (e) {
      if (e instanceof ShapeError) throw new ShapeError('Embedding', `${e.message}; the input's values must be rows 0 to numEmbeddings − 1 = ${this.numEmbeddings - 1}`);
      throw e;
    }
    if (this.paddingIdx !== null) {
      // The padding positions read the row as it is but pass no gradient back: where() sends the
      // upstream gradient to `rows` only where the index is not paddingIdx, and the detached view
      // of the padding row takes none.
      const padRow = this.weight.detach().narrow(0, this.paddingIdx, 1);
      rows = where(flat.eq(this.paddingIdx).reshape([indices.size, 1]), padRow, rows);
    }
    return rows.reshape([...indices.shape, this.embeddingDim]);
  }

  override toString(): string {
    return `Embedding(${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''})`;
  }
}
