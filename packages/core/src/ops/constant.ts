import type { Backend, Device } from '../backend.js';
import { getBackend } from '../registry.js';
import { keep } from '../memory.js';
import { Tensor } from '../tensor.js';

// Scalars used by ops (the 0 of maskedFill) are uploaded once per backend and
// value, so a training loop does not upload them every step. Keyed by the
// backend object: when a device's backend is replaced (registerBackend again),
// the new one starts with no entries and the old ones go with it.
const cache = new WeakMap<Backend, Map<number | '-0', Tensor>>();

/** @internal A cached 0-d tensor holding `value` on `device`; never dispose it. */
export function constant(device: Device, value: number): Tensor {
  const b = getBackend(device, 'constant');
  let values = cache.get(b);
  if (!values) cache.set(b, (values = new Map()));
  // Map keys treat -0 as 0; -0 has its own entry.
  const key = Object.is(value, -0) ? '-0' : value;
  const hit = values.get(key);
  if (hit && !hit.isDisposed) return hit;
  const t = keep(new Tensor(b.fromArray(new Float32Array([value]), [])));
  t.name = String(value);
  values.set(key, t);
  return t;
}
