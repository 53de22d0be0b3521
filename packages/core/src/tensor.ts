import type { Backend, Device, Handle } from './backend.js';
import { DeviceError, ShapeError, StateError } from './errors.js';
import type { GradNode } from './node.js';
import { getBackend } from './registry.js';
import { broadcastShapes, fmtShape, sameShape, sizeOf, type Shape } from './shape.js';
import { checkOperand, checkTensor } from './validate.js';
import { isGradEnabled, noGrad, track, untrack } from './state.js';
import * as ops from './ops/index.js';
import { runBackward, type BackwardOptions } from './autograd.js';
import { formatTensor } from './format.js';

let nextId = 1;

/** Operand of an elementwise op: a tensor or a plain number. */
export type Operand = Tensor | number;

/** Nested arrays of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

/**
 * A float32 N-d array on one device, recording the ops that made it when
 * autograd is on. Method names follow PyTorch.
 */
export class Tensor {
  /** Unique id, stable for the tensor's life (graph rendering uses it). */
  readonly id: number;
  /** Sizes of each dimension. */
  readonly shape: Shape;
  /** Device whose backend owns the data. */
  readonly device: Device;
  /** Human name for graphs and errors (`x`, `w1`, `h_relu`); unnamed tensors are named by their op. */
  name: string | undefined;
  /** Accumulated gradient after `backward()`, or null. */
  grad: Tensor | null = null;
  /** @internal The op that produced this tensor, when recorded. */
  _node: GradNode | null = null;
  /** @internal Bumped by every in-place change. */
  _version = 0;
  private _handle: Handle | null;
  private _requiresGrad = false;

  /** @internal Use `tensor()`, `zeros()`, `randn()`... to make tensors. */
  constructor(handle: Handle, node: GradNode | null = null) {
    this.id = nextId++;
    this._handle = handle;
    this.shape = handle.shape;
    this.device = handle.device;
    if (node) {
      this._node = node;
      this._requiresGrad = true;
    }
    track(this);
  }

  /** Whether gradients flow to this tensor. Set it on leaves (weights); outputs of recorded ops inherit it. */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(v: boolean) {
    if (!v && this._node) {
      throw new StateError('requiresGrad', 'cannot switch off requiresGrad on a tensor made by a recorded op; use .detach() for a copy outside the graph');
    }
    this._requiresGrad = v;
  }

  /** Set `requiresGrad` and return this tensor, as PyTorch's `requires_grad_()`. */
  requiresGrad_(v = true): this {
    this.requiresGrad = v;
    return this;
  }

  /** True for tensors not made by a recorded op (inputs and weights). */
  get isLeaf(): boolean {
    return this._node === null;
  }

  /** Name of the op that made this tensor, or null for a leaf. */
  get op(): string | null {
    return this._node ? this._node.op : null;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements, as PyTorch's `numel()`. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** Number of elements. */
  numel(): number {
    return sizeOf(this.shape);
  }

  /** True once `dispose()` has run (directly or through a scope). */
  get isDisposed(): boolean {
    return this._handle === null;
  }

  /** @internal The backend handle; throws on a disposed tensor. */
  handle(op: string): Handle {
    if (this._handle === null) {
      throw new StateError(
        op,
        `${this.describe()} was disposed (by dispose() or at the end of a scope); ` +
          `return it from the scope, call keep(t), or compute it again`,
      );
    }
    return this._handle;
  }

  /** @internal The backend that owns this tensor. */
  backend(op = 'backend'): Backend {
    return getBackend(this.device, op);
  }

  /** @internal Short description for error messages: name, shape and device. */
  describe(): string {
    const label = this.name ?? (this._node ? `the result of ${this._node.op}` : `tensor #${this.id}`);
    return `${label} (shape ${fmtShape(this.shape)}, device '${this.device}')`;
  }

  /** Give the tensor a name for graphs and errors; returns this. */
  named(name: string): this {
    this.name = name;
    return this;
  }

  /** Free the device buffer now, and the `.grad` this tensor holds. Safe to call twice. */
  dispose(): void {
    // The gradient belongs to its tensor (no scope tracks it): without this a leaf made
    // each step would leave its .grad behind every step.
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
    if (this._handle === null) return;
    const h = this._handle;
    this._handle = null;
    untrack(this);
    getBackend(this.device, 'dispose').free(h);
  }

  // ---- reading -------------------------------------------------------------

  /** Read the data synchronously (cpu, gpu.js GL modes); elsewhere throws and names `await t.data()`. */
  dataSync(): Float32Array {
    const b = this.backend('dataSync');
    if (!b.readSync) {
      throw new DeviceError(
        'dataSync',
        `device '${this.device}' (${b.info.runtime}) can only read back asynchronously; use \`await t.data()\` instead of dataSync()/item()/toArray()`,
      );
    }
    return b.readSync(this.handle('dataSync'));
  }

  /** Read the data; works on every backend. A disposed tensor gives a rejected promise (StateError), never a synchronous throw. */
  async data(): Promise<Float32Array> {
    return this.backend('data').read(this.handle('data'));
  }

  /** The single value of a one-element tensor, as PyTorch's `item()`. */
  item(): number {
    if (this.size !== 1) {
      throw new ShapeError('item', `only one-element tensors can be converted to a number, got shape ${fmtShape(this.shape)}; reduce first, e.g. .sum()`);
    }
    return this.dataSync()[0]!;
  }

  /** The data as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    return nest(this.dataSync(), this.shape);
  }

  /** Like `toArray()`, reading asynchronously. */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape);
  }

  /** Readable print-out in PyTorch's style. */
  toString(): string {
    const b = this.backend('toString');
    if (!b.readSync || this.isDisposed) return `tensor(<${this.isDisposed ? 'disposed' : 'on device'}>, shape=${fmtShape(this.shape)}, device='${this.device}')`;
    return formatTensor(this.dataSync(), this.shape, this.device, this);
  }

  // ---- autograd ------------------------------------------------------------

  /**
   * Compute gradients of this tensor with respect to every leaf that requires grad, as PyTorch's
   * `backward(gradient, retain_graph)`: `loss.backward()`, `y.backward(gradient)`,
   * `loss.backward({ retainGraph: true })` or `y.backward(gradient, { retainGraph: true })`.
   * Without `retainGraph` the graph is released: a second backward through an op that saved
   * values is a StateError, as in PyTorch.
   */
  backward(gradient?: Tensor | BackwardOptions, options?: BackwardOptions): void {
    if (gradient !== undefined && !(gradient instanceof Tensor) && options === undefined && isOptionsObject(gradient)) {
      runBackward(this, undefined, gradient);
      return;
    }
    runBackward(this, gradient as Tensor | undefined, options);
  }

  /** Drop the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    if (this.grad) this.grad.dispose();
    this.grad = null;
  }

  /** A new tensor with the same data, cut off from the graph. */
  detach(): Tensor {
    const b = this.backend('detach');
    return new Tensor(b.copy(this.handle('detach'), this.shape));
  }

  // ---- device --------------------------------------------------------------

  /** Copy to another device (differentiable). Reads synchronously; use `toAsync` from a WebGPU tensor. */
  to(device: Device): Tensor {
    return ops.to(this, device);
  }

  /** Copy to another device, reading back asynchronously (works from every backend). */
  toAsync(device: Device): Promise<Tensor> {
    return ops.toAsync(this, device);
  }

  // ---- elementwise -----------------------------------------------------------

  /** this + other (broadcasting). */
  add(other: Operand): Tensor { return ops.add(this, other); }
  /** this - other (broadcasting). */
  sub(other: Operand): Tensor { return ops.sub(this, other); }
  /** this * other (broadcasting). */
  mul(other: Operand): Tensor { return ops.mul(this, other); }
  /** this / other (broadcasting). */
  div(other: Operand): Tensor { return ops.div(this, other); }
  /** this ** exponent (broadcasting). */
  pow(exponent: Operand): Tensor { return ops.pow(this, exponent); }
  /** Elementwise maximum. */
  maximum(other: Operand): Tensor { return ops.maximum(this, other); }
  /** Elementwise minimum. */
  minimum(other: Operand): Tensor { return ops.minimum(this, other); }
  /** -this. */
  neg(): Tensor { return ops.neg(this); }
  /** e ** this. */
  exp(): Tensor { return ops.exp(this); }
  /** Natural logarithm. */
  log(): Tensor { return ops.log(this); }
  /** Square root. */
  sqrt(): Tensor { return ops.sqrt(this); }
  /** Absolute value. */
  abs(): Tensor { return ops.abs(this); }
  /** Hyperbolic tangent. */
  tanh(): Tensor { return ops.tanh(this); }
  /** Logistic sigmoid. */
  sigmoid(): Tensor { return ops.sigmoid(this); }
  /** max(this, 0). */
  relu(): Tensor { return ops.relu(this); }
  /** Limit to [min, max]; either bound may be left out, as `clamp(min=0)`. */
  clamp(bounds: { min?: number; max?: number }): Tensor { return ops.clamp(this, bounds); }

  /** Mask (1/0) of this < other. */
  lt(other: Operand): Tensor { return ops.compare('lt', this, other); }
  /** Mask (1/0) of this > other. */
  gt(other: Operand): Tensor { return ops.compare('gt', this, other); }
  /** Mask (1/0) of this <= other. */
  le(other: Operand): Tensor { return ops.compare('le', this, other); }
  /** Mask (1/0) of this >= other. */
  ge(other: Operand): Tensor { return ops.compare('ge', this, other); }
  /** Mask (1/0) of this == other. */
  eq(other: Operand): Tensor { return ops.compare('eq', this, other); }

  /** Copy with `value` where `mask` is nonzero. */
  maskedFill(mask: Tensor, value: number): Tensor { return ops.maskedFill(this, mask, value); }

  // ---- linear algebra & shape --------------------------------------------------

  /** Matrix product of 2-D tensors. */
  mm(other: Tensor): Tensor { return ops.mm(this, other); }
  /** Matrix product (2-D, or 1-D operands treated as vectors). */
  matmul(other: Tensor): Tensor { return ops.matmul(this, other); }
  /** Transpose of a 2-D tensor (1-D and 0-D come back as copies). */
  t(): Tensor { return ops.t(this); }
  /** Swap two dimensions. */
  transpose(dim0: number, dim1: number): Tensor { return ops.transpose(this, dim0, dim1); }
  /** Reorder dimensions. */
  permute(...dims: number[] | [readonly number[]]): Tensor { return ops.permute(this, flatShape(dims)); }
  /** Same data, new shape; one size may be -1. */
  reshape(...shape: number[] | [readonly number[]]): Tensor { return ops.reshape(this, flatShape(shape)); }
  /** Alias of reshape (nn never shares storage between tensors). */
  view(...shape: number[] | [readonly number[]]): Tensor { return ops.reshape(this, flatShape(shape)); }
  /** Broadcast to a larger shape. */
  expand(...shape: number[] | [readonly number[]]): Tensor { return ops.expand(this, flatShape(shape)); }
  /** A copy that stays in the graph. */
  clone(): Tensor { return ops.clone(this); }

  // ---- reductions ----------------------------------------------------------------

  /** Sum of all elements, or along `dim` (a number or list), keeping reduced dims when `keepdim`. */
  sum(dim?: number | readonly number[], keepdim = false): Tensor { return ops.sum(this, dim, keepdim); }
  /** Mean of all elements, or along `dim`. */
  mean(dim?: number | readonly number[], keepdim = false): Tensor { return ops.mean(this, dim, keepdim); }
  /** Maximum of all elements, or along `dim` (gradient split evenly among ties, as `amax`). */
  max(dim?: number | readonly number[], keepdim = false): Tensor { return ops.amax(this, dim, keepdim); }

  // ---- in place ---------------------------------------------------------------------

  /** this -= other, in place (inside `noGrad` for weights that require grad). */
  sub_(other: Operand): this {
    checkOperand('sub_', other, 'other');
    return this.assign_('sub_', () => ops.sub(this, other));
  }
  /** this += other, in place. */
  add_(other: Operand): this {
    checkOperand('add_', other, 'other');
    return this.assign_('add_', () => ops.add(this, other));
  }
  /** this *= other, in place. */
  mul_(other: Operand): this {
    checkOperand('mul_', other, 'other');
    return this.assign_('mul_', () => ops.mul(this, other));
  }
  /** Set elements where `mask` is nonzero to `value`, in place (`grad_h[h < 0] = 0`). */
  maskedFill_(mask: Tensor, value: number): this { return this.assign_('maskedFill_', () => ops.maskedFill(this, mask, value)); }
  /** Fill with zeros, in place (also over NaN and Inf, which `mul(0)` would keep as NaN). */
  zero_(): this {
    return this.assign_('zero_', () => {
      const zero = ops.scalarTensor(this.backend('zero_'), 0);
      const zeros = ops.expand(zero, this.shape);
      zero.dispose();
      return zeros;
    });
  }
  /** Copy `src`'s values into this tensor, in place (same shape after broadcasting). */
  copy_(src: Tensor): this {
    checkTensor('copy_', src, 'src');
    ops.sameDevice('copy_', this, src);
    if (!sameShape(broadcastShapes('copy_', this.shape, src.shape), this.shape)) {
      throw new ShapeError('copy_', `src ${src.describe()} cannot be broadcast to ${this.describe()}; give a src of shape ${fmtShape(this.shape)} or one that broadcasts to it`);
    }
    return this.assign_('copy_', () => ops.expand(src, this.shape));
  }

  private assign_(op: string, compute: () => Tensor): this {
    this.handle(op); // a disposed tensor is reported under the in-place op's own name
    if (isGradEnabled() && this._requiresGrad) {
      if (this.isLeaf) {
        throw new StateError(
          op,
          `${this.describe()} is a leaf that requires grad; an in-place change would hide it from autograd. ` +
            `Wrap the update in noGrad(() => w.${op}(...)), as PyTorch's torch.no_grad()`,
        );
      }
      throw new StateError(op, `${this.describe()} is part of a recorded graph; in-place changes there are not supported — use the out-of-place op instead`);
    }
    const result = noGrad(compute);
    if (!sameShape(result.shape, this.shape)) {
      const shape = result.shape;
      result.dispose();
      throw new ShapeError(op, `the result has shape ${fmtShape(shape)} but ${this.describe()} cannot change shape in place; use the out-of-place op`);
    }
    const old = this._handle;
    this._handle = result.takeHandle();
    this._version++;
    if (old) this.backend(op).free(old);
    return this;
  }

  /** @internal Hand this tensor's buffer to another tensor and mark this one disposed. */
  takeHandle(): Handle {
    const h = this.handle('takeHandle');
    this._handle = null;
    untrack(this);
    return h;
  }
}

// A plain object (not null, not an array) passed where backward's gradient goes is its options.
function isOptionsObject(v: unknown): v is BackwardOptions {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

function flatShape(shape: number[] | [readonly number[]]): number[] {
  if (shape.length === 1 && Array.isArray(shape[0])) return [...(shape[0] as readonly number[])];
  return shape as number[];
}

function nest(data: Float32Array, shape: Shape): NestedArray {
  if (shape.length === 0) return data[0]!;
  const build = (dim: number, offset: number): NestedArray[] => {
    const n = shape[dim]!;
    const out: NestedArray[] = new Array(n);
    if (dim === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = data[offset + i]!;
      return out;
    }
    const stride = sizeOf(shape.slice(dim + 1));
    for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * stride);
    return out;
  };
  return build(0, 0);
}
