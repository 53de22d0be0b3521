import { ArgumentError, checkTensor, keep, noGrad, scope, showValue, StateError, type Tensor } from '@nn/core';
import { checkOptimizerState, type OptimizerStateDict, type ParamState } from './optimstate.js';

/**
 * Base of the optimisers: holds the parameters, drops their gradients, and runs
 * each update inside `noGrad` (updates are not part of the graph) and `scope`
 * (the temporaries of an update are freed at once).
 */
export abstract class Optimizer {
  /** The tensors this optimiser updates, in place. */
  readonly params: readonly Tensor[];
  /** The optimiser's class name, as text (for error messages). */
  readonly name: string;

  /**
   * `name` is the optimiser's class name for error messages, given as text: a
   * minifier renames classes, so `constructor.name` would print `b` in a bundle.
   */
  constructor(params: Iterable<Tensor>, name: string) {
    this.name = name;
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
      throw new ArgumentError(name, `expected the parameters as an iterable of tensors, e.g. model.parameters(), got ${showValue(params)}`);
    }
    this.params = [...params];
    this.params.forEach((p, i) => checkTensor(name, p, `parameter ${i}`));
    if (this.params.length === 0) throw new StateError(name, 'got an empty parameter list; pass model.parameters()');
    // The same tensor twice would be stepped twice per step (PyTorch warns and says it will be an error).
    const at = new Map<Tensor, number>();
    this.params.forEach((p, i) => {
      const first = at.get(p);
      if (first !== undefined) {
        throw new ArgumentError(name, `parameter ${i} is parameter ${first} again (${p.describe()}); each parameter once, e.g. model.parameters() (it lists a shared weight once)`);
      }
      at.set(p, i);
    });
    for (const p of this.params) {
      if (!p.isLeaf) {
        throw new StateError(name, `${p.describe()} is not a leaf; optimisers update weights (leaves that require grad), not computed tensors`);
      }
    }
  }

  /** Drop every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** Apply one update from the current `.grad`s; parameters without a gradient are skipped, as in PyTorch. */
  step(): void {
    noGrad(() =>
      scope(() => {
        this.params.forEach((p, i) => {
          if (p.grad) this.update(p, p.grad, i);
        });
      }),
    );
  }

  /** Update one parameter in place from its gradient; `index` identifies its state. */
  protected abstract update(p: Tensor, grad: Tensor, index: number): void;

  /** @internal Keep a state buffer past the step's scope. */
  protected keepState(t: Tensor): Tensor {
    return keep(t);
  }

  /** Free the optimiser's state buffers (momentum, Adam moments). */
  abstract dispose(): void;

  /** @internal The hyperparameters, as `stateDict().paramGroups[0]` holds them (lr, momentum, ...). */
  protected abstract groupOptions(): Record<string, number | boolean | readonly number[]>;

  /** @internal Set the hyperparameters from a loaded dict's group (already checked). */
  protected abstract setGroupOptions(group: Record<string, unknown>): void;

  /** @internal Parameter i's state (tensors are the live buffers), or null before its first step. */
  protected abstract paramState(i: number): ParamState | null;

  /** @internal Replace parameter i's state by `s` (tensors already copied and kept), freeing the old buffers. */
  protected abstract setParamState(i: number, s: ParamState): void;

  /** @internal The state keys each parameter's entry must have, with `step` the one number among tensors. */
  protected abstract stateKeys(): { tensors: readonly string[]; numbers: readonly string[] };

  /**
   * The optimiser's state as PyTorch's `optimizer.state_dict()`: `state` maps each parameter's
   * index (in the order given to the constructor) to its buffers (snapshots: detached, copy-on-write)
   * and step count; `paramGroups` holds one group, its hyperparameters and `params: [0, 1, ...]`.
   * Names are PyTorch's in camelCase (`momentumBuffer`, `expAvg`, `expAvgSq`, `weightDecay`).
   */
  stateDict(): OptimizerStateDict {
    const state = new Map<number, ParamState>();
    this.params.forEach((_, i) => {
      const s = this.paramState(i);
      if (!s) return;
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) copy[k] = typeof v === 'number' ? v : v.detach();
      state.set(i, copy);
    });
    return { state, paramGroups: [{ ...this.groupOptions(), params: this.params.map((_, i) => i) }] };
  }

  /**
   * Load a dict from `stateDict()` (of an optimiser of the same kind over parameters of the same
   * shapes), as PyTorch's `load_state_dict`: hyperparameters and buffers are copied in (the dict's
   * tensors stay the caller's). Everything is checked first; a mismatch changes nothing.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const group = checkOptimizerState(this.name, stateDict, this.params, this.groupOptions(), this.stateKeys());
    this.setGroupOptions(group);
    noGrad(() => {
      this.params.forEach((_, i) => {
        const s = stateDict.state.get(i);
        if (!s) return;
        const copy: ParamState = {};
        for (const [k, v] of Object.entries(s)) copy[k] = typeof v === 'number' ? v : this.keepState(v.clone());
        this.setParamState(i, copy);
      });
    });
  }
}
