import {
  ArgumentError, DeviceError, DTypeError, ShapeError, StateError, Tensor, checkOptions, fmtShape, isBoolean, noGrad, sameShape, showValue,
} from '@nn/core';

/** A state dict as `loadStateDict` accepts it: an ordered Map (what `stateDict()` returns) or a plain object of tensors. */
export type StateDictInput = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

/** Options of `loadStateDict`. */
export interface LoadStateDictOptions {
  /** Refuse missing and unexpected keys (default true, as PyTorch). */
  strict?: boolean;
}

/** What `loadStateDict` did not match, as PyTorch's `_IncompatibleKeys`. */
export interface LoadStateDictResult {
  /** Keys the model has and the dict lacks (left unchanged). */
  missingKeys: string[];
  /** Keys the dict has and the model lacks (ignored). */
  unexpectedKeys: string[];
}

/** The entries of a Map or plain object of tensors, each checked to be a tensor. */
export function stateEntries(op: string, sd: unknown): [string, Tensor][] {
  let entries: [unknown, unknown][];
  if (sd instanceof Map) entries = [...sd.entries()];
  else if (sd !== null && typeof sd === 'object' && !Array.isArray(sd) && !(sd instanceof Tensor)) entries = Object.entries(sd);
  else throw new ArgumentError(op, `expected a state dict (a Map of names to tensors, as model.stateDict() returns, or a plain object), got ${showValue(sd)}`);
  for (const [k, v] of entries) {
    if (typeof k !== 'string') throw new ArgumentError(op, `state dict keys must be strings such as '0.weight', got ${showValue(k)}`);
    if (!(v instanceof Tensor)) throw new ArgumentError(op, `the value of '${k}' must be a tensor, got ${showValue(v)}`);
  }
  return entries as [string, Tensor][];
}

/**
 * Copy `sd` into `targets` (name → parameter or buffer). Every check runs before the first
 * copy, so a failed load leaves the model as it was; the message lists every problem at once,
 * as PyTorch's "Error(s) in loading state_dict".
 */
export function loadStateInto(targets: ReadonlyMap<string, Tensor>, sd: unknown, options: LoadStateDictOptions): LoadStateDictResult {
  const op = 'loadStateDict';
  checkOptions(op, options, { strict: isBoolean });
  const strict = options.strict ?? true;
  const given = new Map(stateEntries(op, sd));
  const missingKeys = [...targets.keys()].filter((k) => !given.has(k));
  const unexpectedKeys = [...given.keys()].filter((k) => !targets.has(k));
  const misShaped: string[] = [];
  for (const [k, src] of given) {
    const dst = targets.get(k);
    if (dst && !sameShape(dst.shape, src.shape)) {
      misShaped.push(`'${k}': the dict's value has shape ${fmtShape(src.shape)}, the model's ${fmtShape(dst.shape)}`);
    }
  }
  const problems: string[] = [];
  if (strict && missingKeys.length > 0) problems.push(`missing key(s) ${missingKeys.map((k) => `'${k}'`).join(', ')}`);
  if (strict && unexpectedKeys.length > 0) problems.push(`unexpected key(s) ${unexpectedKeys.map((k) => `'${k}'`).join(', ')}`);
  if (misShaped.length > 0) problems.push(`size mismatch for ${misShaped.join('; ')}`);
  if (problems.length > 0) {
    const fixes: string[] = [];
    if (misShaped.length > 0) fixes.push('build the model with the sizes the dict was saved from');
    if (strict && missingKeys.length + unexpectedKeys.length > 0) fixes.push('check that the dict comes from the same architecture, or pass { strict: false } to load the keys that match');
    const fix = fixes.join('; ');
    const message = `the state dict does not fit the model: ${problems.join('; ')}; ${fix}`;
    throw misShaped.length > 0 ? new ShapeError(op, message) : new StateError(op, message);
  }
  for (const [k, src] of given) {
    const dst = targets.get(k);
    if (!dst) continue;
    if (src.device !== dst.device) {
      throw new DeviceError(
        op,
        `'${k}' is on '${src.device}' and the model's ${dst.describe()} on '${dst.device}'; nn never moves data silently — move the dict's values with .to('${dst.device}') or the model with model.to('${src.device}') first`,
      );
    }
    if (src.dtype !== dst.dtype) {
      throw new DTypeError(op, `'${k}' is ${src.dtype} and the model's ${dst.describe()} is ${dst.dtype}; convert it with .${dst.dtype === 'float32' ? 'float' : 'int'}() first`);
    }
  }
  // Copy in place under noGrad: the parameters stay the same leaves (an optimiser built on
  // them keeps working), and the copy is not recorded in any graph.
  noGrad(() => {
    for (const [k, src] of given) targets.get(k)?.copy_(src);
  });
  return { missingKeys, unexpectedKeys };
}
