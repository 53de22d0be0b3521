import { broadcastShapes } from '../shape.js';
import type { Backend } from '../backend.js';
import { Tensor } from '../tensor.js';
import { scalarHandle } from './constant.js';
import { result, sameDevice, sumToShape } from './record.js';
import { checkArg, checkOperand, checkTensor, isNumber } from '../validate.js';

/** @internal A fresh 0-d tensor holding `value` on `b`'s device, freed like any other tensor (scope, dispose). */
export function scalarTensor(b: Backend, value: number): Tensor {
  const t = new Tensor(scalarHandle(b, value));
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
  // A number becomes a fresh 0-d tensor: it stays as an input of a recorded node
  // (explain reads it, and it goes with the graph's scope); otherwise it is freed at once.
  const ta = typeof a === 'number' ? scalarTensor(be, a) : a;
  const tb = typeof b === 'number' ? scalarTensor(be, b) : b;
  let out: Tensor | undefined;
  try {
    out = result('where', be.where(cond.handle('where'), ta.handle('where'), tb.handle('where')), [ta, tb, cond], () => ({
      saves: ['mask'],
      attrs: {},
      // Each gradient is summed back to its input's shape: cond may broadcast a and b larger.
      backward: (g) => [
        ta.requiresGrad ? sumToShape(where(cond, g, 0), ta.shape) : null,
        tb.requiresGrad ? sumToShape(where(cond, 0, g), tb.shape) : null,
        null,
      ],
    }));
  } finally {
    if (!out?._node) {
      if (ta !== a) ta.dispose();
      if (tb !== b) tb.dispose();
    }
  }
  return out;
}

/** Copy of x with `value` wherever `mask` is nonzero; gradient is 0 there. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  checkTensor('maskedFill', x, 'the input');
  checkTensor('maskedFill', mask, 'mask');
  if (typeof value !== 'number') checkArg('maskedFill', 'value', value, isNumber);
  const be = sameDevice('maskedFill', x, mask);
  broadcastShapes('maskedFill', x.shape, mask.shape);
  const v = scalarHandle(be, value);
  let h;
  try {
    h = be.where(mask.handle('maskedFill'), v, x.handle('maskedFill'));
  } finally {
    be.free(v);
  }
  return result('maskedFill', h, [x, mask], () => ({
    attrs: { value },
    saves: ['mask'],
    // A mask larger than x broadcasts the result (and its gradient) larger: sum back to x's shape.
    backward: (g) => [sumToShape(where(mask, 0, g), x.shape), null],
  }));
}
