import { ShapeError } from '../errors.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { result, sameDevice } from './record.js';
import { reshape } from './shape.js';
import { checkTensor } from '../validate.js';

/**
 * op(a) · op(b) where op transposes when asked. The backward pass uses the
 * transposed forms so it never materialises a transpose:
 * for C = A·B, dA = G·Bᵀ and dB = Aᵀ·G.
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
  return result(op, be.matmul(a.handle(op), b.handle(op), transA, transB), [a, b], {
    attrs: { transA, transB },
    saves: ['a', 'b'],
    backward: (g) => {
      const ga = a.requiresGrad
        ? transA
          ? matmulT(b, g, transB, true)
          : matmulT(g, b, false, !transB)
        : null;
      const gb = b.requiresGrad
        ? transB
          ? matmulT(g, a, true, transA)
          : matmulT(a, g, !transA, false)
        : null;
      return [ga, gb];
    },
  });
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
  if (a.ndim === 1 && b.ndim === 2) return reshape(matmulT(reshape(a, [1, a.shape[0]!]), b, false, false, 'matmul'), [b.shape[1]!]);
  if (a.ndim === 2 && b.ndim === 1) return reshape(matmulT(a, reshape(b, [b.shape[0]!, 1]), false, false, 'matmul'), [a.shape[0]!]);
  if (a.ndim === 1 && b.ndim === 1) return reshape(matmulT(reshape(a, [1, a.shape[0]!]), reshape(b, [b.shape[0]!, 1]), false, false, 'matmul'), []);
  throw new ShapeError('matmul', `supports 1-D and 2-D operands, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
}
