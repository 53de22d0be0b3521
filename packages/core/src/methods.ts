import type { Device } from './backend.js';
import { ShapeError } from './errors.js';
import { broadcastShapes, fmtShape, sameShape } from './shape.js';
import { Tensor, type Operand } from './tensor.js';
import { checkOperand, checkTensor } from './validate.js';
import { runBackward, type BackwardOptions } from './autograd.js';
import * as ops from './ops/index.js';
import type { IndexLike } from './ops/indexing.js';
import type { VarOptions } from './ops/moments.js';

// Tensor's fluent methods (`x.mm(w)`), installed on Tensor.prototype from here,
// the ops side, as tfjs adds its chained ops from outside its tensor module: so
// tensor.ts imports no op and sits at the bottom of the module graph. The types
// come by declaration merging; the index of @nn/core installs them (installMethods).

declare module './tensor.js' {
  interface Tensor {
    /**
     * Compute gradients of this tensor with respect to every leaf that requires grad, as PyTorch's
     * `backward(gradient, retain_graph)`: `loss.backward()`, `y.backward(gradient)`,
     * `loss.backward({ retainGraph: true })` or `y.backward(gradient, { retainGraph: true })`.
     * Without `retainGraph` the graph is released: a second backward through an op that saved
     * values is a StateError, as in PyTorch.
     */
    backward(gradient?: Tensor | BackwardOptions, options?: BackwardOptions): void;
    /** Copy to another device (differentiable). Reads synchronously; use `toAsync` from a WebGPU tensor. */
    to(device: Device): Tensor;
    /** Copy to another device, reading back asynchronously (works from every backend). */
    toAsync(device: Device): Promise<Tensor>;

    /** this + other (broadcasting). */
    add(other: Operand): Tensor;
    /** this - other (broadcasting). */
    sub(other: Operand): Tensor;
    /** this * other (broadcasting). */
    mul(other: Operand): Tensor;
    /** this / other (broadcasting). */
    div(other: Operand): Tensor;
    /** this ** exponent (broadcasting). */
    pow(exponent: Operand): Tensor;
    /** Elementwise maximum. */
    maximum(other: Operand): Tensor;
    /** Elementwise minimum. */
    minimum(other: Operand): Tensor;
    /** -this. */
    neg(): Tensor;
    /** e ** this. */
    exp(): Tensor;
    /** Natural logarithm. */
    log(): Tensor;
    /** Square root. */
    sqrt(): Tensor;
    /** Absolute value. */
    abs(): Tensor;
    /** Hyperbolic tangent. */
    tanh(): Tensor;
    /** Logistic sigmoid. */
    sigmoid(): Tensor;
    /** max(this, 0). */
    relu(): Tensor;
    /** Sine (radians). */
    sin(): Tensor;
    /** ln(1 + this), accurate near 0. */
    log1p(): Tensor;
    /** e ** this − 1, accurate near 0. */
    expm1(): Tensor;
    /** The error function. */
    erf(): Tensor;
    /** −1, 0 or 1 by sign (0 for ±0 and NaN); zero gradient. */
    sign(): Tensor;
    /** Round down to an integer; zero gradient. */
    floor(): Tensor;
    /** Round up to an integer; zero gradient. */
    ceil(): Tensor;
    /** Round to the nearest integer, ties to even; zero gradient. */
    round(): Tensor;
    /** 1 / this. */
    reciprocal(): Tensor;
    /** 1 / √this. */
    rsqrt(): Tensor;
    /** this². */
    square(): Tensor;
    /** this where > 0, else this·negativeSlope (default 0.01), as `F.leaky_relu`. */
    leakyRelu(negativeSlope?: number): Tensor;
    /** this where > 0, else alpha·(e^this − 1) (default alpha 1), as `F.elu`. */
    elu(alpha?: number): Tensor;
    /** this·Φ(this), exact or `{ approximate: 'tanh' }`, as `F.gelu`. */
    gelu(options?: { approximate?: 'none' | 'tanh' }): Tensor;
    /** log(1 + e^(β·this)) / β, linear past `threshold`, as `F.softplus` (β 1, threshold 20). */
    softplus(beta?: number, threshold?: number): Tensor;
    /** Softmax along `dim`, without overflow. */
    softmax(dim: number): Tensor;
    /** Log of the softmax along `dim`, computed without rounding to log 0. */
    logSoftmax(dim: number): Tensor;
    /** log Σ e^this along `dim`, without overflow. */
    logsumexp(dim: number | readonly number[], keepdim?: boolean): Tensor;
    /** Variance of all elements or along `dim` (`{ correction = 1, keepdim = false }`), as `torch.var`. */
    var(dim?: number | readonly number[], options?: VarOptions): Tensor;
    /** Standard deviation of all elements or along `dim` (`{ correction = 1, keepdim = false }`), as `torch.std`. */
    std(dim?: number | readonly number[], options?: VarOptions): Tensor;
    /** Running sums along `dim`, as `torch.cumsum`. */
    cumsum(dim: number): Tensor;
    /** Cosine (radians). */
    cos(): Tensor;
    /** Limit to [min, max]; either bound may be left out, as `clamp(min=0)`. */
    clamp(bounds: { min?: number; max?: number }): Tensor;

    /** Mask (1/0) of this < other. */
    lt(other: Operand): Tensor;
    /** Mask (1/0) of this > other. */
    gt(other: Operand): Tensor;
    /** Mask (1/0) of this <= other. */
    le(other: Operand): Tensor;
    /** Mask (1/0) of this >= other. */
    ge(other: Operand): Tensor;
    /** Mask (1/0) of this == other. */
    eq(other: Operand): Tensor;
    /** Copy with `value` where `mask` is nonzero. */
    maskedFill(mask: Tensor, value: number): Tensor;

    /** Matrix product of 2-D tensors. */
    mm(other: Tensor): Tensor;
    /** Matrix product with `torch.matmul`'s rules: 1-D vectors, 2-D matrices, N-d batches with broadcast batch dims. */
    matmul(other: Tensor): Tensor;
    /** Batched matrix product of 3-D tensors with equal batch sizes, as `torch.bmm`. */
    bmm(other: Tensor): Tensor;
    /** Transpose of a 2-D tensor (1-D and 0-D come back as copies). */
    t(): Tensor;
    /** Swap two dimensions. */
    transpose(dim0: number, dim1: number): Tensor;
    /** Reorder dimensions. */
    permute(...dims: number[] | [readonly number[]]): Tensor;
    /** Same data, new shape; one size may be -1. */
    reshape(...shape: number[] | [readonly number[]]): Tensor;
    /** Alias of reshape: a view that shares this tensor's data when it is row-major, as PyTorch's `view`; otherwise a copy. */
    view(...shape: number[] | [readonly number[]]): Tensor;
    /** Broadcast to a larger shape. */
    expand(...shape: number[] | [readonly number[]]): Tensor;
    /** A copy that stays in the graph. */
    clone(): Tensor;
    /** `length` elements of `dim` from `start`, as `torch.narrow`: a view. */
    narrow(dim: number, start: number, length: number): Tensor;
    /** Python's `x[…, start:end:step]` along `dim` (bounds clamped, negatives from the end): a view. */
    slice(dim: number, start?: number | null, end?: number | null, step?: number): Tensor;
    /** Drop size-1 dims (all, or those of `dim` that are 1): a view. */
    squeeze(dim?: number | readonly number[]): Tensor;
    /** Insert a size-1 dim at `dim`: a view. */
    unsqueeze(dim: number): Tensor;
    /** Merge dims `startDim..endDim` into one (a view when row-major). */
    flatten(startDim?: number, endDim?: number): Tensor;
    /** Views of pieces of `sizeOrSections` elements (or of the sizes listed) along `dim`, as `torch.split`. */
    split(sizeOrSections: number | readonly number[], dim?: number): Tensor[];
    /** `chunks` views of about equal size along `dim`, as `torch.chunk`. */
    chunk(chunks: number, dim?: number): Tensor[];
    /** Reverse the order along `dims`. */
    flip(...dims: number[] | [readonly number[]]): Tensor;
    /** Tile: `sizes[i]` copies along dim i, as `torch.Tensor.repeat`. */
    repeat(...sizes: number[] | [readonly number[]]): Tensor;
    /** Values picked along `dim` by an int32 `index` of the same rank, as `torch.gather`. */
    gather(dim: number, index: IndexLike): Tensor;
    /** Entries along `dim` at the positions of a 1-D int32 `index`, as `torch.index_select`. */
    indexSelect(dim: number, index: IndexLike): Tensor;
    /** This plus `src` added at `index` along `dim` (out of place), as `torch.Tensor.scatter_add`. */
    scatterAdd(dim: number, index: IndexLike, src: Tensor): Tensor;
    /** This with `src` written over `this[…, start:end:step]` along `dim` (out of place), as `torch.slice_scatter`. */
    sliceScatter(src: Tensor, dim?: number, start?: number | null, end?: number | null, step?: number): Tensor;

    /** Sum of all elements, or along `dim` (a number or list), keeping reduced dims when `keepdim`. */
    sum(dim?: number | readonly number[], keepdim?: boolean): Tensor;
    /** Mean of all elements, or along `dim`. */
    mean(dim?: number | readonly number[], keepdim?: boolean): Tensor;
    /** Maximum of all elements, or along `dim` (gradient split evenly among ties, as `amax`). */
    max(dim?: number | readonly number[], keepdim?: boolean): Tensor;
    /** Minimum of all elements, or along `dim` (gradient split evenly among ties, as `torch.amin`; torch's min(dim) also returns indices: use argmin). */
    min(dim?: number | readonly number[], keepdim?: boolean): Tensor;
    /** Index (int32) of the largest element along `dim`, or of the flattened tensor, as `torch.argmax` (ties: first; NaN is the largest). */
    argmax(dim?: number, keepdim?: boolean): Tensor;
    /** Index (int32) of the smallest element along `dim`, or of the flattened tensor, as `torch.argmin` (ties: first; NaN is the smallest). */
    argmin(dim?: number, keepdim?: boolean): Tensor;

    /** this -= other, in place (inside `noGrad` for weights that require grad). */
    sub_(other: Operand): this;
    /** this += other, in place. */
    add_(other: Operand): this;
    /** this *= other, in place. */
    mul_(other: Operand): this;
    /** Add `src` at `index` along `dim`, in place, as `torch.Tensor.scatter_add_`. */
    scatterAdd_(dim: number, index: IndexLike, src: Tensor): this;
    /** Set elements where `mask` is nonzero to `value`, in place (`grad_h[h < 0] = 0`). */
    maskedFill_(mask: Tensor, value: number): this;
    /** Fill with zeros, in place (also over NaN and Inf, which `mul(0)` would keep as NaN). */
    zero_(): this;
    /** Copy `src`'s values into this tensor, in place (same shape after broadcasting). */
    copy_(src: Tensor): this;
  }
}

// The methods, each a call of its op; `this` is the tensor.
const methods: ThisType<Tensor> & { [K in keyof Tensor]?: Tensor[K] } = {
  backward(this: Tensor, gradient?: Tensor | BackwardOptions, options?: BackwardOptions): void {
    if (gradient !== undefined && !(gradient instanceof Tensor) && options === undefined && isOptionsObject(gradient)) {
      runBackward(this, undefined, gradient);
      return;
    }
    runBackward(this, gradient as Tensor | undefined, options);
  },
  to(this: Tensor, device: Device) { return ops.to(this, device); },
  toAsync(this: Tensor, device: Device) { return ops.toAsync(this, device); },

  add(this: Tensor, other: Operand) { return ops.add(this, other); },
  sub(this: Tensor, other: Operand) { return ops.sub(this, other); },
  mul(this: Tensor, other: Operand) { return ops.mul(this, other); },
  div(this: Tensor, other: Operand) { return ops.div(this, other); },
  pow(this: Tensor, exponent: Operand) { return ops.pow(this, exponent); },
  maximum(this: Tensor, other: Operand) { return ops.maximum(this, other); },
  minimum(this: Tensor, other: Operand) { return ops.minimum(this, other); },
  neg(this: Tensor) { return ops.neg(this); },
  exp(this: Tensor) { return ops.exp(this); },
  log(this: Tensor) { return ops.log(this); },
  sqrt(this: Tensor) { return ops.sqrt(this); },
  abs(this: Tensor) { return ops.abs(this); },
  tanh(this: Tensor) { return ops.tanh(this); },
  sigmoid(this: Tensor) { return ops.sigmoid(this); },
  relu(this: Tensor) { return ops.relu(this); },
  sin(this: Tensor) { return ops.sin(this); },
  cos(this: Tensor) { return ops.cos(this); },
  log1p(this: Tensor) { return ops.log1p(this); },
  expm1(this: Tensor) { return ops.expm1(this); },
  erf(this: Tensor) { return ops.erf(this); },
  sign(this: Tensor) { return ops.sign(this); },
  floor(this: Tensor) { return ops.floor(this); },
  ceil(this: Tensor) { return ops.ceil(this); },
  round(this: Tensor) { return ops.round(this); },
  reciprocal(this: Tensor) { return ops.reciprocal(this); },
  rsqrt(this: Tensor) { return ops.rsqrt(this); },
  square(this: Tensor) { return ops.square(this); },
  leakyRelu(this: Tensor, negativeSlope?: number) { return ops.leakyRelu(this, negativeSlope); },
  elu(this: Tensor, alpha?: number) { return ops.elu(this, alpha); },
  gelu(this: Tensor, options?: { approximate?: 'none' | 'tanh' }) { return ops.gelu(this, options); },
  softplus(this: Tensor, beta?: number, threshold?: number) { return ops.softplus(this, beta, threshold); },
  softmax(this: Tensor, dim: number) { return ops.softmax(this, dim); },
  logSoftmax(this: Tensor, dim: number) { return ops.logSoftmax(this, dim); },
  logsumexp(this: Tensor, dim: number | readonly number[], keepdim = false) { return ops.logsumexp(this, dim, keepdim); },
  var(this: Tensor, dim?: number | readonly number[], options?: VarOptions) { return ops.variance(this, dim, options); },
  std(this: Tensor, dim?: number | readonly number[], options?: VarOptions) { return ops.std(this, dim, options); },
  cumsum(this: Tensor, dim: number) { return ops.cumsum(this, dim); },
  clamp(this: Tensor, bounds: { min?: number; max?: number }) { return ops.clamp(this, bounds); },

  lt(this: Tensor, other: Operand) { return ops.compare('lt', this, other); },
  gt(this: Tensor, other: Operand) { return ops.compare('gt', this, other); },
  le(this: Tensor, other: Operand) { return ops.compare('le', this, other); },
  ge(this: Tensor, other: Operand) { return ops.compare('ge', this, other); },
  eq(this: Tensor, other: Operand) { return ops.compare('eq', this, other); },
  maskedFill(this: Tensor, mask: Tensor, value: number) { return ops.maskedFill(this, mask, value); },

  mm(this: Tensor, other: Tensor) { return ops.mm(this, other); },
  matmul(this: Tensor, other: Tensor) { return ops.matmul(this, other); },
  bmm(this: Tensor, other: Tensor) { return ops.bmm(this, other); },
  t(this: Tensor) { return ops.t(this); },
  transpose(this: Tensor, dim0: number, dim1: number) { return ops.transpose(this, dim0, dim1); },
  permute(this: Tensor, ...dims: number[] | [readonly number[]]) { return ops.permute(this, flatShape(dims)); },
  reshape(this: Tensor, ...shape: number[] | [readonly number[]]) { return ops.reshape(this, flatShape(shape)); },
  view(this: Tensor, ...shape: number[] | [readonly number[]]) { return ops.reshape(this, flatShape(shape)); },
  expand(this: Tensor, ...shape: number[] | [readonly number[]]) { return ops.expand(this, flatShape(shape)); },
  clone(this: Tensor) { return ops.clone(this); },
  narrow(this: Tensor, dim: number, start: number, length: number) { return ops.narrow(this, dim, start, length); },
  slice(this: Tensor, dim: number, start?: number | null, end?: number | null, step?: number) { return ops.slice(this, dim, start, end, step); },
  squeeze(this: Tensor, dim?: number | readonly number[]) { return ops.squeeze(this, dim); },
  unsqueeze(this: Tensor, dim: number) { return ops.unsqueeze(this, dim); },
  flatten(this: Tensor, startDim?: number, endDim?: number) { return ops.flatten(this, startDim, endDim); },
  split(this: Tensor, sizeOrSections: number | readonly number[], dim?: number) { return ops.split(this, sizeOrSections, dim); },
  chunk(this: Tensor, chunks: number, dim?: number) { return ops.chunk(this, chunks, dim); },
  flip(this: Tensor, ...dims: number[] | [readonly number[]]) { return ops.flip(this, flatShape(dims)); },
  repeat(this: Tensor, ...sizes: number[] | [readonly number[]]) { return ops.repeat(this, flatShape(sizes)); },
  gather(this: Tensor, dim: number, index: IndexLike) { return ops.gather(this, dim, index); },
  indexSelect(this: Tensor, dim: number, index: IndexLike) { return ops.indexSelect(this, dim, index); },
  scatterAdd(this: Tensor, dim: number, index: IndexLike, src: Tensor) { return ops.scatterAdd(this, dim, index, src); },
  sliceScatter(this: Tensor, src: Tensor, dim?: number, start?: number | null, end?: number | null, step?: number) {
    return ops.sliceScatter(this, src, dim, start, end, step);
  },

  sum(this: Tensor, dim?: number | readonly number[], keepdim = false) { return ops.sum(this, dim, keepdim); },
  mean(this: Tensor, dim?: number | readonly number[], keepdim = false) { return ops.mean(this, dim, keepdim); },
  max(this: Tensor, dim?: number | readonly number[], keepdim = false) { return ops.amax(this, dim, keepdim); },
  min(this: Tensor, dim?: number | readonly number[], keepdim = false) { return ops.amin(this, dim, keepdim); },
  argmax(this: Tensor, dim?: number, keepdim = false) { return ops.argmax(this, dim, keepdim); },
  argmin(this: Tensor, dim?: number, keepdim = false) { return ops.argmin(this, dim, keepdim); },

  sub_(this: Tensor, other: Operand) {
    checkOperand('sub_', other, 'other');
    return this._assign('sub_', () => ops.sub(this, other));
  },
  add_(this: Tensor, other: Operand) {
    checkOperand('add_', other, 'other');
    return this._assign('add_', () => ops.add(this, other));
  },
  mul_(this: Tensor, other: Operand) {
    checkOperand('mul_', other, 'other');
    return this._assign('mul_', () => ops.mul(this, other));
  },
  scatterAdd_(this: Tensor, dim: number, index: IndexLike, src: Tensor) {
    return this._assign('scatterAdd_', () => ops.scatterAdd(this, dim, index, src));
  },
  maskedFill_(this: Tensor, mask: Tensor, value: number) {
    return this._assign('maskedFill_', () => ops.maskedFill(this, mask, value));
  },
  zero_(this: Tensor) {
    return this._assign('zero_', () => {
      const zero = ops.scalarTensor(this.backend('zero_'), 0, this.dtype);
      const zeros = ops.expand(zero, this.shape);
      zero.dispose();
      return zeros;
    });
  },
  copy_(this: Tensor, src: Tensor) {
    checkTensor('copy_', src, 'src');
    ops.sameDevice('copy_', this, src);
    if (!sameShape(broadcastShapes('copy_', this.shape, src.shape), this.shape)) {
      throw new ShapeError('copy_', `src ${src.describe()} cannot be broadcast to ${this.describe()}; give a src of shape ${fmtShape(this.shape)} or one that broadcasts to it`);
    }
    return this._assign('copy_', () => ops.expand(src, this.shape));
  },
};

/**
 * Put the fluent methods on Tensor.prototype (idempotent). @nn/core's index and
 * its testing entry call it, so every program that imports either has them.
 */
export function installMethods(): void {
  for (const [name, fn] of Object.entries(methods)) {
    // Non-enumerable, as class methods are: console.log and spreads of a tensor stay as before.
    Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
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
