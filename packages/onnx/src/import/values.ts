import { FormatError, type Tensor } from '@nn/core';

/**
 * Integer data the graph computes with on the host, never on a device: shapes, axes, indices (int64
 * in the file). torch's exporter emits Shape → Gather → Unsqueeze → Concat → Reshape for `x.view(x.size(0), -1)`.
 */
export interface Ints {
  readonly ints: readonly number[];
  readonly dims: readonly number[];
}

/** What flows along a graph edge: a float tensor, or integers kept as numbers. */
export type Value = Tensor | Ints;

/** Whether `v` is host integers rather than a tensor. */
export function isInts(v: Value): v is Ints {
  return (v as Ints).ints !== undefined;
}

/** The input's tensor, or an error naming the node and the input when it is integers or missing. */
export function tensorArg(v: Value | undefined, where: string, what: string): Tensor {
  if (v === undefined) throw new FormatError('importOnnx', `${where}: input ${what} is missing; the node needs it — the file is malformed, export it again`);
  if (isInts(v)) {
    throw new FormatError('importOnnx', `${where}: input ${what} is integer data [${v.ints.slice(0, 8).join(', ')}${v.ints.length > 8 ? ', …' : ''}], nn computes this op on float tensors only; export the model so integers stay in shape computations`);
  }
  return v;
}

/** The input's integers (a shape, axes), or an error naming the node when it is a computed float tensor or missing. */
export function intsArg(v: Value | undefined, where: string, what: string): Ints {
  if (v === undefined) throw new FormatError('importOnnx', `${where}: input ${what} is missing; the file is malformed, export it again`);
  if (!isInts(v)) {
    throw new FormatError('importOnnx', `${where}: input ${what} must be integers known without running a kernel (a shape or axes), got a float tensor ${v.describe()}; export with do_constant_folding=True so shapes are constants`);
  }
  return v;
}
