import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkDim, checkTensor } from '../validate.js';
import { onRank1 } from './alongdim.js';
import type { Forward } from './opdef.js';
import { record } from './record.js';

// cumsum along a dim: one backend kernel (Backend.cumsum), which also sums from the end
// (`reverse`), the gradient of a cumsum, so its backward needs no flip. The entry is in defs/cumsum.ts.

/** @internal The forward of cumsum (either direction). */
export const cumsumForward: Forward<'cumsum'> = (be, [x], { dim, reverse }) => onRank1(be, x!, [], (v) => be.cumsum(v, dim, reverse));

/** @internal A recorded cumsum in either direction (the backward of one is the other). */
export function cumsumOp(x: Tensor, dim: number, reverse: boolean): Tensor {
  const attrs = { dim, reverse };
  return record('cumsum', cumsumForward(x.backend('cumsum'), [x.handle('cumsum')], attrs), [x], attrs);
}

/** Running sums along `dim` (required, as in PyTorch): out[i] = x[0] + … + x[i], as torch.cumsum. */
export function cumsum(x: Tensor, dim: number): Tensor {
  checkTensor('cumsum', x, 'the input');
  if (dim === undefined) throw new ArgumentError('cumsum', 'give the dim to sum along, e.g. cumsum(x, -1) for the last dim (PyTorch requires it too)');
  return cumsumOp(x, checkDim('cumsum', dim, x.ndim), false);
}
