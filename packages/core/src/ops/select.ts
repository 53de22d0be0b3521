import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { constant } from './constant.js';
import { result, sameDevice, sumToShape } from './record.js';

/** `cond != 0 ? a : b` elementwise with broadcasting, as `torch.where`. */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  const ta = typeof a === 'number' ? constant(cond.device, a) : a;
  const tb = typeof b === 'number' ? constant(cond.device, b) : b;
  const be = sameDevice('where', cond, ta, tb);
  broadcastShapes('where', cond.shape, ta.shape, tb.shape);
  const inputs = [ta, tb, cond];
  return result('where', be.where(cond.handle('where'), ta.handle('where'), tb.handle('where')), inputs, {
    saves: ['mask'],
    attrs: {},
    backward: (g) => {
      const zero = constant(g.device, 0);
      return [
        ta.requiresGrad ? sumToShape(where(cond, g, zero), ta.shape) : null,
        tb.requiresGrad ? sumToShape(where(cond, zero, g), tb.shape) : null,
        null,
      ];
    },
  });
}

/** Copy of x with `value` wherever `mask` is nonzero; gradient is 0 there. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  const v = constant(x.device, value);
  const be = sameDevice('maskedFill', x, mask);
  broadcastShapes('maskedFill', x.shape, mask.shape);
  return result('maskedFill', be.where(mask.handle('maskedFill'), v.handle('maskedFill'), x.handle('maskedFill')), [x, mask], {
    attrs: { value },
    saves: ['mask'],
    backward: (g) => [where(mask, constant(g.device, 0), g), null],
  });
}
