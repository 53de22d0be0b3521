import { broadcastShapes } from '../shape.js';
import { DTypeError } from '../errors.js';
import type { Backend } from '../backend.js';
import { Tensor } from '../tensor.js';
import { scalarHandle } from './constant.js';
import type { Forward } from './opdef.js';
import { NO_ATTRS, ownIntermediates, record, sameDevice } from './record.js';
import { checkArg, checkOperand, checkTensor, isNumber } from '../validate.js';
import type { DType } from '../dtype.js';

/** @internal A fresh 0-d tensor holding `value` on `b`'s device, freed like any other tensor (scope, dispose). */
export function scalarTensor(b: Backend, value: number, dtype: DType = 'float32'): Tensor {
  const t = new Tensor(scalarHandle(b, value), null, dtype);
  t.name = String(value);
  return t;
}

/** `cond != 0 ? a : b` elementwise with broadcasting, as `torch.where`. */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  checkTensor('where', cond, 'cond');
  checkOperand('where', a, 'a');
  checkOperand('where', b, 'b');
  const be = sameDevice('where', cond, ...[a, b].filter((v): v is Tensor => typeof v !== 'number'));
  broadcastShapes('where', cond.shape, typeof a === 'number' ? [] : a.shape, typeof b === 'number' ? [] : b.shape);
  // A number becomes a fresh 0-d tensor made on the device (no upload, no cache): it stays
  // as an input of a recorded node (explain reads it); otherwise it is freed at once.
  // A whole number is an int32 operand, so where(mask, intTensor, 0) stays int32 (PyTorch's
  // promotion of a number operand); a fraction makes the result float32.
  const ta = typeof a === 'number' ? scalarTensor(be, a, numberDType(a)) : a;
  const tb = typeof b === 'number' ? scalarTensor(be, b, numberDType(b)) : b;
  let out: Tensor | undefined;
  try {
    out = record('where', whereForward(be, [ta.handle('where'), tb.handle('where'), cond.handle('where')], NO_ATTRS), [ta, tb, cond], NO_ATTRS);
  } finally {
    // A number's 0-d tensor lives exactly as long as the output that recorded it.
    const made: Tensor[] = [];
    if (ta !== a) made.push(ta);
    if (tb !== b) made.push(tb);
    ownIntermediates(out, made);
  }
  // Assigned: had record() thrown, the finally block would have rethrown.
  return out!;
}

// The dtype a number operand of where counts as.
const numberDType = (v: number): DType => (Number.isInteger(v) ? 'int32' : 'float32');

/** Copy of x with `value` wherever `mask` is nonzero; gradient is 0 there. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  checkTensor('maskedFill', x, 'the input');
  checkTensor('maskedFill', mask, 'mask');
  if (typeof value !== 'number') checkArg('maskedFill', 'value', value, isNumber);
  // PyTorch truncates a fraction into an int32 tensor without a word; nn refuses.
  if (x.dtype === 'int32' && !Number.isInteger(value)) {
    throw new DTypeError('maskedFill', `${x.describe()} is int32 and the value ${value} is not a whole number; fill with a whole number, or x.float() first`);
  }
  const be = sameDevice('maskedFill', x, mask);
  broadcastShapes('maskedFill', x.shape, mask.shape);
  const attrs = { value };
  return record('maskedFill', maskedFillForward(be, [x.handle('maskedFill'), mask.handle('maskedFill')], attrs), [x, mask], attrs);
}

/** @internal The forward of where: inputs are [a, b, cond], as the node records them. */
export const whereForward: Forward<'where'> = (be, [a, b, cond]) => be.where(cond!, a!, b!);

/** @internal The forward of maskedFill: where(mask, value, x), the value a 0-d buffer made on the device. */
export const maskedFillForward: Forward<'maskedFill'> = (be, [x, mask], { value }) => {
  const v = scalarHandle(be, value);
  try {
    return be.where(mask!, v, x!);
  } finally {
    be.free(v);
  }
};
