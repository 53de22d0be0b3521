import { arange } from '../creation.js';
import { DeviceError, ShapeError } from '../errors.js';
import { getDefaultDevice } from '../registry.js';
import { Tensor } from '../tensor.js';
import { checkArg } from '../validate.js';
import { compare } from './elementwise.js';
import { indexTensor, type IndexLike } from './indexing.js';
import { reshape } from './shape.js';

const classCount = { accepts: 'a whole number ≥ 1, or -1 (the largest index + 1)', ok: (v: unknown) => typeof v === 'number' && Number.isInteger(v) && (v >= 1 || v === -1) };

/**
 * One-hot rows of an int32 index, as `torch.nn.functional.one_hot`: a result of shape
 * [...index.shape, numClasses], int32, 1 where the class is the index. `numClasses` -1 (the
 * default) means the largest index + 1. An index outside [0, numClasses) is refused; both the
 * check and the default need a synchronous read, so on an async-only device (WebGPU) give
 * numClasses, and an out-of-range index gives an all-zero row there.
 */
export function oneHot(index: IndexLike, numClasses = -1): Tensor {
  checkArg('oneHot', 'numClasses', numClasses, classCount);
  const device = index instanceof Tensor ? index.device : getDefaultDevice();
  const { t, made } = indexTensor('oneHot', index, device);
  const temps: Tensor[] = made ? [t] : [];
  try {
    const b = t.backend('oneHot');
    let classes = numClasses;
    if (b.readSync) {
      const values = b.readSync(t.handle('oneHot'));
      let max = -1;
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        if (v < 0) throw new ShapeError('oneHot', `index ${v} (element ${i}) is negative; class indices run from 0 to numClasses - 1`);
        if (v > max) max = v;
      }
      if (classes === -1) {
        if (values.length === 0) throw new ShapeError('oneHot', 'cannot infer the number of classes from an empty index; pass numClasses');
        classes = max + 1;
      } else if (max >= classes) {
        throw new ShapeError('oneHot', `index ${max} is not below numClasses ${classes}; class indices run from 0 to ${classes - 1} — raise numClasses or leave it out (-1: the largest index + 1)`);
      }
    } else if (classes === -1) {
      throw new DeviceError('oneHot', `numClasses -1 (the largest index + 1) needs a synchronous read, which device '${device}' lacks; pass numClasses`);
    }
    // [..., 1] == [numClasses] broadcasts to [..., numClasses]: a float 0/1 mask, which is
    // also a valid int32 tensor (whole numbers), so its buffer becomes the int32 result.
    const col = reshape(t, [...t.shape, 1]);
    const classesRow = arange(0, classes, 1, { device, dtype: 'int32' });
    temps.push(col, classesRow);
    const mask = compare('eq', col, classesRow);
    return new Tensor(mask.takeHandle(), null, 'int32');
  } finally {
    for (const x of temps) x.dispose();
  }
}
