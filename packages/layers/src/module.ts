import { ArgumentError, keep, noGrad, showValue, StateError, type Device, type Tensor } from '@nn/core';
import { loadStateInto, type StateDictInput, type LoadStateDictOptions, type LoadStateDictResult } from './statedict.js';

/**
 * Base class of every layer, as PyTorch's `nn.Module`: it owns named parameters
 * and child modules, and walks them for `parameters()`, `zeroGrad()` and `to()`.
 *
 * Subclasses register what they own in the constructor with `registerParameter`
 * and `registerModule`; nn has no attribute magic, so registration is explicit.
 */
export abstract class Module {
  private readonly params = new Map<string, Tensor>();
  private readonly buffersMap = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();
  private isTraining = true;

  /** True in training mode (the default), false after `eval()`; Dropout and BatchNorm read it, as PyTorch's `module.training`. */
  get training(): boolean {
    return this.isTraining;
  }

  /** The layer's computation. */
  abstract forward(input: Tensor): Tensor;

  /**
   * Own `t` as a parameter under `name`: it requires grad and is kept, so no
   * `scope()` frees it (a training step runs inside scopes; the weights outlive them).
   */
  protected registerParameter(name: string, t: Tensor): Tensor {
    this.checkFreeName(name);
    t.requiresGrad = true;
    if (!t.name) t.name = name;
    this.params.set(name, keep(t));
    return t;
  }

  /** Own a child module under `name` (its parameters appear as `name.param`). */
  protected registerModule(name: string, m: Module): Module {
    this.checkFreeName(name);
    this.children.set(name, m);
    return m;
  }

  /**
   * Own `t` as a buffer under `name`: state that is saved in `stateDict()` and moved by
   * `to()` but is not a parameter (no gradient, no optimiser), as PyTorch's `register_buffer`
   * (BatchNorm's running statistics). It is kept, so no `scope()` frees it.
   */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.checkFreeName(name);
    this.buffersMap.set(name, keep(t));
    if (!t.name) t.name = name;
    return t;
  }

  /** @internal The buffer registered under `name` (for subclasses' getters). */
  protected buffer(name: string): Tensor {
    const b = this.buffersMap.get(name);
    if (!b) throw new StateError('Module', `no buffer '${name}'; register it with registerBuffer('${name}', t) in the constructor`);
    return b;
  }

  private checkFreeName(name: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new ArgumentError('Module', `a parameter, buffer or child name must be a non-empty string without '.', got ${showValue(name)}`);
    }
    if (this.params.has(name) || this.buffersMap.has(name) || this.children.has(name)) {
      throw new StateError('Module', `'${name}' is already registered on this module; pick another name`);
    }
  }

  /** @internal The parameter registered under `name` (for subclasses' getters). */
  protected param(name: string): Tensor {
    const p = this.params.get(name);
    if (!p) throw new StateError('Module', `no parameter '${name}'; register it with registerParameter('${name}', t) in the constructor`);
    return p;
  }

  /** Child modules in registration order, with their names. */
  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /**
   * Every parameter of this module and its children, with dotted names (`0.weight`), as PyTorch's
   * `named_parameters()`: one reached twice (a module used twice: tied weights) is listed once, under
   * its first name, so an optimiser steps it once.
   */
  namedParameters(prefix = ''): [string, Tensor][] {
    return firstOfEach(this.allParameters(prefix));
  }

  // Every parameter under every name it is reached by (a state dict has each key).
  private allParameters(prefix: string): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, p] of this.params) out.push([prefix + name, p]);
    for (const [name, m] of this.children) out.push(...m.allParameters(`${prefix}${name}.`));
    return out;
  }

  /** Every parameter, in the order an optimiser should see them. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer of this module and its children, with dotted names (`1.running_mean`), as PyTorch's `named_buffers()` (each once, as `namedParameters`). */
  namedBuffers(prefix = ''): [string, Tensor][] {
    return firstOfEach(this.allBuffers(prefix));
  }

  // Every buffer under every name it is reached by.
  private allBuffers(prefix: string): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, b] of this.buffersMap) out.push([prefix + name, b]);
    for (const [name, m] of this.children) out.push(...m.allBuffers(`${prefix}${name}.`));
    return out;
  }

  /** Every buffer, in `namedBuffers()` order. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** This module and every descendant with dotted names ('' for this one), depth first, as PyTorch's `named_modules()`. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this.children) out.push(...m.namedModules(prefix === '' ? name : `${prefix}.${name}`));
    return out;
  }

  /**
   * Set training mode on this module and every descendant, as PyTorch's `train(mode)`;
   * returns this. Only Dropout and BatchNorm behave differently in the two modes.
   */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new ArgumentError('train', `mode must be true or false, got ${showValue(mode)}; model.eval() is train(false)`);
    for (const [, m] of this.namedModules()) m.isTraining = mode;
    return this;
  }

  /** Evaluation mode (`train(false)`), as PyTorch's `eval()`; returns this. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Parameters and buffers by PyTorch's key names, in PyTorch's order (each module's own
   * parameters, then its buffers, then its children's): `0.weight`, `0.bias`, `2.weight`...
   * Each value is a detached snapshot (copy-on-write, no kernel): later training steps do not
   * change it, and disposing it leaves the model alone. PyTorch's values share storage instead.
   */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    this.collectState('', out);
    return out;
  }

  private collectState(prefix: string, out: Map<string, Tensor>): void {
    for (const [name, p] of this.params) out.set(prefix + name, p.detach());
    for (const [name, b] of this.buffersMap) out.set(prefix + name, b.detach());
    for (const [name, m] of this.children) m.collectState(`${prefix}${name}.`, out);
  }

  /**
   * Copy every value of `stateDict` (a Map or a plain object of tensors) into the parameter or
   * buffer of the same name, in place and outside autograd, as PyTorch's `load_state_dict`.
   * With `strict` (the default) a missing or unexpected key is an error; a mis-shaped value always
   * is. Every problem is named in one message and nothing is copied unless all values fit.
   * Values must be on the parameter's device (a DeviceError names `.to()`). Returns the missing
   * and unexpected keys (both empty when strict).
   */
  loadStateDict(stateDict: StateDictInput, options: LoadStateDictOptions = {}): LoadStateDictResult {
    // Every key stateDict() writes, a shared module's under each of its names (as PyTorch loads it).
    const targets = new Map<string, Tensor>([...this.allParameters(''), ...this.allBuffers('')]);
    return loadStateInto(targets, stateDict, options);
  }

  /** Drop every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /**
   * Move every parameter to `device`, explicitly: each one is copied into a fresh
   * leaf there and the old buffer is freed. Returns this. As in PyTorch, build the
   * optimiser after `to()`: an optimiser made earlier still holds the old tensors.
   */
  to(device: Device): this {
    for (const [name, p] of this.params) {
      if (p.device === device) continue;
      const moved = keep(noGrad(() => p.to(device)));
      // A frozen parameter (Embedding.fromPretrained's default) stays frozen on the new device.
      moved.requiresGrad = p.requiresGrad;
      moved.name = p.name;
      p.zeroGrad();
      p.dispose();
      this.params.set(name, moved);
    }
    for (const [name, b] of this.buffersMap) {
      if (b.device === device) continue;
      const moved = keep(noGrad(() => b.to(device)));
      moved.name = b.name;
      b.dispose();
      this.buffersMap.set(name, moved);
    }
    for (const m of this.children.values()) m.to(device);
    return this;
  }

  /** Free every parameter (and gradient) and buffer now. */
  dispose(): void {
    for (const p of this.parameters()) {
      p.zeroGrad();
      p.dispose();
    }
    for (const b of this.buffers()) b.dispose();
  }
}

// The first entry of each tensor, in order: PyTorch's named_parameters() drops repeats the same way.
function firstOfEach(entries: [string, Tensor][]): [string, Tensor][] {
  const seen = new Set<Tensor>();
  return entries.filter(([, t]) => {
    if (seen.has(t)) return false;
    seen.add(t);
    return true;
  });
}
