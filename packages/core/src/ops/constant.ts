import type { Backend, Handle } from '../backend.js';

// Numbers that ops need as tensors (maskedFill's value, where's numbers, zero_'s 0)
// are made on the device by one scalar kernel from a cached -0 per backend. That
// uploads nothing per call (a step of the seed loop uploads nothing on gpu) and
// keeps no buffer per distinct value (a cache keyed by value grew without bound).
// -0 + v is exactly v for every float32 v, ±0, ±Inf and NaN included.
// Keyed by the backend object: a replaced backend (registerBackend again) starts
// afresh and its -0 goes with it. The -0 is a bare handle, so nothing can dispose it.
// registerBackend makes it, so that it is there before any live-buffer count is taken.
// (This module imports no values: registry.ts imports it.)
const negZero = new WeakMap<Backend, Handle>();

/** @internal Make backend `b`'s cached -0 (once); registerBackend calls it. */
export function prepareConstants(b: Backend): Handle {
  let base = negZero.get(b);
  if (!base) negZero.set(b, (base = b.fromArray(new Float32Array([-0]), [])));
  return base;
}

/** @internal A fresh 0-d buffer holding `value` on backend `b`; the caller frees it. */
export function scalarHandle(b: Backend, value: number): Handle {
  return b.scalar('add', prepareConstants(b), value, false);
}
