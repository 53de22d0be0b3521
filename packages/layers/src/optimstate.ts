import { ArgumentError, DeviceError, ShapeError, StateError, Tensor, fmtShape, sameShape, showValue } from '@nn/core';

/** One parameter's optimiser state: buffers (tensors) and counters (numbers), by name. */
export type ParamState = Record<string, Tensor | number>;

/** An optimiser's state dict, as PyTorch's `{ state, param_groups }` with one group. */
export interface OptimizerStateDict {
  /** Parameter index → its state; parameters that never stepped are absent. */
  state: ReadonlyMap<number, ParamState>;
  /** One group: the hyperparameters and `params`, the parameter indices. */
  paramGroups: readonly Record<string, unknown>[];
}

const same = (a: unknown, b: unknown): boolean =>
  Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((v, i) => typeof v === typeof b[i]) : typeof a === typeof b;

/**
 * Check `sd` against the optimiser it is loaded into: one group with the same hyperparameter
 * names and types, one index per parameter, and for each stepped parameter the expected keys,
 * tensors of the parameter's shape and device. Returns the group. Every problem is named.
 */
export function checkOptimizerState(
  op: string,
  sd: unknown,
  params: readonly Tensor[],
  current: Record<string, unknown>,
  keys: { tensors: readonly string[]; numbers: readonly string[] },
): Record<string, unknown> {
  const where = `${op}.loadStateDict`;
  if (sd === null || typeof sd !== 'object' || !((sd as OptimizerStateDict).state instanceof Map) || !Array.isArray((sd as OptimizerStateDict).paramGroups)) {
    throw new ArgumentError(where, `expected { state: Map, paramGroups: [...] } as optimizer.stateDict() returns, got ${showValue(sd)}`);
  }
  const { state, paramGroups } = sd as OptimizerStateDict;
  if (paramGroups.length !== 1) throw new StateError(where, `the dict has ${paramGroups.length} parameter groups; nn's optimisers have one`);
  const group = paramGroups[0]!;
  const problems: string[] = [];
  const ids = group['params'];
  if (!Array.isArray(ids) || ids.length !== params.length) {
    problems.push(`its group lists ${Array.isArray(ids) ? ids.length : showValue(ids)} parameters, this optimiser has ${params.length}`);
  }
  for (const [k, v] of Object.entries(current)) {
    if (!(k in group)) problems.push(`hyperparameter '${k}' is missing`);
    else if (!same(group[k], v)) problems.push(`hyperparameter '${k}' is ${showValue(group[k])}, expected a value like ${showValue(v)}`);
  }
  for (const k of Object.keys(group)) if (k !== 'params' && !(k in current)) problems.push(`unknown hyperparameter '${k}' (a dict of another optimiser?)`);
  for (const [i, s] of state) {
    const p = params[i];
    if (!p) {
      problems.push(`state for parameter ${i}, which does not exist (there are ${params.length})`);
      continue;
    }
    for (const k of keys.numbers) if (typeof s[k] !== 'number') problems.push(`parameter ${i}'s '${k}' must be a number, got ${showValue(s[k])}`);
    for (const k of keys.tensors) {
      const t = s[k];
      if (!(t instanceof Tensor)) problems.push(`parameter ${i}'s '${k}' must be a tensor, got ${showValue(t)}`);
      else if (!sameShape(t.shape, p.shape)) problems.push(`parameter ${i}'s '${k}' has shape ${fmtShape(t.shape)}, the parameter ${fmtShape(p.shape)}`);
      else if (t.device !== p.device) {
        throw new DeviceError(where, `parameter ${i}'s '${k}' is on '${t.device}' and the parameter on '${p.device}'; move the dict's tensors with .to('${p.device}') first`);
      }
    }
    for (const k of Object.keys(s)) if (!keys.tensors.includes(k) && !keys.numbers.includes(k)) problems.push(`parameter ${i} has an unknown state '${k}'`);
  }
  if (problems.length > 0) {
    const anyShape = problems.some((m) => m.includes('has shape'));
    const message = `the dict does not fit this optimiser: ${problems.join('; ')}; load a dict saved from the same kind of optimiser over the same parameters`;
    throw anyShape ? new ShapeError(where, message) : new StateError(where, message);
  }
  return group;
}
