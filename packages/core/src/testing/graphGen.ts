import { binaryOps, unaryOps, type GraphCmp, type GraphLeaf, type GraphNode, type GraphRef, type GraphSpec } from './graph.js';

// The random-graph generator, free of any dependency: it turns a list of
// non-negative integers ("choices") into a valid graph. A property-testing
// library supplies the list and shrinks it (shorter, smaller numbers); since
// choice 0 always means the simplest option (size 2 or 1 dims, plain values,
// the first op), a shrunk list is a small, readable graph.

/** Reads choices in order; once they run out every choice is 0. */
class Chooser {
  private i = 0;
  constructor(private readonly choices: readonly number[]) {}
  /** A number in [0, n). */
  int(n: number): number {
    const c = this.choices[this.i++] ?? 0;
    return n <= 1 ? 0 : c % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** Edge values some inputs hold: NaN, ±Inf, ±0, huge, tiny. */
export const edgeValues = [NaN, Infinity, -Infinity, 0, -0, 1e30, -1e30, 1e-30, -1e-30, 1, -1] as const;
const DIMS = [2, 1, 3, 0, 4, 2, 3, 1];
const SCALARS = [2, 0.5, 0, -1, 3, 1, -0.5, 1.5];
const EXPONENTS = [2, 0, 0.5, 3, -1, 1, 1.5, -2];
const THRESHOLDS = [0, 1, -1, 0.5];
const CMPS: GraphCmp[] = ['gt', 'lt', 'ge', 'le', 'eq'];
const FILLS = [0, -1, 2, Infinity, NaN];
// Slice bounds: the whole dim, the ends, negatives, and past both ends (clamped, as Python).
const BOUNDS = [null, 1, 0, -1, 2, -100, 100] as const;

type Shape = number[];

function size(s: Shape): number {
  return s.reduce((a, b) => a * b, 1);
}

function broadcasts(a: Shape, b: Shape): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const x = a[a.length - i]!;
    const y = b[b.length - i]!;
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}

function bshape(a: Shape, b: Shape): Shape {
  const r = Math.max(a.length, b.length);
  return Array.from({ length: r }, (_, i) => {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    return x === 1 ? y : x;
  });
}

function value(ch: Chooser, kind: number): number {
  if (kind === 2 && ch.int(3) === 0) return ch.pick(edgeValues);
  if (kind === 1) return ch.int(5) - 2; // small integers: exact zeros and ties
  // Multiples of 1/64 in [-8, 8] (exact in float32, so ties happen), or arbitrary float32s.
  const k = ch.int(1025);
  return ch.int(2) === 0 ? (k % 2 ? -1 : 1) * Math.floor(k / 2) / 64 : Math.fround((k - 512) / 97.3);
}

/** Build a graph of 3–8 ops from `choices` (every choice list gives a valid graph). */
export function graphFromChoices(choices: readonly number[]): GraphSpec {
  const ch = new Chooser(choices);
  const leaves: GraphLeaf[] = [];
  const shapes: { ref: GraphRef; shape: Shape }[] = [];
  const nodes: GraphNode[] = [];

  const newLeaf = (shape: Shape): GraphRef => {
    // Kind 0: plain values; 1: small integers; 2: some edge values.
    const kind = ch.int(4) === 3 ? 2 : ch.int(2);
    const values = Array.from({ length: size(shape) }, () => value(ch, kind));
    leaves.push({ shape, values });
    const ref = { leaf: leaves.length - 1 };
    shapes.push({ ref, shape });
    return ref;
  };
  const randomShape = (): Shape => Array.from({ length: ch.int(4) }, () => ch.pick(DIMS));
  // A shape that broadcasts with `s`: some trailing dims of s, some set to 1, sometimes a new leading dim.
  const partner = (s: Shape): Shape => {
    const drop = ch.int(s.length + 1);
    const tail = s.slice(drop).map((d) => (ch.int(3) === 0 ? 1 : d));
    // A new leading dim only in front of the full shape (else it would not line up).
    return drop === 0 && ch.int(4) === 0 && s.length < 3 ? [2, ...tail] : tail;
  };
  const other = (s: Shape): GraphRef => {
    const fits = shapes.filter((v) => broadcasts(v.shape, s));
    return ch.int(2) === 0 || fits.length === 0 ? newLeaf(partner(s)) : ch.pick(fits).ref;
  };
  const shapeOf = (r: GraphRef): Shape => ('scalar' in r ? [] : shapes.find((v) => sameRef(v.ref, r))!.shape);
  const push = (n: GraphNode, shape: Shape): void => {
    nodes.push(n);
    shapes.push({ ref: { node: nodes.length - 1 }, shape });
  };

  // var/std, cumsum, repeat, stack, indexSelect, gather, scatterAdd: each along a dim of x (a 0-d x
  // takes cumsum, repeat or stack, the rest draw a unary op instead); indices are plain lists, in range, with repeats.
  const drawAlongDim = (x: GraphRef, s: Shape): void => {
    const m = ch.int(7);
    const r = s.length;
    const d = ch.int(r);
    const dim = d - (ch.int(2) ? Math.max(r, 1) : 0);
    const along = (k: number): Shape => s.map((n, i) => (i === d ? k : n));
    if (m === 1) push({ op: 'cumsum', x, dim }, s);
    else if (m === 2) {
      // Whole copies per dim (0 to 3), sometimes a new leading dim; at most 256 elements.
      const lead = r < 3 && ch.int(3) === 0 ? 1 : 0;
      let sizes = Array.from({ length: r + lead }, () => ch.pick([1, 2, 1, 3, 0]));
      if (size(s) * size(sizes) > 256) sizes = sizes.map(() => 1);
      const full = [...Array<number>(lead).fill(1), ...s];
      push({ op: 'repeat', x, sizes }, full.map((n, i) => n * sizes[i]!));
    } else if (m === 3 && r < 4) {
      // b: a fresh leaf or any value of x's shape (x itself included).
      const b = ch.int(2) === 0 ? newLeaf(s) : ch.pick(shapes.filter((v) => v.shape.length === r && v.shape.every((n, i) => n === s[i]))).ref;
      const at = ch.int(r + 1);
      const sdim = at - (ch.int(2) ? r + 1 : 0);
      const shape = [...s];
      shape.splice(at, 0, 2);
      push(ch.int(2) ? { op: 'stack', a: b, b: x, dim: sdim } : { op: 'stack', a: x, b, dim: sdim }, shape);
    } else if (r === 0 || m === 3) push({ op: ch.pick(unaryOps), x }, s);
    else if (m === 0) {
      const keepdim = ch.int(2) === 1;
      push({ op: ch.pick(['var', 'std'] as const), x, dim, correction: ch.pick([1, 0]), keepdim }, keepdim ? along(1) : s.filter((_, i) => i !== d));
    } else if (m === 4) {
      const n = s[d]!;
      const k = n === 0 ? 0 : ch.pick([2, 1, 3, 0, 4]);
      push({ op: 'indexSelect', x, dim, index: Array.from({ length: k }, () => ch.int(n)) }, along(k));
    } else {
      // gather / scatterAdd: the index no larger than x in the other dims (any size along dim).
      const n = s[d]!;
      const indexShape = s.map((v, i) => (i === d ? (n === 0 ? 0 : ch.pick([2, 1, 3])) : ch.int(3) === 0 ? ch.int(v + 1) : v));
      const index = Array.from({ length: size(indexShape) }, () => ch.int(n));
      if (m === 5) push({ op: 'gather', x, dim, index, indexShape }, indexShape);
      else push({ op: 'scatterAdd', x, dim, index, indexShape, src: newLeaf(indexShape) }, s);
    }
  };

  // The op count first: shrinking it to 3 keeps the rest, so a shrunk graph is a prefix of the failing one.
  const count = 3 + ch.int(6);
  newLeaf(randomShape());
  while (nodes.length < count) {
    // Mostly the latest value, so graphs grow deep rather than wide.
    const pick = ch.int(3) === 0 ? shapes[ch.int(shapes.length)]! : shapes[shapes.length - 1]!;
    const x = pick.ref;
    const s = pick.shape;
    const kind = ch.int(14);
    if (kind === 0) {
      // A unary op; now and then an activation with a parameter, or softmax, logSoftmax, logsumexp along a dim.
      const u = ch.int(6);
      if (u === 0) {
        const a = ch.int(4);
        if (a === 0) push({ op: 'leakyRelu', x, negativeSlope: ch.pick([0.01, 0.2, -0.5]) }, s);
        else if (a === 1) push({ op: 'elu', x, alpha: ch.pick([1, 0.5, 2]) }, s);
        else if (a === 2) push({ op: 'gelu', x, approximate: ch.pick(['none', 'tanh'] as const) }, s);
        else push({ op: 'softplus', x, beta: ch.pick([1, 2, 0.5]), threshold: ch.pick([20, 1, 5]) }, s);
      } else if (u === 1) {
        // A 0-d x has dim 0 (or -1), as in PyTorch.
        const r = Math.max(s.length, 1);
        const d = ch.int(r);
        const dim = d - (ch.int(2) ? r : 0);
        const m = ch.int(3);
        if (m < 2) push({ op: m === 0 ? 'softmax' : 'logSoftmax', x, dim }, s);
        else {
          const keepdim = ch.int(2) === 1;
          push({ op: 'logsumexp', x, dim, keepdim }, s.length === 0 || keepdim ? s.map((n, i) => (i === d ? 1 : n)) : s.filter((_, i) => i !== d));
        }
      } else push({ op: ch.pick(unaryOps), x }, s);
    } else if (kind === 1 || kind === 2) {
      const op = ch.pick(binaryOps);
      const side = ch.int(3);
      const scalar = { scalar: ch.pick(op === 'pow' ? EXPONENTS : SCALARS) };
      if (side === 0) push({ op, a: x, b: scalar }, s);
      else if (side === 1) push({ op, a: scalar, b: x }, s);
      else {
        const b = other(s);
        const swap = ch.int(2) === 1;
        push(swap ? { op, a: b, b: x } : { op, a: x, b }, bshape(s, shapeOf(b)));
      }
    } else if (kind === 3) {
      const m = ch.int(3);
      const lo = ch.pick(THRESHOLDS);
      const hi = lo + ch.pick([0, 1, 2]);
      push({ op: 'clamp', x, ...(m !== 1 ? { min: lo } : {}), ...(m !== 0 ? { max: hi } : {}) }, s);
    } else if (kind === 4) {
      // The mask may broadcast the input larger (a new leading dim): gradients must sum back.
      const c = ch.int(3) === 0 ? newLeaf(s.length < 3 && ch.int(2) ? [2, ...s] : partner(s)) : x;
      const cs = shapeOf(c);
      if (!broadcasts(cs, s)) continue;
      const base = bshape(cs, s);
      const b = ch.int(2) === 0 ? { scalar: ch.pick(SCALARS) } : other(base);
      const swap = ch.int(2) === 1;
      const shape = bshape(base, shapeOf(b));
      push({ op: 'where', c, cmp: ch.pick(CMPS), threshold: ch.pick(THRESHOLDS), ...(swap ? { a: b, b: x } : { a: x, b }) }, shape);
    } else if (kind === 5) {
      const c = ch.int(2) === 0 ? x : newLeaf(s.length < 3 && ch.int(2) ? [2, ...s] : partner(s));
      const shape = bshape(s, shapeOf(c));
      push({ op: 'maskedFill', x, c, cmp: ch.pick(CMPS), threshold: ch.pick(THRESHOLDS), value: ch.pick(FILLS) }, shape);
    } else if (kind === 6) {
      const op = ch.pick(['sum', 'mean', 'max', 'min'] as const);
      const mode = ch.int(4);
      const keepdim = ch.int(2) === 1;
      let dim: number[] | undefined;
      if (mode === 1 && s.length > 0) dim = [ch.int(s.length) - (ch.int(2) ? s.length : 0)];
      else if (mode === 2 && s.length > 0) dim = [...Array(s.length).keys()].filter(() => ch.int(2) === 1);
      else if (mode === 3) dim = [];
      const axes = dim === undefined || dim.length === 0 ? [...Array(s.length).keys()] : dim.map((d) => (d < 0 ? d + s.length : d));
      // PyTorch refuses max and min over an empty dim (or of an empty tensor): use sum there.
      const empty = size(s) === 0 && (axes.some((a) => s[a] === 0) || s.length === 0 || axes.length === s.length);
      const shape = dim === undefined ? [] : s.map((d, i) => (axes.includes(i) ? (keepdim ? 1 : -1) : d)).filter((d) => d >= 0);
      const r = (op === 'max' || op === 'min') && empty ? 'sum' : op;
      push(dim === undefined ? { op: r, x, keepdim: false } : { op: r, x, dim, keepdim }, shape);
    } else if (kind === 7) {
      const n = size(s);
      const m = ch.int(4);
      let shape: Shape;
      if (m === 0) shape = [n];
      else if (m === 1 && n > 0) shape = [-1];
      else if (m === 2 && n % 2 === 0 && n > 0) shape = ch.int(2) ? [2, -1] : [n / 2, 2];
      else shape = [1, ...s];
      push({ op: 'reshape', x, shape }, shape.map((d) => (d === -1 ? n / shape.filter((k) => k !== -1).reduce((a, b) => a * b, 1) : d)));
    } else if (kind === 8) {
      if (s.length <= 2) push({ op: 't', x }, [...s].reverse());
      else {
        const dims = [...Array(s.length).keys()];
        for (let i = dims.length - 1; i > 0; i--) {
          const j = ch.int(i + 1);
          [dims[i], dims[j]] = [dims[j]!, dims[i]!];
        }
        if (ch.int(2)) push({ op: 'permute', x, dims }, dims.map((d) => s[d]!));
        else {
          const d0 = ch.int(s.length);
          const d1 = ch.int(s.length);
          const out = [...s];
          [out[d0], out[d1]] = [out[d1]!, out[d0]!];
          push({ op: 'transpose', x, dim0: d0, dim1: d1 - (ch.int(2) ? s.length : 0) }, out);
        }
      }
    } else if (kind === 9) {
      const lead = s.length < 3 && ch.int(3) === 0 ? [ch.pick([2, 1, 3])] : [];
      const target = s.map((d) => (d === 1 ? ch.pick([1, 2, 3, 0]) : ch.int(3) === 0 ? -1 : d));
      const shape = [...lead, ...target];
      push({ op: 'expand', x, shape }, [...lead, ...target.map((d, i) => (d === -1 ? s[i]! : d))]);
    } else if (kind === 11) {
      // Slicing and joining: narrow, slice, squeeze/unsqueeze, flip, cat (a 0-d x is unsqueezed).
      const m = s.length === 0 ? 2 : ch.int(5);
      const d = ch.int(s.length);
      const dim = d - (ch.int(2) ? s.length : 0);
      const cut = (length: number): Shape => s.map((n, i) => (i === d ? length : n));
      if (m === 0) {
        const n = s[d]!;
        const start = ch.int(n + 1);
        const length = ch.int(n - start + 1);
        push({ op: 'narrow', x, dim, start: start < n && ch.int(2) ? start - n : start, length }, cut(length));
      } else if (m === 1) {
        const n = s[d]!;
        const start = ch.pick(BOUNDS);
        const end = ch.pick(BOUNDS);
        const step = ch.pick([1, 2, 3]);
        const bound = (v: number | null, whole: number): number => (v === null ? whole : Math.min(Math.max(v < 0 ? v + n : v, 0), n));
        const [lo, hi] = [bound(start, 0), bound(end, n)];
        push({ op: 'slice', x, dim, start, end, step }, cut(hi > lo ? Math.ceil((hi - lo) / step) : 0));
      } else if (m === 2) {
        const ones = s.map((n, i) => i).filter((i) => s[i] === 1);
        if (ones.length > 0 && ch.int(2)) {
          const at = ch.pick(ones);
          push({ op: 'squeeze', x, dim: at - (ch.int(2) ? s.length : 0) }, s.filter((_, i) => i !== at));
        } else if (s.length < 4) {
          const at = ch.int(s.length + 1);
          const shape = [...s];
          shape.splice(at, 0, 1);
          push({ op: 'unsqueeze', x, dim: at - (ch.int(2) ? s.length + 1 : 0) }, shape);
        } else push({ op: ch.pick(unaryOps), x }, s);
      } else if (m === 3) {
        const dims = [...Array(s.length).keys()].filter(() => ch.int(2) === 1);
        push({ op: 'flip', x, dims: dims.length ? dims : [dim] }, s);
      } else {
        const b = newLeaf(cut(ch.pick([1, 2, 0])));
        const swap = ch.int(2) === 1;
        push(swap ? { op: 'cat', a: b, b: x, dim } : { op: 'cat', a: x, b, dim }, cut(s[d]! + shapeOf(b)[d]!));
      }
    } else if (kind >= 12) {
      drawAlongDim(x, s);
    } else {
      // mm / matmul: a 2-D (or, for matmul, 1-D) x times a fresh operand that fits.
      if (s.length === 2) {
        const n = ch.pick([2, 1, 3, 0]);
        const left = ch.int(2) === 1;
        const op = ch.int(2) ? 'matmul' : 'mm';
        if (left) {
          const b = newLeaf([n, s[0]!]);
          push({ op, a: b, b: x }, [n, s[1]!]);
        } else {
          const b = newLeaf(op === 'matmul' && ch.int(3) === 0 ? [s[1]!] : [s[1]!, n]);
          push({ op, a: x, b }, shapeOf(b).length === 1 ? [s[0]!] : [s[0]!, n]);
        }
      } else if (s.length === 1) {
        const n = ch.pick([2, 1, 3, 0]);
        const b = newLeaf(ch.int(3) === 0 ? [s[0]!] : [s[0]!, n]);
        push({ op: 'matmul', a: x, b }, shapeOf(b).length === 1 ? [] : [n]);
      } else if (s.length > 2) {
        // A batch of matrices times a fresh operand: a matrix, a vector, or a batch whose
        // batch dims broadcast against x's (some set to 1, some dropped, sometimes a new one).
        const n = ch.pick([2, 1, 3, 0]);
        const batch = s.slice(0, -2);
        const k = s[s.length - 1]!;
        const form = ch.int(3);
        const other = form === 0 ? [k, n] : form === 1 ? [k] : [...partner(batch), k, n];
        const lead = other.length > 2 && batch.length < 3 && ch.int(4) === 0 ? [2] : [];
        const b = newLeaf([...lead, ...other]);
        const bBatch = shapeOf(b).slice(0, -2);
        const out = form === 1 ? s.slice(0, -1) : [...broadcastBatch(batch, bBatch), s[s.length - 2]!, n];
        push({ op: 'matmul', a: x, b }, out);
      } else {
        push({ op: ch.pick(unaryOps), x }, s);
      }
    }
  }
  const outShape = shapes[shapes.length - 1]!.shape;
  // The upstream gradient: mostly plain values, sometimes edge values (0·Inf through masks must stay 0).
  const gkind = ch.int(4) === 3 ? 2 : 0;
  const grad = Array.from({ length: size(outShape) }, () => value(ch, gkind));
  return { leaves, nodes, grad };
}

// Two batch shapes broadcast (each pair equal or one of them 1; the shorter aligned right).
function broadcastBatch(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    return da === 1 ? db : da;
  });
}

function sameRef(a: GraphRef, b: GraphRef): boolean {
  if ('leaf' in a) return 'leaf' in b && a.leaf === b.leaf;
  if ('node' in a) return 'node' in b && a.node === b.node;
  return false;
}
