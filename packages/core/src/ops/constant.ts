import type { Backend, Device } from '../backend.js';
import { getBackend } from '../registry.js';
import { keep } from '../memory.js';
import { Tensor } from '../tensor.js';

// Scalars used by ops (the 0 of maskedFill) are uploaded once per device and
// value, so a training loop does not upload them every step.
// Each entry remembers the backend it lives on: when a device's backend is
// replaced (registerBackend again), the entry is stale and made anew.
const cache = new Map<string, { tensor: Tensor; backend: Backend }>();

/** @internal A cached 0-d tensor holding `value` on `device`; never dispose it. */
export function constant(device: Device, value: number): Tensor {
  const key = `${device}:${Object.is(value, -0) ? '-0' : value}`;
  const b = getBackend(device, 'constant');
  const hit = cache.get(key);
  if (hit && hit.backend === b && !hit.tensor.isDisposed) return hit.tensor;
  const t = keep(new Tensor(b.fromArray(new Float32Array([value]), [])));
  t.name = String(value);
  cache.set(key, { tensor: t, backend: b });
  return t;
}

/** @internal Drop cached constants of a device (when its backend is replaced). */
export function clearConstants(device?: Device): void {
  for (const [k, { tensor: t, backend }] of cache) {
    if (device === undefined || t.device === device) {
      if (getBackend(t.device, 'constant') === backend) t.dispose();
      cache.delete(k);
    }
  }
}
