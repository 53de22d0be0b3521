import type { Backend, Device, Handle } from '../backend.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/**
 * What an op definition is made of. Each op of nn is one entry of the op table
 * (table.ts): its forward (the kernel it calls), which forward values its backward
 * reads, its backward written with tensor ops, and its local derivative written
 * with symbols for explain. Autograd and explain both read that one entry, so an
 * explanation cannot disagree with the gradient it explains.
 *
 * Dependencies run one way: an op module (elementwise.ts, shape.ts...) exports
 * the op and its forward; its entry (defs/*.ts) points at that same forward and
 * writes the backward with the public ops; table.ts assembles the entries;
 * autograd and explain read the table. No op module imports the table. Explain's
 * symbols (`S`) are passed in, so the table imports no renderer either.
 */

/** Attributes of a binary op whose other operand was a plain number (`x.mul(3)`, `1 - x`). */
export type ScalarAttrs = {
  /** The number operand, when there was one. */
  scalar?: number;
  /** Which side the number stood on. */
  scalarSide?: 'left' | 'right';
};

/** Attributes of a reduction: the dims reduced (absent when all were) and keepdim. */
export type ReduceAttrs = {
  dim?: number[];
  keepdim?: boolean;
};

/** A slice along one dim, as Python's `x[start:end:step]` after normalising (narrow has step 1). */
export type SliceAttrs = { dim: number; start: number; end: number; step: number };

/** An op without attributes. */
export type NoAttrs = Record<string, never>;

/**
 * Every op nn records, by its typed id, with the attributes its node carries.
 * The id is the op's identity (`amax` is not the binary `maximum`); the node's
 * `op` is the name the caller used (`max`, `matmul`, `Linear`).
 */
export interface OpAttrs {
  add: ScalarAttrs;
  sub: ScalarAttrs;
  mul: ScalarAttrs;
  div: ScalarAttrs;
  pow: ScalarAttrs;
  maximum: ScalarAttrs;
  minimum: ScalarAttrs;
  lt: ScalarAttrs;
  gt: ScalarAttrs;
  le: ScalarAttrs;
  ge: ScalarAttrs;
  eq: ScalarAttrs;
  neg: NoAttrs;
  exp: NoAttrs;
  log: NoAttrs;
  sqrt: NoAttrs;
  abs: NoAttrs;
  tanh: NoAttrs;
  sigmoid: NoAttrs;
  relu: NoAttrs;
  sin: NoAttrs;
  cos: NoAttrs;
  log1p: NoAttrs;
  expm1: NoAttrs;
  erf: NoAttrs;
  sign: NoAttrs;
  floor: NoAttrs;
  ceil: NoAttrs;
  round: NoAttrs;
  reciprocal: NoAttrs;
  rsqrt: NoAttrs;
  square: NoAttrs;
  leakyRelu: { negativeSlope: number };
  elu: { alpha: number };
  gelu: { approximate: 'none' | 'tanh' };
  softplus: { beta: number; threshold: number };
  softmax: { dim: number };
  logSoftmax: { dim: number };
  logsumexp: { dim: number[]; keepdim: boolean };
  /** var and std: the dims reduced (all when absent), Bessel's `correction`, keepdim. */
  var: { dim?: number[]; correction: number; keepdim: boolean };
  std: { dim?: number[]; correction: number; keepdim: boolean };
  /** `reverse` sums from the end: cumsum's gradient, a cumsum itself. */
  cumsum: { dim: number; reverse: boolean };
  clamp: { min?: number; max?: number };
  mm: { transA: boolean; transB: boolean };
  /** A batched product (`matmul` of N-d operands, `bmm`): batch dims broadcast; the flags transpose the last two dims. */
  bmm: { transA: boolean; transB: boolean };
  t: NoAttrs;
  permute: { dims: number[] };
  reshape: { shape: number[] };
  expand: { shape: number[] };
  clone: NoAttrs;
  /** narrow and slice: elements start, start+step… before end along dim (normalised: 0 <= start <= end <= size, step >= 1). */
  slice: SliceAttrs;
  /** The size-1 dims dropped. */
  squeeze: { dims: number[] };
  /** The new size-1 dim's place in the output. */
  unsqueeze: { dim: number };
  /** torch.slice_scatter: inputs [x, src]; src replaces the slice of x. */
  sliceScatter: SliceAttrs;
  /** Inputs: the tensors joined; sizes: each one's size along dim. */
  cat: { dim: number; sizes: number[] };
  /** The dims reversed. */
  flip: { dims: number[] };
  /** How often each dim repeats (leading extra sizes add dims, as torch.repeat). */
  repeat: { sizes: number[] };
  /** gather and indexSelect (an expanded index): inputs [x, index]. */
  gather: { dim: number };
  /** Inputs [x, index, src]. */
  scatterAdd: { dim: number };
  sum: ReduceAttrs;
  mean: ReduceAttrs;
  amax: ReduceAttrs;
  /** x.min(): the reduction (binary min is `minimum`). */
  amin: ReduceAttrs;
  where: NoAttrs;
  maskedFill: { value: number };
  to: { from: Device; to: Device };
}

/** The typed id of an op: a key of the op table. */
export type OpId = keyof OpAttrs;

/**
 * A forward value a backward reads again: `a`/`b` (the operands; a number operand is
 * not an input), `mask` (the last input of where/maskedFill), or the op's `output`.
 * Autograd checks each is still alive and unchanged before backward runs.
 */
export type Saved = 'a' | 'b' | 'mask' | 'output';

/** What a backward rule reads: the output's gradient, the node's inputs and attrs, and the output. */
export interface BackwardContext<K extends OpId> {
  /** The gradient of the output (the output's shape and device). */
  g: Tensor;
  /** The node's tensor inputs, in argument order (a number operand is not one). */
  inputs: readonly Tensor[];
  /** The op's attributes as recorded. */
  attrs: OpAttrs[K];
  /** The op's output (read by rules that save it). */
  out: Tensor;
}

/**
 * The symbols explain writes formulas with (implemented by explain over its
 * expressions): an entry's explain part builds its forward formula and local
 * derivative from these, never from tensors.
 */
export interface Symbols<X> {
  /** A forward value (rendered by name). */
  value(t: Tensor): X;
  /** A plain number. */
  num(v: number): X;
  /** A tensor of ones. */
  one(shape: Shape): X;
  add(a: X, b: X): X;
  sub(a: X, b: X): X;
  mul(a: X, b: X): X;
  div(a: X, b: X): X;
  neg(a: X): X;
  /** a raised to a number. */
  pow(a: X, p: number): X;
  /** Transpose of a matrix. */
  T(a: X): X;
  /** Matrix product. */
  mm(a: X, b: X): X;
  /** A 1/0 mask comparing with a number (`[h > 0]`). */
  cmp(a: X, op: 'gt' | 'ge' | 'lt' | 'le' | 'eq', b: number): X;
  /** A named function of its arguments (`tanh(h)`, `sumTo(G)`); explain evaluates it by name. */
  fn(name: string, args: X[], shape: Shape, attrs?: Readonly<Record<string, unknown>>): X;
  /** The shape of an expression. */
  shapeOf(x: X): Shape;
  /** Sum a broadcast gradient back to `shape` (nothing when the shapes match). */
  sumTo(G: X, shape: Shape): X;
}

/** A recorded node as explain's rules see it. */
export interface ExplainContext<K extends OpId> {
  /** The node's tensor inputs. */
  inputs: readonly Tensor[];
  /** The op's attributes as recorded. */
  attrs: OpAttrs[K];
  /** The op's output. */
  out: Tensor;
  /** The name the caller used (`mm`, `matmul`, `Linear`). */
  op: string;
}

/** What explain needs of an op: its forward formula and each input's local derivative. */
export interface ExplainRule<K extends OpId> {
  /** The formula that made the output (`h_relu · w2`, `clamp(h, min=0)`). */
  formula<X>(n: ExplainContext<K>, S: Symbols<X>): X;
  /**
   * The gradient sent to input `k` given the output's gradient G, as a formula;
   * undefined for an input that takes no gradient (a mask).
   */
  derivative<X>(n: ExplainContext<K>, k: number, S: Symbols<X>): ((G: X) => X) | undefined;
}

/**
 * The kernel call: the input handles on one backend, and the attrs, to a fresh output
 * handle. It is the very function the public op calls after checking its arguments.
 */
export type Forward<K extends OpId> = (b: Backend, inputs: readonly Handle[], attrs: OpAttrs[K]) => Handle;

/** An op with a gradient: every part is required, so the compiler proves no op lacks one. */
export interface DifferentiableOp<K extends OpId> {
  forward: Forward<K>;
  /** The forward values its backward reads (fixed, or by the attrs: a number operand saves nothing). */
  saves: readonly Saved[] | ((attrs: OpAttrs[K]) => readonly Saved[]);
  /** The gradient for each tensor input (null where it needs none), written with tensor ops. */
  backward(ctx: BackwardContext<K>): (Tensor | null)[];
  /** Its forward formula and local derivatives for explain. */
  explain: ExplainRule<K>;
}

/** An op without a gradient (comparison masks): it is never recorded. */
export interface NonDifferentiableOp<K extends OpId> {
  forward: Forward<K>;
  differentiable: false;
}

/** One op's definition. */
export type OpDef<K extends OpId> = DifferentiableOp<K> | NonDifferentiableOp<K>;

/** The op table's type: one definition for each id, checked by the compiler. */
export type OpTable = { readonly [K in OpId]: OpDef<K> };

/** Is this definition one with a gradient? */
export function isDifferentiable<K extends OpId>(def: OpDef<K>): def is DifferentiableOp<K> {
  return !('differentiable' in def);
}
