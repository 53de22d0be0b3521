import type { Backend, Handle } from '../backend.js';
import { ShapeError } from '../errors.js';
import { fmtShape, sameShape, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { Forward } from './opdef.js';
import { ownIntermediates, record, sameDevice } from './record.js';
import { reshape } from './shape.js';
import { expandView, isRowMajor } from '../view.js';
import { checkTensor } from '../validate.js';

/** @internal The forward of every 2-D matrix product: the backend's matmul with its transposes. */
export const mmForward: Forward<'mm'> = (be, [a, b], { transA, transB }) => be.matmul(a!, b!, transA, transB);

/**
 * @internal The forward of every batched product: each operand's batch dims are
 * broadcast to the common batch by a stride-0 view (a broadcast operand is never
 * copied), then one backend call multiplies the whole batch.
 */
export const bmmForward: Forward<'bmm'> = (be, [a, b], { transA, transB }) => {
  const batch = batchOf(a!.shape, b!.shape)!;
  const av = batchView(be, a!, batch);
  const bv = batchView(be, b!, batch);
  try {
    return be.matmul(av, bv, transA, transB);
  } finally {
    // The views were only the kernel's way of reading a and b: the result holds its own buffer.
    if (av !== a) be.free(av);
    if (bv !== b) be.free(bv);
  }
};

// `h` (a matrix or a batch of them) seen with the batch dims `batch`: itself, or an expand view.
function batchView(be: Backend, h: Handle, batch: Shape): Handle {
  const shape = [...batch, ...h.shape.slice(-2)];
  return sameShape(h.shape, shape) ? h : be.retain(h, expandView(h, shape));
}

// The broadcast of two operands' batch dims (all but their last two), or undefined where they do not broadcast.
function batchOf(a: Shape, b: Shape): number[] | undefined {
  const ba = a.slice(0, -2);
  const bb = b.slice(0, -2);
  const n = Math.max(ba.length, bb.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = ba[ba.length - n + i] ?? 1;
    const db = bb[bb.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(da === 1 ? db : da);
  }
  return out;
}

// An operand's shape as the messages of matmulT show it: `[2, 3]`, or `[3, 2]ᵀ` when transposed.
function operandLabel(t: Tensor, trans: boolean): string {
  return trans ? `${fmtShape(t.shape)}ᵀ` : fmtShape(t.shape);
}

/**
 * op(a) · op(b) where op transposes (a batch of matrices: its last two dims).
 * The backward pass (defs/linalg.ts) uses the transposed forms so it never
 * materialises a transpose: for C = A·B, dA = G·Bᵀ and dB = Aᵀ·G. 2-D operands
 * record the id `mm`, N-d ones `bmm` (batch dims broadcast, as `torch.matmul`),
 * under the name the caller gives (`mm`, `matmul`, `bmm`, @nn/layers' `Linear`).
 */
export function matmulT(a: Tensor, b: Tensor, transA: boolean, transB: boolean, op = 'mm'): Tensor {
  checkTensor(op, a, 'the first operand');
  checkTensor(op, b, 'the second operand');
  const be = sameDevice(op, a, b);
  if (a.ndim < 2 || b.ndim < 2) {
    throw new ShapeError(
      op,
      `expects matrices (2-D) or batches of matrices (N-d), got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}; ` +
        `use matmul for 1-D operands, or .reshape() to make them matrices`,
    );
  }
  const k1 = transA ? a.shape[a.ndim - 2]! : a.shape[a.ndim - 1]!;
  const k2 = transB ? b.shape[b.ndim - 1]! : b.shape[b.ndim - 2]!;
  if (k1 !== k2) {
    throw new ShapeError(
      op,
      `inner sizes differ: ${operandLabel(a, transA)} · ${operandLabel(b, transB)} needs the first operand's columns (${k1}) to equal the second's rows (${k2}); ` +
        `an (m×k)·(k×n) product gives m×n — check the order of the operands or transpose one with ${a.ndim > 2 || b.ndim > 2 ? '.transpose(-2, -1)' : '.t()'}`,
    );
  }
  const attrs = { transA, transB };
  if (a.ndim === 2 && b.ndim === 2) return record('mm', mmForward(be, [a.handle(op), b.handle(op)], attrs), [a, b], attrs, op);
  if (!batchOf(a.shape, b.shape)) {
    throw new ShapeError(
      op,
      `the batch dims (all but the last two) of ${operandLabel(a, transA)} and ${operandLabel(b, transB)} do not broadcast: ${fmtShape(a.shape.slice(0, -2))} against ${fmtShape(b.shape.slice(0, -2))}; ` +
        `each pair of batch sizes (aligned from the right) must be equal or one of them 1 — check the shapes, or .expand()/.reshape() an operand`,
    );
  }
  // A row-major batch times one matrix is one 2-D product of all its rows (as PyTorch folds it):
  // the gemm's fast path, and a weight's gradient is one product, not a batch summed.
  if (b.ndim === 2 && !transA && isRowMajor(a.handle(op))) return foldedProduct(a, b, transB, op);
  return record('bmm', bmmForward(be, [a.handle(op), b.handle(op)], attrs), [a, b], attrs, op);
}

// a [..., m, k] (row-major) · op(b) as the 2-D product [(...·m), k] · op(b), seen back as [..., m, n].
function foldedProduct(a: Tensor, b: Tensor, transB: boolean, op: string): Tensor {
  const k = a.shape[a.ndim - 1]!;
  const made: Tensor[] = [];
  let out: Tensor | undefined;
  try {
    const a2 = reshape(a, [a.shape.slice(0, -1).reduce((x, y) => x * y, 1), k]);
    made.push(a2);
    const p = matmulT(a2, b, false, transB, op);
    made.push(p);
    out = reshape(p, [...a.shape.slice(0, -1), p.shape[1]!]);
  } finally {
    ownIntermediates(out, made);
  }
  // Assigned: had a step thrown, the finally block would have rethrown.
  return out!;
}

/** Matrix product of two 2-D tensors, as `torch.mm`. */
export function mm(a: Tensor, b: Tensor): Tensor {
  checkTensor('mm', a, 'the first operand');
  checkTensor('mm', b, 'the second operand');
  if (a.ndim !== 2 || b.ndim !== 2) {
    const batched = a.ndim > 2 || b.ndim > 2;
    throw new ShapeError(
      'mm',
      `expects 2-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}; ` +
        (batched ? 'use matmul (batch dims broadcast) or bmm (3-D, equal batches) for batches of matrices' : 'use .reshape() to make them matrices, or matmul for 1-D operands'),
    );
  }
  return matmulT(a, b, false, false, 'mm');
}

/** Batched matrix product of two 3-D tensors [b, m, k]·[b, k, n] → [b, m, n], as `torch.bmm` (no broadcasting). */
export function bmm(a: Tensor, b: Tensor): Tensor {
  checkTensor('bmm', a, 'the first operand');
  checkTensor('bmm', b, 'the second operand');
  if (a.ndim !== 3 || b.ndim !== 3) {
    throw new ShapeError(
      'bmm',
      `expects 3-D tensors [batch, m, k] and [batch, k, n], got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}; ` +
        'use matmul for other ranks (it broadcasts batch dims), or .unsqueeze(0)/.reshape() to make a 3-D batch',
    );
  }
  if (a.shape[0] !== b.shape[0]) {
    throw new ShapeError(
      'bmm',
      `batch sizes differ: ${fmtShape(a.shape)} · ${fmtShape(b.shape)} has ${a.shape[0]} and ${b.shape[0]} matrices; ` +
        'bmm pairs them one to one and does not broadcast — use matmul to broadcast a batch of 1, or .expand() an operand',
    );
  }
  return matmulT(a, b, false, false, 'bmm');
}

/**
 * Matrix product with `torch.matmul`'s rules for every rank: 1-D·1-D is the dot
 * product, a 1-D operand is a row (left) or column (right) whose dim is dropped
 * from the result, 2-D is `mm`, and N-d operands are batches of matrices whose
 * batch dims broadcast ([2,1,3,4]·[5,4,6] → [2,5,3,6]).
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('matmul', a, 'the first operand');
  checkTensor('matmul', b, 'the second operand');
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError('matmul', `both operands need at least 1 dim, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}; use mul for a product with a scalar`);
  }
  if (a.ndim >= 2 && b.ndim >= 2) return matmulT(a, b, false, false, 'matmul');
  // Checked here so the message shows the caller's shapes, not the promoted ones.
  const ka = a.shape[a.ndim - 1]!;
  const kb = b.ndim === 1 ? b.shape[0]! : b.shape[b.ndim - 2]!;
  if (ka !== kb) {
    throw new ShapeError(
      'matmul',
      `inner sizes differ: ${fmtShape(a.shape)} · ${fmtShape(b.shape)} needs the first operand's last dim (${ka}) to equal the second's ` +
        `${b.ndim === 1 ? 'size' : 'second-to-last dim'} (${kb}) — check the order of the operands`,
    );
  }
  // A 1-D operand is a row (left) or a column (right); the product's extra dim is dropped.
  // The reshaped operands and the product are views/intermediates the output owns.
  const a2 = a.ndim === 1 ? reshape(a, [1, ka]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [kb, 1]) : b;
  const made: Tensor[] = [];
  if (a2 !== a) made.push(a2);
  if (b2 !== b) made.push(b2);
  let out: Tensor | undefined;
  try {
    const p = matmulT(a2, b2, false, false, 'matmul');
    made.push(p);
    const shape = p.shape.filter((_, i) => !(a.ndim === 1 && i === p.ndim - 2) && !(b.ndim === 1 && i === p.ndim - 1));
    out = reshape(p, shape);
  } finally {
    ownIntermediates(out, made);
  }
  // Assigned: had a step thrown, the finally block would have rethrown.
  return out!;
}
