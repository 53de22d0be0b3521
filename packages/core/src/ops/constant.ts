import type { Device } from '../backend.js';
import { getBackend } from '../registry.js';
import { keep } from '../memory.js';
import { Tensor } from '../tensor.js';

// Scalars used by ops (the 0 of maskedFill) are uploaded once per device and
// value, so a training loop does not upload them every step.
const cache = new Map<string, Tensor>();

/** @internal A cached 0-d tensor holding `value` on `device`; never dispose it. */
export function constant(device: Device, value: number): Tensor {
  const key = `${device}:${Object.is(value, -0) ? '-0' : value}`;
  let t = cache.get(key);
  if (!t || t.isDisposed) {
    const b = getBackend(device, 'constant');
    t = keep(new Tensor(b.fromArray(new Float32Array([value]), [])));
    t.name = String(value);
    cache.set(key, t);
  }
  return t;
}

/** @internal Drop cached constants of a device (when its backend is replaced). */
export function clearConstants(device?: Device): void {
  for (const [k, t] of cache) {
    if (device === undefined || t.device === device) {
      t.dispose();
      cache.delete(k);
    }
  }
}
