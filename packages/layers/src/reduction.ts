import { ArgumentError, ShapeError, Tensor, checkTensor, fmtShape, sameShape, showValue } from '@nn/core';

/** How a loss reduces its elementwise terms: averaged, summed, or returned as they are. */
export type Reduction = 'mean' | 'sum' | 'none';

/** @internal Reduce per-element losses as `reduction` says. */
export function reduceLoss(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? loss.sum() : loss.mean();
}

/** @internal Check a loss's input and target: tensors of one shape (no silent broadcasting, where PyTorch only warns). */
export function checkPair(op: string, input: unknown, target: unknown): [Tensor, Tensor] {
  const x = checkTensor(op, input, 'input');
  const y = checkTensor(op, target, 'target');
  if (!sameShape(x.shape, y.shape)) {
    throw new ShapeError(
      op,
      `input ${fmtShape(x.shape)} and target ${fmtShape(y.shape)} differ; broadcasting them would compare every pair — reshape one to match`,
    );
  }
  return [x, y];
}

/** @internal An optional per-element or per-class weight: a tensor or undefined. */
export function checkWeight(op: string, name: string, w: unknown): Tensor | undefined {
  if (w === undefined || w === null) return undefined;
  if (!(w instanceof Tensor)) throw new ArgumentError(op, `option ${name} must be a tensor, got ${showValue(w)}; e.g. { ${name}: tensor([1, 2]) }`);
  return w;
}
