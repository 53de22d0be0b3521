import type { Backend, Handle } from '../backend.js';
import { reshapeView } from '../view.js';

// Shared by the ops that work along a dim (softmax, logsumexp, var/std, cumsum): a
// 0-d tensor has dim 0 (or -1) as in PyTorch, but kernels reduce or scan only over
// real dims, so a scalar is seen as a [1] view for the kernels and its result as 0-d again.

/**
 * @internal Run `f` on x, a 0-d x seen as a one-element vector; the result is seen with
 * `shapeOf0d` (its shape for a 0-d input). Views only: no kernel, no copy.
 */
export function onRank1(be: Backend, x: Handle, shapeOf0d: readonly number[], f: (x: Handle) => Handle): Handle {
  if (x.shape.length > 0) return f(x);
  const v = be.retain(x, { shape: [1], strides: [1], offset: x.offset });
  let out: Handle;
  try {
    out = f(v);
  } finally {
    be.free(v);
  }
  const r = be.retain(out, reshapeView(out, shapeOf0d));
  be.free(out);
  return r;
}

/**
 * @internal Run a composite forward `f`, which passes each intermediate handle it makes through
 * `track`: if a later kernel throws (a lost device, a full memory), the tracked handles are freed
 * before the error goes on, since nothing else holds them. On success `f` frees them itself (keepOnly).
 */
export function freeOnThrow(be: Backend, f: (track: (h: Handle) => Handle) => Handle): Handle {
  const made: Handle[] = [];
  const track = (h: Handle): Handle => {
    made.push(h);
    return h;
  };
  try {
    return f(track);
  } catch (e) {
    for (const h of made) be.free(h);
    throw e;
  }
}

/** @internal Free every handle of `made` but the one at `keep`, which is returned. */
export function keepOnly(be: Backend, made: readonly Handle[], keep: number): Handle {
  made.forEach((h, i) => i !== keep && be.free(h));
  return made[keep]!;
}
