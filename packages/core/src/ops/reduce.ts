import { ShapeError } from '../errors.js';
import { reducedShape, sameShape } from '../shape.js';
import { checkArg, checkReduceDims, isBoolean } from '../validate.js';
import type { Tensor } from '../tensor.js';
import { div, mul, compare } from './elementwise.js';
import { result } from './record.js';
import { expand, reshape } from './shape.js';

// The dims a reduction runs over, as PyTorch: none given or [] means all, a repeated dim is an error.
// A scalar accepts dim 0 or -1 and has nothing to reduce.
function axesOf(op: string, x: Tensor, dim: number | readonly number[] | undefined, keepdim: boolean): number[] {
  if (typeof keepdim !== 'boolean') checkArg(op, 'keepdim', keepdim, isBoolean);
  const axes = checkReduceDims(op, dim, x.ndim);
  return x.ndim === 0 ? [] : axes;
}

// A reduced result with its reduced dims as 1s (a copy only when keepdim dropped them).
function keptDims(t: Tensor, x: Tensor, axes: number[]): Tensor {
  const kept = reducedShape(x.shape, axes, true);
  return sameShape(t.shape, kept) ? t : reshape(t, kept);
}

// Line the reduced gradient up with the input, then broadcast.
function spread(g: Tensor, x: Tensor, axes: number[]): Tensor {
  return expand(keptDims(g, x, axes), x.shape);
}

/** Sum of all elements, or along `dim`. */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const axes = axesOf('sum', x, dim, keepdim);
  if (axes.length === 0) return result('sum', x.backend('sum').copy(x.handle('sum'), x.shape), [x], { backward: (g) => [g] });
  return result('sum', x.backend('sum').reduce('sum', x.handle('sum'), axes, keepdim), [x], {
    attrs: dim === undefined ? {} : { dim: axes, keepdim },
    backward: (g) => [spread(g, x, axes)],
  });
}

/** Mean of all elements, or along `dim`. */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const axes = axesOf('mean', x, dim, keepdim);
  let count = 1;
  for (const a of axes) count *= x.shape[a]!;
  const be = x.backend('mean');
  const s = be.reduce('sum', x.handle('mean'), axes, keepdim);
  const h = be.scalar('mul', s, 1 / count, false);
  be.free(s);
  return result('mean', h, [x], {
    attrs: dim === undefined ? {} : { dim: axes, keepdim },
    backward: (g) => [spread(mul(g, 1 / count), x, axes)],
  });
}

/** Maximum along `dim` (or of all); the gradient is split evenly among ties, as `torch.amax`. */
export function amax(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const axes = axesOf('max', x, dim, keepdim);
  // max has no identity: over an empty dimension there is no value to return (PyTorch raises too).
  for (const a of axes) {
    if (x.shape[a] === 0) {
      throw new ShapeError(
        'max',
        `cannot reduce over dim ${a} of ${x.describe()}: it has size 0 and max has no identity; ` +
          `reduce only over non-empty dims${dim === undefined ? ', e.g. max(dim) with a dim of non-zero size' : ''}, or check numel() first`,
      );
    }
  }
  return result('max', x.backend('max').reduce('max', x.handle('max'), axes, keepdim), [x], {
    attrs: dim === undefined ? {} : { dim: axes, keepdim },
    saves: ['a', 'output'],
    backward: (g, out) => {
      const mask = compare('eq', x, keptDims(out, x, axes));
      const ties = sum(mask, axes, true);
      return [mul(spread(g, x, axes), div(mask, ties))];
    },
  });
}
