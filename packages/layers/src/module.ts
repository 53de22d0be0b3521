import { keep, noGrad, type Device, type Tensor } from '@nn/core';

/**
 * Base class of every layer, as PyTorch's `nn.Module`: it owns named parameters
 * and child modules, and walks them for `parameters()`, `zeroGrad()` and `to()`.
 *
 * Subclasses register what they own in the constructor with `registerParameter`
 * and `registerModule`; nn has no attribute magic, so registration is explicit.
 */
export abstract class Module {
  private readonly params = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** The layer's computation. */
  abstract forward(input: Tensor): Tensor;

  /**
   * Own `t` as a parameter under `name`: it requires grad and is kept, so no
   * `scope()` frees it (a training step runs inside scopes; the weights outlive them).
   */
  protected registerParameter(name: string, t: Tensor): Tensor {
    if (this.params.has(name) || this.children.has(name)) throw new Error(`${this.constructor.name}: '${name}' is already registered`);
    t.requiresGrad = true;
    if (!t.name) t.name = name;
    this.params.set(name, keep(t));
    return t;
  }

  /** Own a child module under `name` (its parameters appear as `name.param`). */
  protected registerModule(name: string, m: Module): Module {
    if (this.params.has(name) || this.children.has(name)) throw new Error(`${this.constructor.name}: '${name}' is already registered`);
    this.children.set(name, m);
    return m;
  }

  /** @internal The parameter registered under `name` (for subclasses' getters). */
  protected param(name: string): Tensor {
    const p = this.params.get(name);
    if (!p) throw new Error(`${this.constructor.name}: no parameter '${name}'`);
    return p;
  }

  /** Child modules in registration order, with their names. */
  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** Every parameter of this module and its children, with dotted names (`0.weight`), as PyTorch's `named_parameters()`. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, p] of this.params) out.push([prefix + name, p]);
    for (const [name, m] of this.children) out.push(...m.namedParameters(`${prefix}${name}.`));
    return out;
  }

  /** Every parameter, in the order an optimiser should see them. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
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
      moved.requiresGrad = true;
      moved.name = p.name;
      p.zeroGrad();
      p.dispose();
      this.params.set(name, moved);
    }
    for (const m of this.children.values()) m.to(device);
    return this;
  }

  /** Free every parameter (and gradient) now. */
  dispose(): void {
    for (const p of this.parameters()) {
      p.zeroGrad();
      p.dispose();
    }
  }
}
