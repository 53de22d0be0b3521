import { ArgumentError, StateError } from './errors.js';

// scope(), noGrad() and enableGrad() set process-wide state (the open scope, the grad
// mode) for as long as their function runs synchronously. JavaScript has no portable
// way to carry that state across an await (other tasks run in between and would see
// it), so an async function is refused loudly instead of half-working: the code after
// its first await would run outside the scope or with recording back on.

/** Refuse `fn` before it runs when it is not a function or is declared `async` (nothing has happened yet). */
export function refuseAsyncFn(op: string, fn: unknown, fix: string): void {
  if (typeof fn !== 'function') {
    throw new ArgumentError(op, `expected a function, got ${fn === null ? 'null' : typeof fn}; write ${op}(() => ...)`);
  }
  // A plain function of this realm (nearly every call) is no async one; reading a function's
  // name goes through an accessor, so only other functions are asked (async ones of any realm say so).
  if (Object.getPrototypeOf(fn) === Function.prototype) return;
  if (fn.constructor?.name === 'AsyncFunction') throw asyncError(op, fix);
}

/** True for a Promise or anything else with a `then` method. */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Refuse a promise that a plain function returned (it has already started). The
 * StateError thrown here is the report; the abandoned promise's own failure (often
 * a use of a tensor the refusal freed) is marked handled so that it does not crash
 * the process as an unhandled rejection and hide this message.
 */
export function refusePromise(op: string, value: PromiseLike<unknown>, fix: string): never {
  Promise.resolve(value).catch(() => undefined);
  throw asyncError(op, fix);
}

function asyncError(op: string, fix: string): StateError {
  return new StateError(op, `fn is async (or returned a Promise), but ${op}() is synchronous: the code after an await would run outside it. ${fix}`);
}
