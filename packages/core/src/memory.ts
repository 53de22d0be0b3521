import type { BackendStats, Device } from './backend.js';
import { listDevices, getBackend } from './registry.js';
import { Tensor } from './tensor.js';
import { adoptIntoParent, popScope, pushScope, untrack } from './state.js';
import { isThenable, refuseAsyncFn, refusePromise } from './sync-only.js';

const SCOPE_FIX =
  'Await outside the scope and wrap each synchronous part: `const y = scope(() => f(x)); const v = await y.data(); y.dispose();`, or free tensors with dispose()';

/** Live buffers and traffic counters per registered device: a copy of each backend's `stats()`. */
export function memory(): Record<Device, BackendStats> {
  const out: Record<string, BackendStats> = {};
  for (const d of listDevices()) out[d] = { ...getBackend(d).stats() };
  return out;
}

function collect(value: unknown, into: Set<Tensor>, seen?: Set<unknown>): void {
  if (value instanceof Tensor) {
    into.add(value);
    return;
  }
  // The set of visited objects is made at the first object (a scope returning nothing, or a number, makes none).
  if (value === null || typeof value !== 'object' || seen?.has(value)) return;
  seen ??= new Set<unknown>();
  seen.add(value);
  if (Array.isArray(value)) for (const v of value) collect(v, into, seen);
  else if (value instanceof Map) for (const v of value.values()) collect(v, into, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, into, seen);
}

/**
 * Run `fn` and free every tensor it created, except those it returns (found in
 * arrays, Maps and plain objects) and those passed to `keep()`. Like tfjs's `tidy`.
 * `fn` must be synchronous: an async one is a StateError (see the README's "Async").
 */
export function scope<T>(fn: () => T): T {
  refuseAsyncFn('scope', fn, SCOPE_FIX);
  const made = pushScope();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    popScope();
    for (const t of made) t.dispose();
    throw e;
  }
  popScope();
  if (isThenable(result)) {
    // The tensors made before the first await are this scope's to free; tensors made after it escape every scope.
    for (const t of made) t.dispose();
    refusePromise('scope', result, SCOPE_FIX);
  }
  const kept = new Set<Tensor>();
  collect(result, kept);
  for (const t of made) {
    if (kept.has(t)) {
      adoptIntoParent(t);
      continue;
    }
    // dispose() frees a tensor's .grad with it; a .grad the scope returns outlives its tensor.
    if (t.grad && kept.has(t.grad)) t.grad = null;
    t.dispose();
  }
  return result;
}

/** Exempt a tensor from every open scope: it lives until `dispose()`. Returns it. */
export function keep<T extends Tensor>(t: T): T {
  untrack(t);
  return t;
}

/** Free several tensors (arrays, objects) at once. */
export function dispose(value: unknown): void {
  const all = new Set<Tensor>();
  collect(value, all);
  for (const t of all) t.dispose();
}
