import type { Tensor } from './tensor.js';
import { isThenable, refuseAsyncFn, refusePromise } from './sync-only.js';

const NO_GRAD_FIX =
  'Wrap each synchronous part instead, after the await: `const g = await ...; noGrad(() => w.sub_(g.mul(lr)));`';
const ENABLE_GRAD_FIX =
  'Wrap each synchronous part instead, after the await: `const x = await ...; const y = enableGrad(() => f(x));`';

// Global autograd and memory state. Kept in one module so that every op sees
// the same flags whichever entry point imported it.

let gradEnabled = true;
let numericsCheck = false;
const scopes: Set<Tensor>[] = [];

/** True while ops are being recorded for autograd. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run `fn` without recording ops for autograd, as `torch.no_grad()`; `fn` must be synchronous (an async one is a StateError). */
export function noGrad<T>(fn: () => T): T {
  return withGrad('noGrad', false, fn, NO_GRAD_FIX);
}

/** Run `fn` with recording switched on even inside `noGrad`, as `torch.enable_grad()`; `fn` must be synchronous. */
export function enableGrad<T>(fn: () => T): T {
  return withGrad('enableGrad', true, fn, ENABLE_GRAD_FIX);
}

function withGrad<T>(op: string, enabled: boolean, fn: () => T, fix: string): T {
  refuseAsyncFn(op, fn, fix);
  const prev = gradEnabled;
  gradEnabled = enabled;
  let out: T;
  try {
    out = fn();
  } finally {
    gradEnabled = prev;
  }
  if (isThenable(out)) refusePromise(op, out, fix);
  return out;
}

/** Turn the NaN/Inf check on or off: when on, every op reads its result and names the first op that made a NaN or Inf. */
export function checkNumerics(on: boolean): void {
  numericsCheck = on;
}

/** Whether the NaN/Inf check is on. */
export function isCheckingNumerics(): boolean {
  return numericsCheck;
}

let backwardOp: string | null = null;

/** @internal Name of the op whose backward is running (NaN reports name it), or null. */
export function currentBackwardOp(): string | null {
  return backwardOp;
}

/** @internal Set by autograd around each op's backward. */
export function setBackwardOp(op: string | null): void {
  backwardOp = op;
}

/** @internal Register a new tensor with the innermost scope. */
export function track(t: Tensor): void {
  const s = scopes[scopes.length - 1];
  if (s) s.add(t);
}

/** @internal Remove a tensor from every open scope (it outlives them). */
export function untrack(t: Tensor): void {
  for (const s of scopes) s.delete(t);
}

/** @internal */
export function pushScope(): Set<Tensor> {
  const s = new Set<Tensor>();
  scopes.push(s);
  return s;
}

/** @internal */
export function popScope(): void {
  scopes.pop();
}

/** @internal Move a tensor into the enclosing scope (when a scope returns it). */
export function adoptIntoParent(t: Tensor): void {
  const parent = scopes[scopes.length - 1];
  if (parent) parent.add(t);
}
