import type { Device } from '../backend.js';
import { tensor } from '../creation.js';
import { ArgumentError, DTypeError, ShapeError } from '../errors.js';
import { fmtShape } from '../shape.js';
import { Tensor, type NestedArray } from '../tensor.js';
import { checkDim, checkTensor, showValue } from '../validate.js';
import type { Forward } from './opdef.js';
import { ownIntermediates, record, sameDevice } from './record.js';

// gather, indexSelect and scatterAdd: reading and adding at positions that an
// index names. Indices are int32 tensors or plain number arrays, never wrapped:
// a negative or too large index is refused, as in PyTorch.

/** An index argument: an int32 tensor, or numbers (nested as the index's shape). */
export type IndexLike = Tensor | NestedArray;

/** An index argument as a tensor: `made` when it was uploaded from numbers (the caller owns it), with those numbers as `host`. */
interface IndexArg {
  t: Tensor;
  made: boolean;
  host: number[] | null;
}

// The numbers of a nested array, row-major (tensor() has checked they are whole and nested evenly).
function flatNumbers(v: NestedArray, out: number[] = []): number[] {
  if (Array.isArray(v)) for (const x of v) flatNumbers(x, out);
  else out.push(v);
  return out;
}

/**
 * @internal The index as an int32 tensor on `device`. A float32 tensor is refused: its values
 * may not be whole. Numbers are uploaded once and kept on the host too, for the range check.
 */
export function indexTensor(op: string, index: unknown, device: Device): IndexArg {
  if (index instanceof Tensor) {
    checkTensor(op, index, 'index');
    if (index.dtype !== 'int32') {
      throw new DTypeError(op, `index ${index.describe()} is ${index.dtype}; indices must be int32: use index.int(), or make it with { dtype: 'int32' }`);
    }
    return { t: index, made: false, host: null };
  }
  if (typeof index === 'number' || Array.isArray(index)) {
    try {
      const t = tensor(index as NestedArray, { dtype: 'int32', device });
      return { t, made: true, host: flatNumbers(index as NestedArray) };
    } catch (e) {
      // tensor() names itself; the caller asked for op, so the error names op.
      if (e instanceof DTypeError) throw new DTypeError(op, `the index: ${e.message}`);
      if (e instanceof ShapeError) throw new ShapeError(op, `the index: ${e.message}`);
      throw e;
    }
  }
  throw new ArgumentError(op, `index must be an int32 Tensor or an array of whole numbers, got ${showValue(index)}`);
}

/**
 * @internal Refuse an index value outside [0, size) naming its position and the dim. It needs
 * the values on the host: numbers given as an array are; an index tensor is read back where
 * the backend reads synchronously. On a backend that reads only asynchronously (WebGPU) an
 * index tensor is not checked, and an out-of-range index reads an unspecified value there.
 */
function checkIndexValues(op: string, index: IndexArg, dim: number, size: number, of: Tensor): void {
  const b = index.t.backend(op);
  if (!index.host && !b.readSync) return;
  const values = index.host ?? b.readSync!(index.t.handle(op));
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0 || v >= size) {
      throw new ShapeError(op, `index ${v} (element ${i} of the index) is out of bounds for dim ${dim} of size ${size} of ${of.describe()}; indices run from 0 to ${size - 1} (negative indices are refused, as in PyTorch)`);
    }
  }
}

// The checks gather and scatterAdd share: same rank, and index no larger than `x` outside dim.
function checkIndexShape(op: string, x: Tensor, index: Tensor, dim: number, name: string): void {
  if (index.ndim !== x.ndim) {
    throw new ShapeError(op, `index ${fmtShape(index.shape)} must have as many dims as ${name} ${fmtShape(x.shape)} (${x.ndim}); reshape or unsqueeze the index`);
  }
  for (let d = 0; d < x.ndim; d++) {
    if (d !== dim && index.shape[d]! > x.shape[d]!) {
      throw new ShapeError(op, `index ${fmtShape(index.shape)} is larger than ${name} ${fmtShape(x.shape)} at dim ${d} (${index.shape[d]} > ${x.shape[d]}); only dim ${dim} may differ`);
    }
  }
}

// The checks gather and indexSelect open with, in this order: the input is a tensor of rank
// ≥ 1, dim is one of its dims (returned non-negative), the index becomes an int32 tensor.
// (scatterAdd checks src between the first two, so it keeps its own.)
function indexArgs(op: string, verb: string, x: Tensor, dim: number, index: IndexLike): { d: number; arg: IndexArg } {
  checkTensor(op, x, 'the input');
  if (x.ndim === 0) throw new ShapeError(op, `cannot ${verb} a 0-d tensor ${x.describe()}; reshape it to [1] first`);
  const d = checkDim(op, dim, x.ndim);
  return { d, arg: indexTensor(op, index, x.device) };
}

/** Values of `x` picked along `dim` by `index` (same rank; out[i][j] = x[i][index[i][j]] for dim 1), as `torch.gather`. */
export function gather(x: Tensor, dim: number, index: IndexLike): Tensor {
  const { d, arg } = indexArgs('gather', 'gather from', x, dim, index);
  const { t: idx, made } = arg;
  let out: Tensor | undefined;
  try {
    const be = sameDevice('gather', x, idx);
    checkIndexShape('gather', x, idx, d, 'the input');
    checkIndexValues('gather', arg, d, x.shape[d]!, x);
    const attrs = { dim: d };
    out = record('gather', gatherForward(be, [x.handle('gather'), idx.handle('gather')], attrs), [x, idx], attrs);
  } finally {
    ownIntermediates(out, made ? [idx] : []);
  }
  return out!;
}

/** The entries of `x` along `dim` at the positions `index` (1-D) lists, as `torch.index_select`. */
export function indexSelect(x: Tensor, dim: number, index: IndexLike): Tensor {
  const { d, arg } = indexArgs('indexSelect', 'select from', x, dim, index);
  const { t: idx, made } = arg;
  const made2: Tensor[] = made ? [idx] : [];
  let out: Tensor | undefined;
  try {
    const be = sameDevice('indexSelect', x, idx);
    if (idx.ndim > 1) throw new ShapeError('indexSelect', `index must be 1-D (or 0-d), got ${fmtShape(idx.shape)}; flatten it first`);
    checkIndexValues('indexSelect', arg, d, x.shape[d]!, x);
    // index_select is gather with the index laid along dim and repeated over the other dims:
    // a stride-0 view of the index (no copy), so its backward is gather's (a scatterAdd).
    const k = idx.size;
    const shape = x.shape.map((n, i) => (i === d ? k : n));
    const ih = idx.handle('indexSelect');
    const strides = shape.map((_, i) => (i === d && idx.ndim === 1 ? ih.strides[0]! : 0));
    const spread = new Tensor(be.retain(ih, { shape, strides, offset: ih.offset }), null, 'int32');
    made2.push(spread);
    const attrs = { dim: d };
    out = record('gather', gatherForward(be, [x.handle('indexSelect'), spread.handle('indexSelect')], attrs), [x, spread], attrs, 'indexSelect');
  } finally {
    ownIntermediates(out, made2);
  }
  return out!;
}

/**
 * `x` plus each `src` value added along `dim` at the position `index` names, as
 * `torch.Tensor.scatter_add` (out of place; repeated indices accumulate).
 */
export function scatterAdd(x: Tensor, dim: number, index: IndexLike, src: Tensor): Tensor {
  checkTensor('scatterAdd', x, 'the input');
  checkTensor('scatterAdd', src, 'src');
  if (x.ndim === 0) throw new ShapeError('scatterAdd', `cannot scatter into a 0-d tensor ${x.describe()}; reshape it to [1] first`);
  const d = checkDim('scatterAdd', dim, x.ndim);
  // The result keeps x's dtype: float32 values added into an int32 x would leave fractions in an int32 tensor.
  if (x.dtype === 'int32' && src.dtype !== 'int32') {
    throw new DTypeError('scatterAdd', `${x.describe()} is int32 but src ${src.describe()} is ${src.dtype} (PyTorch refuses a src of another dtype too); use src.int(), or x.float() first`);
  }
  const arg = indexTensor('scatterAdd', index, x.device);
  const { t: idx, made } = arg;
  let out: Tensor | undefined;
  try {
    const be = sameDevice('scatterAdd', x, idx, src);
    checkIndexShape('scatterAdd', x, idx, d, 'the input');
    if (src.ndim !== idx.ndim || idx.shape.some((n, i) => n > src.shape[i]!)) {
      throw new ShapeError('scatterAdd', `index ${fmtShape(idx.shape)} must be no larger than src ${fmtShape(src.shape)} in any dim, with as many dims`);
    }
    checkIndexValues('scatterAdd', arg, d, x.shape[d]!, x);
    const attrs = { dim: d };
    out = record('scatterAdd', scatterAddForward(be, [x.handle('scatterAdd'), idx.handle('scatterAdd'), src.handle('scatterAdd')], attrs), [x, idx, src], attrs);
  } finally {
    ownIntermediates(out, made ? [idx] : []);
  }
  return out!;
}

/**
 * @internal gather and scatterAdd for the backward passes, whose index was checked when the
 * forward ran (no second readback of it): shapes hold by construction, nothing is recorded.
 */
export function gatherChecked(x: Tensor, dim: number, index: Tensor): Tensor {
  return new Tensor(gatherForward(x.backend('gather'), [x.handle('gather'), index.handle('gather')], { dim }), null, x.dtype);
}

/** @internal See gatherChecked. */
export function scatterAddChecked(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const h = scatterAddForward(x.backend('scatterAdd'), [x.handle('scatterAdd'), index.handle('scatterAdd'), src.handle('scatterAdd')], { dim });
  return new Tensor(h, null, x.dtype);
}

/** @internal The forward of gather (and indexSelect): inputs [x, index]. */
export const gatherForward: Forward<'gather'> = (be, [x, index], { dim }) => be.gather(x!, dim, index!);

/** @internal The forward of scatterAdd: inputs [x, index, src]. */
export const scatterAddForward: Forward<'scatterAdd'> = (be, [x, index, src], { dim }) => be.scatterAdd(x!, dim, index!, src!);
