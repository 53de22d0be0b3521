import { ShapeError } from '../errors.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { Forward } from './opdef.js';
import { ownIntermediates, record, sameDevice } from './record.js';
import { reshape } from './shape.js';
import { checkTensor } from '../validate.js';

/** @internal The forward of every matrix product: the backend's matmul with its transposes. */
export const mmForward: Forward<'mm'> = (be, [a, b], { transA, transB }) => be.matmul(a!, b!, transA, transB);

/**
 * op(a) · op(b) where op transposes when asked. The backward pass (defs/linalg.ts)
 * uses the transposed forms so it never materialises a transpose:
 * for C = A·B, dA = G·Bᵀ and dB = Aᵀ·G. Every product records the id `mm`
 * under the name the caller gives (`mm`, `matmul`, @nn/layers' `Linear`).
 */
export function matmulT(a: Tensor, b: Tensor, transA: boolean, transB: boolean, op = 'mm'): Tensor {
  checkTensor(op, a, 'the first operand');
  checkTensor(op, b, 'the second operand');
  const be = sameDevice(op, a, b);
  if (a.ndim !== 2 || b.ndim !== 2) {
    throw new ShapeError(op, `expects 2-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}; use .reshape() to make them matrices`);
  }
  const k1 = transA ? a.shape[0]! : a.shape[1]!;
  const k2 = transB ? b.shape[1]! : b.shape[0]!;
  if (k1 !== k2) {
    const la = transA ? `${fmtShape(a.shape)}ᵀ` : fmtShape(a.shape);
    const lb = transB ? `${fmtShape(b.shape)}ᵀ` : fmtShape(b.shape);
    throw new ShapeError(
      op,
      `inner sizes differ: ${la} · ${lb} needs the first operand's columns (${k1}) to equal the second's rows (${k2}); ` +
        `an (m×k)·(k×n) product gives m×n — check the order of the operands or transpose one with .t()`,
    );
  }
  const attrs = { transA, transB };
  return record('mm', mmForward(be, [a.handle(op), b.handle(op)], attrs), [a, b], attrs, op);
}

/** Matrix product of two 2-D tensors, as `torch.mm`. */
export function mm(a: Tensor, b: Tensor): Tensor {
  return matmulT(a, b, false, false, 'mm');
}

/** Matrix product; 1-D operands are treated as a row (left) or column (right) vector, as `torch.matmul`. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('matmul', a, 'the first operand');
  checkTensor('matmul', b, 'the second operand');
  if (a.ndim === 2 && b.ndim === 2) return matmulT(a, b, false, false, 'matmul');
  if (a.ndim > 2 || b.ndim > 2 || a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError('matmul', `supports 1-D and 2-D operands, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  // A 1-D operand is a row (left) or a column (right); the product's extra dim is dropped.
  // The reshaped operands and the 2-D product are views/intermediates the output owns.
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  const made: Tensor[] = [];
  if (a2 !== a) made.push(a2);
  if (b2 !== b) made.push(b2);
  let out: Tensor | undefined;
  try {
    const p = matmulT(a2, b2, false, false, 'matmul');
    made.push(p);
    const shape = [...(a.ndim === 2 ? [a.shape[0]!] : []), ...(b.ndim === 2 ? [b.shape[1]!] : [])];
    out = reshape(p, shape);
  } finally {
    ownIntermediates(out, made);
  }
  // Assigned: had a step thrown, the finally block would have rethrown.
  return out!;
}
