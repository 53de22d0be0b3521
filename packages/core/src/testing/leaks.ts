import { memory } from '../memory.js';
import { popScope, pushScope } from '../state.js';

// The leak check every conformance case runs under, as tfjs checks every kernel:
// the live-buffer count of every registered device must be the same after the
// case (forward, backward, reads and errors included) as before it.

function buffers(): Map<string, number> {
  return new Map(Object.entries(memory()).map(([d, m]) => [d, m.buffers]));
}

/**
 * Run `fn` (sync or async); free the tensors it made and left alive, as a test
 * runner's scope does (tensors it `keep()`s are its own to dispose); then throw,
 * naming `what` and the difference, if any device holds more or fewer live
 * buffers than before: a buffer no tensor owns (a cache, a saved value, a .grad
 * that outlived its leaf, an error's half-made result) is a leak.
 */
export async function leakChecked(what: string, fn: () => void | Promise<void>): Promise<void> {
  const before = buffers();
  const made = pushScope();
  try {
    await fn();
  } finally {
    popScope();
    for (const t of made) t.dispose();
  }
  const after = buffers();
  const diffs: string[] = [];
  for (const [d, n] of after) {
    const b = before.get(d) ?? 0;
    if (n !== b) diffs.push(`'${d}': ${b} → ${n} (${n > b ? '+' : ''}${n - b})`);
  }
  if (diffs.length > 0) {
    throw new Error(`${what}: live buffers changed after freeing every tensor it made — ${diffs.join(', ')}; a buffer no tensor owns leaked (or a kept tensor was not disposed)`);
  }
}
