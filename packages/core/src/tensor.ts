import type { Backend, Device, Handle, View } from './backend.js';
import { DeviceError, DTypeError, ShapeError, StateError } from './errors.js';
import { checkInt32Data, INT32_EXACT_LIMIT, type DType } from './dtype.js';
import type { GradNode } from './node.js';
import { getBackend } from './registry.js';
import { fmtShape, sameShape, sizeOf, stridesOf, type Shape } from './shape.js';
import { isContiguous, isDense, isNonOverlapping } from './view.js';
import { isGradEnabled, noGrad, track, untrack } from './state.js';
import { formatTensor } from './format.js';

let nextId = 1;

/** Operand of an elementwise op: a tensor or a plain number. */
export type Operand = Tensor | number;

/** Nested arrays of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

/**
 * An N-d array of float32 (or int32, see `dtype`) on one device, recording the ops
 * that made it when autograd is on. Method names follow PyTorch.
 */
export class Tensor {
  /** Unique id, stable for the tensor's life (graph rendering uses it). */
  readonly id: number;
  /** Sizes of each dimension. */
  readonly shape: Shape;
  /** Device whose backend owns the data. */
  readonly device: Device;
  /** Element type: `float32`, or `int32` (whole numbers, stored as float32 and exact up to ±2^24). */
  readonly dtype: DType;
  /** Human name for graphs and errors (`x`, `w1`, `h_relu`); unnamed tensors are named by their op. */
  name: string | undefined;
  /** Accumulated gradient after `backward()`, or null. */
  grad: Tensor | null = null;
  /** @internal The op that produced this tensor, when recorded. */
  _node: GradNode | null = null;
  /** @internal Tensors freed with this one: the 0-d numbers a recorded `where` made for its graph. */
  _owned: Tensor[] | null = null;
  /**
   * @internal The tensors that share this one's data as views (itself, its
   * base, their views: PyTorch's base and views) and their one version counter.
   * Made only when a first view is taken: most tensors never have one, and an op
   * should not pay for a Set it does not use.
   */
  private _storage: SharedStorage | null = null;
  /** @internal This tensor's version while no view shares its data. */
  private _ownVersion = 0;
  private _handle: Handle | null;
  private _requiresGrad = false;

  /** @internal Use `tensor()`, `zeros()`, `randn()`... to make tensors. */
  constructor(handle: Handle, node: GradNode | null = null, dtype: DType = 'float32') {
    this.id = nextId++;
    this._handle = handle;
    this.shape = handle.shape;
    this.device = handle.device;
    this.dtype = dtype;
    if (node) {
      this._node = node;
      this._requiresGrad = true;
    }
    track(this);
  }

  /** @internal Bumped by every in-place change of this tensor, its base or any view of them (one counter, as in PyTorch). */
  get _version(): number {
    return this._storage ? this._storage.version : this._ownVersion;
  }

  /** @internal Make this fresh view share `base`'s storage family: in-place ops write through, one version counter. */
  _shareStorage(base: Tensor): void {
    if (this._storage) leaveFamily(this._storage, this);
    // The base's view marks out the block of the buffer the family shares (views only ever see inside it).
    // A base left alone in its family (its views freed) may have moved to another buffer since: start afresh.
    if (!base._storage || base._storage.members.length <= 1) {
      base._storage = { version: base._version, members: [base], block: base.handle('view') };
    }
    this._storage = base._storage;
    this._storage.members.push(this);
  }

  /**
   * @internal Called before a view of this tensor is taken. A tensor that is no view
   * owns its data, but its handle may still repeat elements (the stride-0 result of
   * zero_, a broadcast copy_, a clone of an expand); its views could then never be
   * written through, so it gets a dense copy of its values first (same values, same version).
   */
  _ownDenseData(op: string): void {
    const h = this.handle(op);
    if (this.isView || isContiguous(h) || isDense(h)) return;
    const b = this.backend(op);
    this._handle = b.copy(h, this.shape);
    b.free(h);
  }

  /** True when this tensor shares its data with another live tensor as a view (or is the base of one). */
  get isView(): boolean {
    return this._storage !== null && this._storage.members.length > 1;
  }

  /** Whether gradients flow to this tensor. Set it on leaves (weights); outputs of recorded ops inherit it. */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(v: boolean) {
    if (v && this.dtype !== 'float32') {
      throw new DTypeError(
        'requiresGrad',
        `${this.describe()} is ${this.dtype}; only float32 tensors can require grad (integers have no gradient, as in PyTorch) — use t.float() first`,
      );
    }
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

  /** The recorded op that made this tensor (PyTorch's `grad_fn`): its id, inputs and attrs; null for a leaf. */
  get gradFn(): GradNode | null {
    return this._node;
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
    const dtype = this.dtype === 'float32' ? '' : `, ${this.dtype}`;
    return `${label} (shape ${fmtShape(this.shape)}${dtype}, device '${this.device}')`;
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
    if (this._owned) {
      for (const t of this._owned) t.dispose();
      this._owned = null;
    }
    if (this._handle === null) return;
    const h = this._handle;
    this._handle = null;
    if (this._storage) leaveFamily(this._storage, this);
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
    // + 0: an int32 result such as neg(0) is -0 in its float32 buffer, and an integer has no sign of zero.
    return this.dtype === 'int32' ? this.dataSync()[0]! + 0 : this.dataSync()[0]!;
  }

  /** The data as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    return nest(this.dataSync(), this.shape, this.dtype === 'int32');
  }

  /** Like `toArray()`, reading asynchronously. */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape, this.dtype === 'int32');
  }

  /** Readable print-out in PyTorch's style. */
  toString(): string {
    const b = this.backend('toString');
    if (!b.readSync || this.isDisposed) return `tensor(<${this.isDisposed ? 'disposed' : 'on device'}>, shape=${fmtShape(this.shape)}, device='${this.device}')`;
    return formatTensor(this.dataSync(), this.shape, this.device, this);
  }

  // ---- autograd ------------------------------------------------------------
  // backward(), the ops (add, mm, sum...) and the in-place ops (sub_, zero_...) are
  // installed from the ops side: see methods.ts.

  /** Drop the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    if (this.grad) this.grad.dispose();
    this.grad = null;
  }

  /** A new tensor with the same data, cut off from the graph. */
  detach(): Tensor {
    const b = this.backend('detach');
    return new Tensor(b.copy(this.handle('detach'), this.shape), null, this.dtype);
  }

  // ---- dtype ---------------------------------------------------------------

  /**
   * This tensor as float32, as PyTorch's `.float()`: itself when it already is; an int32
   * tensor's values are already float32 in the buffer, so its copy shares that buffer (no kernel).
   */
  float(): Tensor {
    if (this.dtype === 'float32') return this;
    const b = this.backend('float');
    const h = this.handle('float');
    return new Tensor(b.retain(h, h), null, 'float32');
  }

  /**
   * This tensor as int32, as PyTorch's `.int()`: each value truncated toward zero. NaN, ±Inf and
   * values beyond ±2^24 are refused (a DTypeError naming the element), which needs a synchronous
   * read; an int32 tensor is returned as it is. Not recorded: integers carry no gradient.
   */
  int(): Tensor {
    if (this.dtype === 'int32') return this;
    const b = this.backend('int');
    if (!b.readSync) {
      throw new DeviceError(
        'int',
        `int() checks every value (NaN, ±Inf, beyond ±${INT32_EXACT_LIMIT}) and device '${this.device}' (${b.info.runtime}) reads back only asynchronously; ` +
          `use tensor((await t.data()).map(Math.trunc), { shape: t.shape, device: t.device, dtype: 'int32' }) (int() truncates toward zero), or make the tensor with { dtype: 'int32' }`,
      );
    }
    const data = b.readSync(this.handle('int'));
    const out = new Float32Array(data.length);
    // + 0 turns -0 (the truncation of -0.5) into 0: an integer has no sign of zero.
    for (let i = 0; i < data.length; i++) out[i] = Math.trunc(data[i]!) + 0;
    checkInt32Data('int', out, `${this.describe()} must hold finite values within ±2^24 to become int32; clamp or filter it first`);
    return new Tensor(b.fromArray(out, this.shape), null, 'int32');
  }

  /**
   * @internal Replace this tensor's values with `compute()`'s, in place: the step every
   * in-place op (sub_, zero_, copy_...) takes after checking its arguments.
   */
  _assign(op: string, compute: () => Tensor): this {
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
    if (isGradEnabled() && this.isView) {
      // A view taken under noGrad does not require grad, but writing it writes its base (PyTorch refuses this too).
      for (const t of this._storage!.members) {
        if (t._requiresGrad) {
          throw new StateError(
            op,
            `${this.describe()} shares its data with ${t.describe()}, which requires grad; an in-place change would change it behind autograd's back. ` +
              `Wrap the update in noGrad(() => ...), as PyTorch's torch.no_grad(), or clone() the view first`,
          );
        }
      }
    }
    const result = noGrad(compute);
    if (!sameShape(result.shape, this.shape)) {
      const shape = result.shape;
      result.dispose();
      throw new ShapeError(op, `the result has shape ${fmtShape(shape)} but ${this.describe()} cannot change shape in place; use the out-of-place op`);
    }
    // An int32 tensor cannot take float values in place (x.add_(0.5)); PyTorch refuses this cast too.
    if (this.dtype === 'int32' && result.dtype !== 'int32') {
      result.dispose();
      throw new DTypeError(op, `the result is ${result.dtype} but ${this.describe()} is int32, which cannot hold it in place; use the out-of-place op, or x.float() first`);
    }
    const fresh = result.takeHandle();
    if (!this.isView) {
      // Nothing else sees this data: repoint to the new buffer. A clone that
      // shares the old buffer keeps it (copy-on-write), and no kernel copies.
      const old = this._handle!;
      this._handle = fresh;
      this.backend(op).free(old);
    } else this.writeThrough(op, fresh);
    if (this._storage) this._storage.version++;
    else this._ownVersion++;
    return this;
  }

  /**
   * Write `fresh` (this tensor's new values) through to the buffer this
   * tensor shares with its base and views: a new buffer in the shared one's
   * layout, to which every member is repointed with its own view (buffers are
   * never written in place, so a clone of any member keeps the old values).
   */
  private writeThrough(op: string, fresh: Handle): void {
    const b = this.backend(op);
    const mine = this._handle!;
    const storage = this._storage!;
    if (!isNonOverlapping(mine)) {
      b.free(fresh);
      throw new ShapeError(
        op,
        `${this.describe()} is an expanded view: more than one of its elements is one element of the data it shares with its base, ` +
          `so an in-place write is ambiguous (PyTorch refuses it too); clone() it first and change the clone`,
      );
    }
    if (!isDense(mine) || sizeOf(mine.shape) !== sizeOf(storage.block.shape)) {
      this.scatterThrough(op, fresh);
      return;
    }
    // This view covers the whole shared block: the new values are the new block, no kernel.
    if (isContiguous(mine) && isContiguous(fresh)) {
      // The usual case (a weight changed while its t() is alive): this view and the new values both
      // read the block row-major from its start, so the new values are the new block as they are.
      this.repointFamily(fresh, 0);
      return;
    }
    // The new values in this tensor's logical order, then seen in the shared buffer's order:
    // this view's dims sorted by stride, outermost first, read as a row-major block.
    let src = isContiguous(fresh) ? fresh : b.copy(fresh, this.shape);
    if (src !== fresh) b.free(fresh);
    const order = this.shape.map((_, d) => d).sort((p, q) => mine.strides[q]! - mine.strides[p]! || p - q);
    const rowMajor = stridesOf(this.shape);
    const inBufferOrder = b.retain(src, { shape: order.map((d) => this.shape[d]!), strides: order.map((d) => rowMajor[d]!), offset: 0 });
    b.free(src);
    let buffer = inBufferOrder;
    if (!isContiguous(inBufferOrder)) {
      buffer = b.copy(inBufferOrder, inBufferOrder.shape);
      b.free(inBufferOrder);
    }
    // The shared block begins at this view's offset (a dense view's offset is its lowest element).
    this.repointFamily(buffer, mine.offset);
  }

  /**
   * Write-through of a view that covers part of the shared block (narrow, slice, a column of a
   * transpose): the block is read in its buffer order, this view's elements in it are replaced
   * by `fresh` (one asStridedScatter kernel into a new buffer; buffers are never written), and
   * every member of the family is repointed to the new block.
   */
  private scatterThrough(op: string, fresh: Handle): void {
    const b = this.backend(op);
    const mine = this._handle!;
    const storage = this._storage!;
    const root = storage.block;
    if (sizeOf(mine.shape) === 0) {
      b.free(fresh);
      return;
    }
    // The block in buffer order: its dims sorted by stride, outermost first, is a row-major block.
    const order = root.shape.map((_, d) => d).sort((p, q) => root.strides[q]! - root.strides[p]! || p - q);
    const blockShape = order.map((d) => root.shape[d]!);
    const block = b.retain(mine, { shape: blockShape, strides: stridesOf(blockShape), offset: root.offset });
    let scattered: Handle;
    try {
      scattered = b.asStridedScatter(block, fresh, { shape: mine.shape, strides: mine.strides, offset: mine.offset - root.offset });
    } finally {
      b.free(block);
      b.free(fresh);
    }
    this.repointFamily(scattered, root.offset);
  }

  /** Repoint every member of the family to `buffer`, the new shared block that began at `shift` in the old buffer; frees `buffer`'s own reference. */
  private repointFamily(buffer: Handle, shift: number): void {
    const b = this.backend('writeThrough');
    const storage = this._storage!;
    for (const t of storage.members) {
      const old = t._handle!;
      t._handle = b.retain(buffer, { shape: old.shape, strides: old.strides, offset: old.offset - shift });
      b.free(old);
    }
    const root = storage.block;
    storage.block = { shape: root.shape, strides: root.strides, offset: root.offset - shift };
    b.free(buffer);
  }

  /** @internal Hand this tensor's buffer to another tensor and mark this one disposed. */
  takeHandle(): Handle {
    const h = this.handle('takeHandle');
    this._handle = null;
    if (this._storage) leaveFamily(this._storage, this);
    untrack(this);
    return h;
  }
}

/** A buffer's worth of data shared by a base and its views: who shares it, and their one version counter. */
interface SharedStorage {
  version: number;
  /** The members in the order they joined: a family is a few tensors, and every t() or reshape makes one, so an array, not a Set. */
  members: Tensor[];
  /** The block of the buffer the family shares, as the base saw it: a dense view (its offset is its lowest element). */
  block: View;
}

// The data as nested arrays; `int` (an int32 tensor) turns -0 into 0.
// Take `t` out of its family's members, keeping the others' order (no array is made).
function leaveFamily(storage: SharedStorage, t: Tensor): void {
  const m = storage.members;
  const i = m.indexOf(t);
  if (i < 0) return;
  for (let k = i + 1; k < m.length; k++) m[k - 1] = m[k]!;
  m.pop();
}

function nest(data: Float32Array, shape: Shape, int: boolean): NestedArray {
  if (int) for (let i = 0; i < data.length; i++) data[i]! += 0;
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
