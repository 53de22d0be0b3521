import type { Device } from '../backend.js';
import { tensor } from '../creation.js';
import { add, cat, clamp, compare, div, maskedFill, matmul, maximum, minimum, mm, mul, pow, stack, sub, where } from '../ops/index.js';
import type { NestedArray, Tensor } from '../tensor.js';

// A random op graph as plain data: the generator writes it, nn (runGraph), the
// float64 reference (reference64.ts) and PyTorch (scripts/make_graph_fixtures.py)
// each evaluate it, and printGraph turns a failing one into a runnable program.

/** An operand: a leaf tensor, an earlier node's result, or a plain number. */
export type GraphRef = { leaf: number } | { node: number } | { scalar: number };

/** An input tensor: its shape and row-major float32 values. Every leaf requires grad. */
export interface GraphLeaf {
  shape: number[];
  values: number[];
}

/** The comparisons that make masks for `where` and `maskedFill`. */
export type GraphCmp = 'lt' | 'gt' | 'le' | 'ge' | 'eq';

/** The unary ops of the vocabulary. */
export const unaryOps = [
  'neg', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'sin', 'cos',
  'log1p', 'expm1', 'erf', 'sign', 'floor', 'ceil', 'round', 'reciprocal', 'rsqrt', 'square',
] as const;
/** The broadcasting binary ops of the vocabulary. */
export const binaryOps = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'] as const;

/** One op over earlier operands; the attributes it needs sit beside it. */
export type GraphNode =
  | { op: (typeof unaryOps)[number]; x: GraphRef }
  | { op: (typeof binaryOps)[number]; a: GraphRef; b: GraphRef }
  | { op: 'clamp'; x: GraphRef; min?: number; max?: number }
  /** where(c <cmp> threshold, a, b) */
  | { op: 'where'; c: GraphRef; cmp: GraphCmp; threshold: number; a: GraphRef; b: GraphRef }
  /** x.maskedFill(c <cmp> threshold, value) */
  | { op: 'maskedFill'; x: GraphRef; c: GraphRef; cmp: GraphCmp; threshold: number; value: number }
  /** `dim` absent: every dim (x.sum()); a list, possibly empty (PyTorch reduces all for []). */
  | { op: 'sum' | 'mean' | 'max' | 'min'; x: GraphRef; dim?: number[]; keepdim: boolean }
  | { op: 'reshape' | 'expand'; x: GraphRef; shape: number[] }
  | { op: 'permute'; x: GraphRef; dims: number[] }
  | { op: 'transpose'; x: GraphRef; dim0: number; dim1: number }
  | { op: 't'; x: GraphRef }
  | { op: 'mm' | 'matmul'; a: GraphRef; b: GraphRef }
  /** The activations with a parameter, as x.leakyRelu(slope), x.elu(alpha), x.gelu({ approximate }), x.softplus(beta, threshold). */
  | { op: 'leakyRelu'; x: GraphRef; negativeSlope: number }
  | { op: 'elu'; x: GraphRef; alpha: number }
  | { op: 'gelu'; x: GraphRef; approximate: 'none' | 'tanh' }
  | { op: 'softplus'; x: GraphRef; beta: number; threshold: number }
  | { op: 'softmax' | 'logSoftmax'; x: GraphRef; dim: number }
  | { op: 'logsumexp'; x: GraphRef; dim: number; keepdim: boolean }
  /** x.narrow(dim, start, length): start may be negative. */
  | { op: 'narrow'; x: GraphRef; dim: number; start: number; length: number }
  /** x.slice(dim, start, end, step): Python's bounds (null: the whole dim, negatives from the end, clamped). */
  | { op: 'slice'; x: GraphRef; dim: number; start: number | null; end: number | null; step: number }
  | { op: 'squeeze' | 'unsqueeze'; x: GraphRef; dim: number }
  | { op: 'flip'; x: GraphRef; dims: number[] }
  /** cat([a, b], dim) */
  | { op: 'cat'; a: GraphRef; b: GraphRef; dim: number }
  /** x.var(dim, { correction, keepdim }) or x.std(…) along one dim. */
  | { op: 'var' | 'std'; x: GraphRef; dim: number; correction: number; keepdim: boolean }
  | { op: 'cumsum'; x: GraphRef; dim: number }
  | { op: 'repeat'; x: GraphRef; sizes: number[] }
  /** stack([a, b], dim) */
  | { op: 'stack'; a: GraphRef; b: GraphRef; dim: number }
  /** x.indexSelect(dim, index): index a plain list of positions (repeats allowed). */
  | { op: 'indexSelect'; x: GraphRef; dim: number; index: number[] }
  /** x.gather(dim, index): index row-major, shaped `indexShape` (as many dims as x). */
  | { op: 'gather'; x: GraphRef; dim: number; index: number[]; indexShape: number[] }
  /** x.scatterAdd(dim, index, src): index as for gather; src shaped as the index. */
  | { op: 'scatterAdd'; x: GraphRef; dim: number; index: number[]; indexShape: number[]; src: GraphRef };

/** A graph: leaves, nodes in order (each reads only earlier ones), and the gradient fed to the last node's backward. */
export interface GraphSpec {
  leaves: GraphLeaf[];
  nodes: GraphNode[];
  /** Upstream gradient for `out.backward(grad)`, shaped as the last node. */
  grad: number[];
}

/** What one evaluation gives: the last node's values and shape, and each leaf's gradient (null: no path to it). */
export interface GraphResult {
  shape: number[];
  out: number[];
  grads: (number[] | null)[];
}

/** The operands a node reads, in order. */
export function nodeInputs(n: GraphNode): GraphRef[] {
  if ('src' in n) return [n.x, n.src];
  if ('a' in n && 'b' in n) return 'c' in n ? [n.c, n.a, n.b] : [n.a, n.b];
  if ('c' in n) return [n.x, n.c];
  return [n.x];
}

// ---------------------------------------------------------------- JSON without losing NaN, ±Inf and -0

/** JSON.stringify replacer: NaN, ±Infinity and -0 become the strings "NaN", "Infinity", "-Infinity", "-0". */
export function encodeNumbers(_key: string, v: unknown): unknown {
  if (typeof v !== 'number') return v;
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return v;
}

/** JSON.parse reviver undoing encodeNumbers. */
export function decodeNumbers(_key: string, v: unknown): unknown {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (v === '-0') return -0;
  return v;
}

// ---------------------------------------------------------------- evaluation with nn

function operand(r: GraphRef, leaves: Tensor[], nodes: Tensor[]): Tensor | number {
  if ('scalar' in r) return r.scalar;
  return 'leaf' in r ? leaves[r.leaf]! : nodes[r.node]!;
}

// A row-major index as the nested number array `shape` describes (null where nesting cannot
// spell the shape: a size-0 dim before the last).
function nestIndex(values: readonly number[], shape: readonly number[]): NestedArray | null {
  if (shape.slice(0, -1).includes(0)) return null;
  const build = (at: number, from: number): NestedArray => {
    if (at === shape.length - 1) return values.slice(from, from + shape[at]!);
    const inner = shape.slice(at + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: shape[at]! }, (_, i) => build(at + 1, from + i * inner));
  };
  return build(0, 0);
}

function tensorOf(r: GraphRef, leaves: Tensor[], nodes: Tensor[]): Tensor {
  const v = operand(r, leaves, nodes);
  if (typeof v === 'number') throw new Error('graph: a scalar where a tensor is needed');
  return v;
}

/** Apply one node with nn's public ops; the masks it makes go to `temps`, for the caller to free. */
export function applyNode(n: GraphNode, leaves: Tensor[], nodes: Tensor[], temps: Tensor[] = []): Tensor {
  const T = (r: GraphRef): Tensor => tensorOf(r, leaves, nodes);
  const O = (r: GraphRef): Tensor | number => operand(r, leaves, nodes);
  const mask = (c: GraphRef, cmp: GraphCmp, threshold: number): Tensor => {
    const m = compare(cmp, T(c), threshold);
    temps.push(m);
    return m;
  };
  switch (n.op) {
    case 'neg': case 'exp': case 'log': case 'sqrt': case 'abs': case 'tanh': case 'sigmoid': case 'relu': case 'sin': case 'cos':
    case 'log1p': case 'expm1': case 'erf': case 'sign': case 'floor': case 'ceil': case 'round': case 'reciprocal': case 'rsqrt': case 'square':
      return T(n.x)[n.op]();
    case 'add': return add(O(n.a), O(n.b));
    case 'sub': return sub(O(n.a), O(n.b));
    case 'mul': return mul(O(n.a), O(n.b));
    case 'div': return div(O(n.a), O(n.b));
    case 'pow': return pow(O(n.a), O(n.b));
    case 'maximum': return maximum(O(n.a), O(n.b));
    case 'minimum': return minimum(O(n.a), O(n.b));
    case 'clamp': return clamp(T(n.x), { ...(n.min !== undefined ? { min: n.min } : {}), ...(n.max !== undefined ? { max: n.max } : {}) });
    case 'where': {
      const a = O(n.a);
      const b = O(n.b);
      return where(mask(n.c, n.cmp, n.threshold), a, b);
    }
    case 'maskedFill': return maskedFill(T(n.x), mask(n.c, n.cmp, n.threshold), n.value);
    case 'sum': case 'mean': case 'max': case 'min':
      return n.dim === undefined ? T(n.x)[n.op]() : T(n.x)[n.op](n.dim, n.keepdim);
    case 'reshape': return T(n.x).reshape(n.shape);
    case 'expand': return T(n.x).expand(n.shape);
    case 'permute': return T(n.x).permute(...n.dims);
    case 'transpose': return T(n.x).transpose(n.dim0, n.dim1);
    case 't': return T(n.x).t();
    case 'mm': return mm(T(n.a), T(n.b));
    case 'matmul': return matmul(T(n.a), T(n.b));
    case 'narrow': return T(n.x).narrow(n.dim, n.start, n.length);
    case 'slice': return T(n.x).slice(n.dim, n.start, n.end, n.step);
    case 'squeeze': return T(n.x).squeeze(n.dim);
    case 'unsqueeze': return T(n.x).unsqueeze(n.dim);
    case 'flip': return T(n.x).flip(n.dims);
    case 'cat': return cat([T(n.a), T(n.b)], n.dim);
    case 'leakyRelu': return T(n.x).leakyRelu(n.negativeSlope);
    case 'elu': return T(n.x).elu(n.alpha);
    case 'gelu': return T(n.x).gelu({ approximate: n.approximate });
    case 'softplus': return T(n.x).softplus(n.beta, n.threshold);
    case 'softmax': case 'logSoftmax': return T(n.x)[n.op](n.dim);
    case 'logsumexp': return T(n.x).logsumexp(n.dim, n.keepdim);
    case 'var': case 'std': return T(n.x)[n.op](n.dim, { correction: n.correction, keepdim: n.keepdim });
    case 'cumsum': return T(n.x).cumsum(n.dim);
    case 'repeat': return T(n.x).repeat(n.sizes);
    case 'stack': return stack([T(n.a), T(n.b)], n.dim);
    case 'indexSelect': return T(n.x).indexSelect(n.dim, n.index);
    case 'gather': case 'scatterAdd': {
      const x = T(n.x);
      // A plain nested array, or (for a shape nesting cannot spell) an int32 tensor.
      let index: NestedArray | Tensor | null = nestIndex(n.index, n.indexShape);
      if (index === null) {
        index = tensor(n.index, { shape: n.indexShape, dtype: 'int32', device: x.device });
        temps.push(index);
      }
      return n.op === 'gather' ? x.gather(n.dim, index) : x.scatterAdd(n.dim, index, T(n.src));
    }
  }
}

/**
 * Build the graph on `device`, run backward from its last node with `spec.grad`,
 * read everything back, and free every tensor it made (the caller checks leaks).
 */
export async function runGraph(spec: GraphSpec, device: Device): Promise<GraphResult> {
  const leaves = spec.leaves.map((l) => tensor(new Float32Array(l.values), { shape: l.shape, device, requiresGrad: true }));
  const nodes: Tensor[] = [];
  const masks: Tensor[] = [];
  try {
    for (const n of spec.nodes) nodes.push(applyNode(n, leaves, nodes, masks));
    const out = nodes[nodes.length - 1]!;
    const g = tensor(new Float32Array(spec.grad), { shape: out.shape, device });
    masks.push(g);
    out.backward(g);
    const grads: (number[] | null)[] = [];
    for (const l of leaves) grads.push(l.grad ? Array.from(await l.grad.data()) : null);
    return { shape: [...out.shape], out: Array.from(await out.data()), grads };
  } finally {
    for (const l of leaves) {
      l.grad?.dispose();
      l.dispose();
    }
    for (const t of [...nodes, ...masks]) t.dispose();
  }
}

// ---------------------------------------------------------------- printing

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

function refText(r: GraphRef): string {
  if ('scalar' in r) return num(r.scalar);
  return 'leaf' in r ? `l${r.leaf}` : `v${r.node}`;
}

function nodeText(n: GraphNode): string {
  const R = refText;
  switch (n.op) {
    case 'neg': case 'exp': case 'log': case 'sqrt': case 'abs': case 'tanh': case 'sigmoid': case 'relu': case 'sin': case 'cos': case 't':
    case 'log1p': case 'expm1': case 'erf': case 'sign': case 'floor': case 'ceil': case 'round': case 'reciprocal': case 'rsqrt': case 'square':
      return `${R(n.x)}.${n.op}()`;
    case 'add': case 'sub': case 'mul': case 'div': case 'pow': case 'maximum': case 'minimum':
      return `${n.op}(${R(n.a)}, ${R(n.b)})`;
    case 'clamp': {
      const parts = [n.min !== undefined ? `min: ${num(n.min)}` : '', n.max !== undefined ? `max: ${num(n.max)}` : ''].filter(Boolean);
      return `${R(n.x)}.clamp({ ${parts.join(', ')} })`;
    }
    case 'where': return `where(${R(n.c)}.${n.cmp}(${num(n.threshold)}), ${R(n.a)}, ${R(n.b)})`;
    case 'maskedFill': return `${R(n.x)}.maskedFill(${R(n.c)}.${n.cmp}(${num(n.threshold)}), ${num(n.value)})`;
    case 'sum': case 'mean': case 'max': case 'min':
      return n.dim === undefined ? `${R(n.x)}.${n.op}()` : `${R(n.x)}.${n.op}(${JSON.stringify(n.dim)}, ${n.keepdim})`;
    case 'reshape': case 'expand': return `${R(n.x)}.${n.op}(${JSON.stringify(n.shape)})`;
    case 'permute': return `${R(n.x)}.permute(${n.dims.join(', ')})`;
    case 'transpose': return `${R(n.x)}.transpose(${n.dim0}, ${n.dim1})`;
    case 'mm': case 'matmul': return `${n.op}(${R(n.a)}, ${R(n.b)})`;
    case 'narrow': return `${R(n.x)}.narrow(${n.dim}, ${n.start}, ${n.length})`;
    case 'slice': return `${R(n.x)}.slice(${n.dim}, ${n.start}, ${n.end}, ${n.step})`;
    case 'squeeze': case 'unsqueeze': return `${R(n.x)}.${n.op}(${n.dim})`;
    case 'flip': return `${R(n.x)}.flip(${JSON.stringify(n.dims)})`;
    case 'cat': return `cat([${R(n.a)}, ${R(n.b)}], ${n.dim})`;
    case 'leakyRelu': return `${R(n.x)}.leakyRelu(${n.negativeSlope})`;
    case 'elu': return `${R(n.x)}.elu(${n.alpha})`;
    case 'gelu': return `${R(n.x)}.gelu({ approximate: '${n.approximate}' })`;
    case 'softplus': return `${R(n.x)}.softplus(${n.beta}, ${n.threshold})`;
    case 'softmax': case 'logSoftmax': return `${R(n.x)}.${n.op}(${n.dim})`;
    case 'logsumexp': return `${R(n.x)}.logsumexp(${n.dim}, ${n.keepdim})`;
    case 'var': case 'std': return `${R(n.x)}.${n.op}(${n.dim}, { correction: ${n.correction}, keepdim: ${n.keepdim} })`;
    case 'cumsum': return `${R(n.x)}.cumsum(${n.dim})`;
    case 'repeat': return `${R(n.x)}.repeat(${JSON.stringify(n.sizes)})`;
    case 'stack': return `stack([${R(n.a)}, ${R(n.b)}], ${n.dim})`;
    case 'indexSelect': return `${R(n.x)}.indexSelect(${n.dim}, ${JSON.stringify(n.index)})`;
    case 'gather': case 'scatterAdd': {
      const nested = nestIndex(n.index, n.indexShape);
      const index = nested ? JSON.stringify(nested) : `tensor(${JSON.stringify(n.index)}, { shape: ${JSON.stringify(n.indexShape)}, dtype: 'int32', device })`;
      return n.op === 'gather' ? `${R(n.x)}.gather(${n.dim}, ${index})` : `${R(n.x)}.scatterAdd(${n.dim}, ${index}, ${R(n.src)})`;
    }
  }
}

/** The graph as a runnable nn program on `device` (a 'gpu…' device registers @nn/gpu, any other @nn/cpu under that name). */
export function printGraph(spec: GraphSpec, device = 'cpu'): string {
  const gpu = device.startsWith('gpu');
  const lines = [
    `import { add, sub, mul, div, pow, maximum, minimum, where, mm, matmul, cat, stack, registerBackend, tensor } from '@nn/core';`,
    gpu ? `import { createGpuBackend } from '@nn/gpu';` : `import { createCpuBackend } from '@nn/cpu';`,
    gpu ? `registerBackend(await createGpuBackend());` : `registerBackend(createCpuBackend(${device === 'cpu' ? '' : `{ device: '${device}' }`}));`,
    `const device = '${device}';`,
  ];
  spec.leaves.forEach((l, i) => {
    lines.push(`const l${i} = tensor(new Float32Array([${l.values.map(num).join(', ')}]), { shape: ${JSON.stringify(l.shape)}, device, requiresGrad: true });`);
  });
  spec.nodes.forEach((n, i) => lines.push(`const v${i} = ${nodeText(n)};`));
  const last = `v${spec.nodes.length - 1}`;
  lines.push(`${last}.backward(tensor(new Float32Array([${spec.grad.map(num).join(', ')}]), { shape: ${last}.shape, device }));`);
  lines.push(`console.log('out', ${last}.shape, Array.from(await ${last}.data()));`);
  spec.leaves.forEach((_, i) => lines.push(`console.log('l${i}.grad', l${i}.grad && Array.from(await l${i}.grad.data()));`));
  return lines.join('\n');
}
