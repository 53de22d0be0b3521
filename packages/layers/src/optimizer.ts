import { ArgumentError, checkTensor, keep, noGrad, scope, showValue, StateError, type Tensor } from '@nn/core';

/**
 * Base of the optimisers: holds the parameters, drops their gradients, and runs
 * each update inside `noGrad` (updates are not part of the graph) and `scope`
 * (the temporaries of an update are freed at once).
 */
export abstract class Optimizer {
  /** The tensors this optimiser updates, in place. */
  readonly params: readonly Tensor[];

  /**
   * `name` is the optimiser's class name for error messages, given as text: a
   * minifier renames classes, so `constructor.name` would print `b` in a bundle.
   */
  constructor(params: Iterable<Tensor>, name: string) {
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
      throw new ArgumentError(name, `expected the parameters as an iterable of tensors, e.g. model.parameters(), got ${showValue(params)}`);
    }
    this.params = [...params];
    this.params.forEach((p, i) => checkTensor(name, p, `parameter ${i}`));
    if (this.params.length === 0) throw new StateError(name, 'got an empty parameter list; pass model.parameters()');
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
}
