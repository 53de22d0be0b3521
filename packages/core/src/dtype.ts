import { DTypeError } from './errors.js';
import type { OpAttrs, OpId } from './ops/opdef.js';
import type { Tensor } from './tensor.js';

// nn's dtypes and the rules that give each op's result its dtype, in one place.
//
// int32 tensors are stored as float32 on every backend (the Backend contract stays
// float32, as tfjs on WebGL does): a float32 holds every integer up to 2^24 exactly, so
// an int32 tensor is exact up to ±2^24 and core refuses to make one beyond that. The
// dtype is metadata in core: kernels never see it, and gradients never flow into an
// int32 tensor (it cannot require grad).

/** The element types of a tensor: `float32` (the default) or `int32` (exact integers up to ±2^24). */
export type DType = 'float32' | 'int32';

/** The largest magnitude an int32 tensor holds exactly (2^24: float32's 24-bit significand). */
export const INT32_EXACT_LIMIT = 16_777_216;

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** Is `v` one of nn's dtype names? */
export function isDType(v: unknown): v is DType {
  return v === 'float32' || v === 'int32';
}

/** Throw a DTypeError unless `dtype` is undefined (the default) or one of nn's dtype names; returns it. */
export function checkDType(op: string, dtype: unknown): DType | undefined {
  if (dtype === undefined || isDType(dtype)) return dtype;
  const hint = typeof dtype === 'string' && /^(u?int|float|bool|complex|bfloat)/.test(dtype) ? ` (${dtype} is not one of them: nn has float32 and int32 only)` : '';
  throw new DTypeError(op, `dtype must be 'float32' or 'int32'${hint}, got ${typeof dtype === 'string' ? `'${dtype}'` : String(dtype)}`);
}

/**
 * Throw a DTypeError unless `v` can be an element of an int32 tensor: a whole number within
 * ±2^24 (beyond int32's own range the message says "int32 overflow"). `where` says which element.
 */
export function checkInt32Value(op: string, v: number, where: string, fix: string): void {
  if (Number.isInteger(v) && Math.abs(v) <= INT32_EXACT_LIMIT) return;
  if (Number.isNaN(v) || !Number.isFinite(v)) {
    throw new DTypeError(op, `${where} is ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'}, which no int32 holds; ${fix}`);
  }
  if (!Number.isInteger(v)) {
    throw new DTypeError(op, `${where} is ${v}, not a whole number, so it cannot be an int32 element; ${fix}`);
  }
  const overflow = v > INT32_MAX || v < INT32_MIN ? `int32 overflow: ${v} is beyond int32's range [${INT32_MIN}, ${INT32_MAX}]` : `${v} is beyond ±${INT32_EXACT_LIMIT} (2^24)`;
  throw new DTypeError(
    op,
    `${where}: ${overflow}; nn stores int32 tensors as float32, exact only up to ±${INT32_EXACT_LIMIT} (2^24), so larger integers are refused — keep the tensor float32 or the values within ±2^24`,
  );
}

/** Throw a DTypeError unless every element of `data` fits an int32 tensor (see `checkInt32Value`). */
export function checkInt32Data(op: string, data: ArrayLike<number>, fix: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    // The common case (a small whole number) costs two compares.
    if (Number.isInteger(v) && v <= INT32_EXACT_LIMIT && v >= -INT32_EXACT_LIMIT) continue;
    checkInt32Value(op, v, `element ${i}`, fix);
  }
}

/**
 * How an op's result dtype follows from its inputs (PyTorch's type promotion, within float32/int32):
 * - `keep`: the first input's dtype (shape and view ops, copies, maskedFill, device moves);
 * - `promote`: int32 when every tensor operand is int32 and every number operand (a scalar,
 *   clamp's bounds) is whole; float32 otherwise (add, sub, mul, maximum, minimum, mm, sum, amax…);
 * - `float`: always float32 (true division, mean, exp/log/sin… and pow, whose GPU kernel is
 *   exp2(b·log2 a) and so not exact on integers; comparisons, whose masks are float 0/1).
 */
export type DTypeRule = 'keep' | 'promote' | 'float';

/**
 * Every op's rule. Its type lists every op id, so a new op does not compile until it says
 * which dtype its result has: add its id here.
 */
const OP_DTYPE: { readonly [K in OpId]: DTypeRule } = {
  add: 'promote', sub: 'promote', mul: 'promote', div: 'float', pow: 'float', maximum: 'promote', minimum: 'promote',
  lt: 'float', gt: 'float', le: 'float', ge: 'float', eq: 'float',
  neg: 'keep', abs: 'keep', relu: 'keep',
  exp: 'float', log: 'float', sqrt: 'float', tanh: 'float', sigmoid: 'float', sin: 'float', cos: 'float',
  log1p: 'float', expm1: 'float', erf: 'float', reciprocal: 'float', rsqrt: 'float',
  // Whole numbers stay whole: floor/ceil/round/sign of int32 are int32, as in PyTorch.
  sign: 'keep', floor: 'keep', ceil: 'keep', round: 'keep', square: 'promote',
  leakyRelu: 'float', elu: 'float', gelu: 'float', softplus: 'float',
  softmax: 'float', logSoftmax: 'float', logsumexp: 'float', var: 'float', std: 'float', cumsum: 'promote',
  clamp: 'promote',
  mm: 'promote', bmm: 'promote',
  t: 'keep', permute: 'keep', reshape: 'keep', expand: 'keep', clone: 'keep',
  slice: 'keep', squeeze: 'keep', unsqueeze: 'keep', flip: 'keep', repeat: 'keep',
  // gather's inputs are [x, index] and scatterAdd's [x, index, src]: the result is x's dtype.
  gather: 'keep', scatterAdd: 'keep',
  // sliceScatter's inputs are [x, src] and cat's the tensors joined: promoted, as torch.cat.
  sliceScatter: 'promote', cat: 'promote',
  sum: 'promote', mean: 'float', amax: 'keep', amin: 'keep',
  // where's inputs are [a, b, cond]: the two values are promoted, cond does not count.
  where: 'promote',
  maskedFill: 'keep',
  to: 'keep',
};

/** The rule for op `id` (for docs and tools). */
export function dtypeRuleOf(id: OpId): DTypeRule {
  return OP_DTYPE[id];
}

// Number operands that take part in promotion: a binary op's scalar, clamp's bounds.
function wholeNumbers(attrs: unknown): boolean {
  const a = attrs as Partial<OpAttrs['add'] & OpAttrs['clamp']>;
  if (a.scalar !== undefined && !Number.isInteger(a.scalar)) return false;
  if (a.min !== undefined && !Number.isInteger(a.min)) return false;
  if (a.max !== undefined && !Number.isInteger(a.max)) return false;
  return true;
}

/** @internal The dtype of op `id`'s result from its tensor inputs and attrs. */
export function resultDType(id: OpId, inputs: readonly Tensor[], attrs: unknown): DType {
  // Every op of float32 inputs (nearly every op) gives float32 under every rule: no table lookup.
  let allFloat = true;
  for (let i = 0; i < inputs.length; i++) if (inputs[i]!.dtype !== 'float32') allFloat = false;
  if (allFloat) return 'float32';
  const rule = OP_DTYPE[id];
  if (rule === 'float' || inputs.length === 0) return 'float32';
  if (rule === 'keep') return inputs[0]!.dtype;
  const n = id === 'where' ? 2 : inputs.length;
  for (let i = 0; i < n; i++) if (inputs[i]!.dtype !== 'int32') return 'float32';
  return wholeNumbers(attrs) ? 'int32' : 'float32';
}
