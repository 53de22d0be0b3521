import type { Backend, BackendInfo, BackendStats, BinaryOp, Handle, ReduceOp, Shape, UnaryOp, View } from '@nn/core';
import { broadcastShapes, isContiguous, rowMajorView, checkOptions, isName, numberIn, oneOf, reducedShape, sameShape, sizeOf, stridesOf } from '@nn/core';
import type { CpuHandle } from './handle.js';
import * as loops from './loops.js';
import { HeapAllocator, type Allocator, type Storage } from './storage.js';
import { WASM_OPS, WasmArena } from './wasm/arena.js';
import { nodeBuiltin } from './node-builtin.js';
import { chooseRelaxed, type FmaChoice } from './wasm/relaxed.js';
import { GemmThreads } from './wasm/threads.js';

/** The engine the kernels run on: WebAssembly SIMD (gemm and the common elementwise ops), or plain TypeScript only (where WebAssembly is not allowed). */
export type CpuEngine = 'wasm' | 'js';

/** Options of the cpu backend. */
export interface CpuBackendOptions {
  /** Device name to register under (default `cpu`). */
  device?: string;
  /**
   * What the kernels run on. `wasm`: the WebAssembly SIMD gemm and
   * elementwise loops (an error if they cannot load); `js`: plain TypeScript
   * loops only; `auto` (default): wasm where it loads, else js, and `info`
   * says which and why.
   */
  engine?: CpuEngine | 'auto';
  /**
   * Threads for large products, the caller's included (default: 2 in Node
   * when the machine has 2 or more cores, else 1). Needs shared memory and
   * Node's worker_threads; `info.note` says when they are off and why.
   */
  threads?: number;
  /** Products smaller than this many multiply-adds stay on one thread (default 2^20). */
  minParallelMacs?: number;
  /** Products smaller than this many multiply-adds run the plain loop, which beats packing for the SIMD gemm (default 4096). */
  minGemmMacs?: number;
  /**
   * WebAssembly memory kind: shared (needs SharedArrayBuffer; allows threads) or private
   * (what a page without cross-origin isolation gets). Default: shared where possible.
   */
  memory?: 'shared' | 'private';
  /**
   * How gemm multiplies and adds. `auto` (default): the relaxed-SIMD build,
   * whose fused multiply-adds run about 1.4x faster, where the engine has
   * relaxed SIMD (Chrome and Edge 114+, Node 22+), else plain SIMD. `on`: the
   * relaxed build or an error; on Node 20 this sets V8's process-wide
   * --experimental-wasm-relaxed-simd flag. `off`: plain SIMD (results then
   * round as the TypeScript kernels do, once per multiply and once per add).
   */
  fma?: FmaChoice;
}

// What each option accepts: an unknown key or a wrong value is an ArgumentError that names it.
const optionRules = {
  device: isName,
  engine: oneOf('wasm', 'js', 'auto'),
  threads: numberIn(1, 256, true),
  minParallelMacs: numberIn(0),
  minGemmMacs: numberIn(0),
  memory: oneOf('shared', 'private'),
  fma: oneOf('auto', 'on', 'off'),
};

// Below this many elements the plain loop beats the call into WebAssembly.
const MIN_WASM_ELEMENTS = 16;

// x op s with the scalar on the left, as the same op with the operands swapped. Not max and
// min: at a tie (−0 vs 0) they keep the first operand, so max(s, x) is not max(x, s); those
// take the TypeScript loop.
const SWAPPED: Partial<Record<BinaryOp, string>> = { add: 'add', mul: 'mul', eq: 'eq', sub: 'rsub', div: 'rdiv', lt: 'gt', gt: 'lt', le: 'ge', ge: 'le' };

/**
 * One reference to a cpu block, seen through a view (shape, strides, offset).
 * `contig` caches the row-major copy of a view that kernels needed as one
 * (made on first use, freed with the handle); the view itself never changes.
 * Every op makes one of these, so it is one object with a fixed set of fields:
 * whether it is still live is a flag on it (not an entry in a Set), whether it
 * is its whole block in row-major order is worked out once when it is made,
 * and a fresh result's strides are computed only if something reads them.
 */
class CpuBuffer implements CpuHandle {
  readonly device: 'cpu';
  contig: Storage | null = null;
  /** False once freed: a freed handle is refused by every kernel, and freeing it again does nothing. */
  live = true;
  /** True when this view reads its whole block in row-major order from element 0: kernels read the block as it is. */
  readonly rowMajor: boolean;
  private _strides: readonly number[] | null;
  constructor(
    readonly owner: CpuBackend,
    device: string,
    readonly shape: Shape,
    strides: readonly number[] | null,
    readonly offset: number,
    readonly store: Storage,
  ) {
    this.device = device as 'cpu';
    this._strides = strides;
    // Without strides the handle is a fresh row-major result of its block.
    this.rowMajor = store.data.length === sizeOf(shape) && (strides === null || isContiguous(this));
  }

  /** The view's strides; a fresh result's row-major strides are made on first read. */
  get strides(): readonly number[] {
    return (this._strides ??= stridesOf(this.shape));
  }

  get data(): Float32Array {
    return this.owner.rowMajorOf(this).data;
  }
}

/**
 * True when a 2-D handle is the transpose of its whole row-major block (a `t()` of a
 * fresh result): strides [1, rows] from offset 0, sizes of 1 taking any stride, as
 * isContiguous of the swapped view says, without making that view.
 */
function isTransposedBlock(h: CpuBuffer): boolean {
  if (h.shape.length !== 2 || h.offset !== 0 || h.store.data.length !== sizeOf(h.shape)) return false;
  const r = h.shape[0]!;
  const c = h.shape[1]!;
  return (r === 1 || h.strides[0] === 1) && (c === 1 || h.strides[1] === r);
}

function defaultThreads(): number {
  const os = nodeBuiltin<{ availableParallelism?: () => number }>('node:os');
  const cores = os?.availableParallelism?.() ?? 1;
  return Math.min(2, Math.max(1, cores));
}

/**
 * The cpu backend on Float32Array. Matmul runs a WebAssembly SIMD gemm
 * (tensors then live in WebAssembly memory, so it reads them in place) or
 * plain TypeScript loops; elementwise ops are plain loops in both. Blocks are
 * recycled by size, and `t()`, reshape and clone share blocks (kernels never
 * write into their inputs), so the training loop neither copies nor allocates.
 */
export class CpuBackend implements Backend {
  readonly device: 'cpu';
  /** The engine the kernels really run on. */
  readonly engine: CpuEngine;
  private readonly why: string;
  private readonly alloc: Allocator;
  private readonly arena: WasmArena | null = null;
  private readonly threads: GemmThreads | null = null;
  private readonly minParallelMacs: number;
  private readonly minGemmMacs: number;
  /** Why gemm runs without relaxed SIMD, or how its multiply-adds round. */
  private readonly maddNote: string = '';
  private mainWork = -1;
  private blocks = 0;
  private bytes = 0;
  private counters = { uploads: 0, readbacks: 0, kernels: 0 };

  constructor(opts: CpuBackendOptions = {}) {
    checkOptions('createCpuBackend', opts, optionRules);
    this.device = (opts.device ?? 'cpu') as 'cpu';
    this.minParallelMacs = opts.minParallelMacs ?? 2 ** 20;
    this.minGemmMacs = opts.minGemmMacs ?? 4096;
    const want = opts.engine ?? 'auto';
    let why = 'plain TypeScript loops on Float32Array (asked for)';
    let choice = { relaxed: false, why: '' };
    if (want !== 'js') {
      // An fma: 'on' this engine cannot honour throws here: it was asked for by name.
      choice = chooseRelaxed(opts.fma ?? 'auto');
      try {
        this.arena = new WasmArena({ relaxed: choice.relaxed, ...(opts.memory ? { shared: opts.memory === 'shared' } : {}) });
      } catch (e) {
        if (want === 'wasm') throw new Error(`@nn/cpu: the WebAssembly SIMD kernels cannot load here (${(e as Error).message}); use createCpuBackend({ engine: 'js' })`);
        why = `plain TypeScript loops on Float32Array, because WebAssembly SIMD could not load: ${(e as Error).message}`;
      }
    }
    this.why = why;
    if (this.arena) {
      // Relaxed SIMD lets an engine run relaxed_madd unfused: ask the module which it got.
      this.maddNote = this.arena.relaxed
        ? this.arena.exports.maddProbe(1.000244140625, -1.00048828125) !== 0
          ? 'fused multiply-adds (relaxed SIMD)'
          : 'relaxed SIMD, but this CPU runs its multiply-adds unfused'
        : `plain SIMD multiply then add, as ${choice.why}`;
      this.engine = 'wasm';
      this.alloc = this.arena;
      this.threads = new GemmThreads(this.arena, (opts.threads ?? defaultThreads()) - 1);
    } else {
      this.engine = 'js';
      this.alloc = new HeapAllocator();
    }
  }

  /** What runs: `wasm-relaxed-simd`, `wasm-simd` or `js`, with the threads, the multiply-adds and why in the note. */
  get info(): BackendInfo {
    if (this.engine === 'js') return { name: '@nn/cpu', runtime: 'js', floatBits: 32, fallback: false, note: this.why };
    const t = this.threads!;
    const threads = t.disabledReason
      ? `one thread (${t.disabledReason})`
      : `${t.workers + 1} threads for products of ≥ ${this.minParallelMacs} multiply-adds${t.failure ? ` (${t.failure})` : ''}`;
    return {
      name: '@nn/cpu',
      runtime: this.arena!.relaxed ? 'wasm-relaxed-simd' : 'wasm-simd',
      floatBits: 32,
      fallback: false,
      note: `WebAssembly SIMD gemm (AssemblyScript, 4×8 f32x4 micro-kernel, packed panels, ${this.maddNote}) on ${threads}; SIMD loops for the common elementwise ops, TypeScript for the rest`,
    };
  }

  /** @internal Wrap a fresh block in a row-major handle and count the block as live. */
  private wrap(store: Storage, shape: Shape): CpuBuffer {
    // `shape` is the kernel's own (computed here, or an input handle's, which never changes): kept, not copied.
    const h = new CpuBuffer(this, this.device, shape, null, 0, store);
    this.countBlock(store, 1);
    return h;
  }

  // Live blocks (not handles: views share blocks) and their bytes.
  private countBlock(store: Storage, sign: 1 | -1): void {
    this.blocks += sign;
    this.bytes += sign * store.data.byteLength;
  }

  // Drop one reference to a block; the last one recycles it.
  private releaseBlock(store: Storage): void {
    if (store.refs === 1) this.countBlock(store, -1);
    this.alloc.release(store);
  }

  /** A view of x's block: one more reference, no kernel, no new block. */
  retain(x: Handle, view: View): Handle {
    const xb = this.buffer(x);
    xb.store.refs++;
    // The view's arrays are kept, not copied: core makes them for this call and never changes them.
    return new CpuBuffer(this, this.device, view.shape, view.strides, view.offset, xb.store);
  }

  private buffer(h: Handle): CpuBuffer {
    const c = h as CpuBuffer;
    if (!(c instanceof CpuBuffer) || c.owner !== this || !c.live) throw new Error(`@nn/cpu: use of a freed or foreign buffer of shape [${h.shape.join(', ')}]`);
    return c;
  }

  /** The values of a live handle, in row-major order of its shape. */
  protected data(h: Handle): Float32Array {
    return this.buffer(h).data;
  }

  /**
   * @internal The row-major block of a handle: its own block when the view is
   * row-major, else a copy made once (a kernel launch) and cached on the handle.
   */
  rowMajorOf(h: CpuBuffer): Storage {
    if (h.contig) return h.contig;
    if (h.rowMajor) return h.store;
    const n = sizeOf(h.shape);
    this.counters.kernels++;
    const out = this.alloc.alloc(n);
    this.countBlock(out, 1);
    if (h.shape.length === 2 && h.offset === 0 && h.strides[0] === 1 && h.strides[1] === h.shape[0] && h.store.data.length === n) {
      loops.transposeInto(h.store.data, h.shape[1]!, h.shape[0]!, out.data);
    } else loops.gatherInto(h.store.data, h, out.data);
    h.contig = out;
    return out;
  }

  /**
   * True when a 2-D matmul operand is read from its own block transposed (a `t()` view of
   * a row-major block), so that matmul of a transposed view copies nothing; a row-major
   * operand is read as is, and any other view is made row-major (rowMajorOf).
   */
  private readsTransposed(h: CpuBuffer): boolean {
    return !h.contig && !h.rowMajor && isTransposedBlock(h);
  }

  fromArray(data: Float32Array, shape: Shape): Handle {
    if (data.length !== sizeOf(shape)) throw new Error(`fromArray: ${data.length} values for shape [${shape.join(', ')}]`);
    this.counters.uploads++;
    const s = this.alloc.alloc(data.length);
    s.data.set(data);
    // A copy of the caller's shape: `shape` may be an array the caller keeps and changes.
    return this.wrap(s, [...shape]);
  }

  readSync(h: Handle): Float32Array {
    this.counters.readbacks++;
    return this.data(h).slice();
  }

  read(h: Handle): Promise<Float32Array> {
    return Promise.resolve(this.readSync(h));
  }

  free(h: Handle): void {
    const c = h as CpuBuffer;
    if (!(c instanceof CpuBuffer) || c.owner !== this || !c.live) return;
    c.live = false;
    if (c.contig) this.releaseBlock(c.contig);
    c.contig = null;
    this.releaseBlock(c.store);
  }

  private fresh(n: number): Storage {
    this.counters.kernels++;
    return this.alloc.alloc(n);
  }

  /**
   * The row-major storage of a live input (a view is made row-major here,
   * once). Call it after allocating the output, and read `.data` only after
   * the last call: with a private (unshared) WebAssembly memory every
   * allocation may grow the memory, which detaches older views (the stored
   * ones are re-pointed, views held in local variables are not).
   */
  private rowMajor(h: Handle): Storage {
    return this.rowMajorOf(this.buffer(h));
  }

  unary(op: UnaryOp, x: Handle): Handle {
    const n = sizeOf(x.shape);
    const s = this.fresh(n);
    const xs = this.rowMajor(x);
    if (this.arena && n >= MIN_WASM_ELEMENTS && (op === 'relu' || op === 'neg')) {
      const e = this.arena.exports;
      if (op === 'relu') e.relu(xs.ptr, s.ptr, n);
      else e.scalarOp(WASM_OPS.mul!, xs.ptr, -1, s.ptr, n);
    } else loops.unaryInto(op, xs.data, s.data);
    return this.wrap(s, x.shape);
  }

  binary(op: BinaryOp, a: Handle, b: Handle): Handle {
    // Equal shapes (the usual case) broadcast to themselves: no new shape to make.
    const shape = sameShape(a.shape, b.shape) ? a.shape : broadcastShapes(op, a.shape, b.shape);
    const n = sizeOf(shape);
    const s = this.fresh(n);
    const as = this.rowMajor(a);
    const bs = this.rowMajor(b);
    const code = WASM_OPS[op];
    if (this.arena && code !== undefined && n >= MIN_WASM_ELEMENTS && as.data.length === n && bs.data.length === n) {
      this.arena.exports.binaryOp(code, as.ptr, bs.ptr, s.ptr, n);
    } else loops.binaryInto(op, as.data, a.shape, bs.data, b.shape, shape, s.data);
    return this.wrap(s, shape);
  }

  scalar(op: BinaryOp, x: Handle, v: number, reversed: boolean): Handle {
    const n = sizeOf(x.shape);
    const s = this.fresh(n);
    const xs = this.rowMajor(x);
    if (this.arena && n >= MIN_WASM_ELEMENTS) {
      const e = this.arena.exports;
      const code = WASM_OPS[(reversed ? SWAPPED[op] : op) ?? ''];
      // The scalar enters as float32, as PyTorch casts a Python scalar to the tensor's dtype.
      if (op === 'pow' && v === 2 && !reversed) {
        e.binaryOp(WASM_OPS.mul!, xs.ptr, xs.ptr, s.ptr, n);
        return this.wrap(s, x.shape);
      }
      if (code !== undefined) {
        e.scalarOp(code, xs.ptr, v, s.ptr, n);
        return this.wrap(s, x.shape);
      }
    }
    loops.scalarInto(op, xs.data, v, reversed, s.data);
    return this.wrap(s, x.shape);
  }

  matmul(a: Handle, b: Handle, transA: boolean, transB: boolean): Handle {
    if (a.shape.length > 2) return this.batchedMatmul(a, b, transA, transB);
    const ab = this.buffer(a);
    const bb = this.buffer(b);
    const m = transA ? a.shape[1]! : a.shape[0]!;
    const kk = transA ? a.shape[0]! : a.shape[1]!;
    const n = transB ? b.shape[0]! : b.shape[1]!;
    const s = this.fresh(m * n);
    // A transposed view is its base's block read transposed: flip the flag instead of copying.
    const aT = this.readsTransposed(ab);
    const bT = this.readsTransposed(bb);
    const as = aT ? ab.store : this.rowMajorOf(ab);
    const bs = bT ? bb.store : this.rowMajorOf(bb);
    const ta = aT ? !transA : transA;
    const tb = bT ? !transB : transB;
    // Tiny products cost more to pack than to multiply: the plain loop does them.
    if (this.arena && m * n * kk >= this.minGemmMacs) this.gemm(m, n, kk, as, ta, bs, tb, s);
    else loops.matmulInto(as.data, bs.data, m, n, kk, ta, tb, s.data);
    return this.wrap(s, [m, n]);
  }

  /**
   * A batch of products in one call: each entry's operands are read in place
   * through their views' strides (a broadcast operand has batch stride 0, a
   * transposed one swapped strides), so no operand is copied; each entry is
   * one gemm (or the plain loop, for tiny ones) writing its block of the result.
   */
  private batchedMatmul(a: Handle, b: Handle, transA: boolean, transB: boolean): Handle {
    const r = a.shape.length;
    const batch = a.shape.slice(0, r - 2);
    const m = transA ? a.shape[r - 1]! : a.shape[r - 2]!;
    const kk = transA ? a.shape[r - 2]! : a.shape[r - 1]!;
    const n = transB ? b.shape[r - 2]! : b.shape[r - 1]!;
    const count = sizeOf(batch);
    const s = this.fresh(count * m * n);
    const av = this.stridedOperand(this.buffer(a));
    const bv = this.stridedOperand(this.buffer(b));
    // Strides of op(A) along (row i, inner p) and of op(B) along (inner p, column j).
    const [ai, ap] = transA ? [av.strides[r - 1]!, av.strides[r - 2]!] : [av.strides[r - 2]!, av.strides[r - 1]!];
    const [bp, bj] = transB ? [bv.strides[r - 1]!, bv.strides[r - 2]!] : [bv.strides[r - 2]!, bv.strides[r - 1]!];
    const offA = loops.batchOffsets(batch, av.strides, av.offset);
    const offB = loops.batchOffsets(batch, bv.strides, bv.offset);
    if (this.arena && m * n * kk >= this.minGemmMacs) {
      // Pointers are bytes: a float offset is 4 of them.
      for (let e = 0; e < count; e++) {
        this.gemmAt(m, n, kk, av.store.ptr + 4 * offA[e]!, ai, ap, bv.store.ptr + 4 * offB[e]!, bp, bj, s.ptr + 4 * e * m * n);
      }
    } else {
      for (let e = 0; e < count; e++) loops.matmulStridedInto(av.store.data, offA[e]!, ai, ap, bv.store.data, offB[e]!, bp, bj, m, n, kk, s.data, e * m * n);
    }
    return this.wrap(s, [...batch, m, n]);
  }

  // An operand read in place through its view, or (a negative stride, which gemm's
  // pointer steps do not take) its row-major block.
  private stridedOperand(h: CpuBuffer): { store: Storage; strides: readonly number[]; offset: number } {
    if (h.strides.every((st) => st >= 0)) return { store: h.store, strides: h.strides, offset: h.offset };
    return { store: this.rowMajorOf(h), strides: rowMajorView(h.shape).strides, offset: 0 };
  }

  // C = op(A)·op(B) in wasm, split by rows or columns over the ready threads.
  private gemm(m: number, n: number, kk: number, a: Storage, ta: boolean, b: Storage, tb: boolean, c: Storage): void {
    const rsA = ta ? 1 : kk;
    const csA = ta ? m : 1;
    const rsB = tb ? 1 : n;
    const csB = tb ? kk : 1;
    this.gemmAt(m, n, kk, a.ptr, rsA, csA, b.ptr, rsB, csB, c.ptr);
  }

  // C (row-major m×n at byte address c) = A·B read through row and column strides (in floats).
  private gemmAt(m: number, n: number, kk: number, a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, c: number): void {
    const arena = this.arena!;
    if (this.mainWork < 0) this.mainWork = arena.reserve(arena.exports.workBytes());
    const macs = m * n * kk;
    const e = arena.exports;
    const helpers = macs >= this.minParallelMacs && this.threads ? this.threads.ready() : 0;
    if (helpers === 0) {
      e.gemm(m, n, kk, a, rsA, csA, b, rsB, csB, c, n, this.mainWork, 0);
      return;
    }
    // Cut the larger side into chunks on micro-tile boundaries (4 rows, 8
    // columns): up to four per thread, so that a thread the OS does not
    // schedule leaves its chunks to the others. Each chunk packs the whole of
    // the other operand again, which costs about chunks/side of the product:
    // keep that near 1%, and each chunk at least 2^19 multiply-adds.
    const parts = helpers + 1;
    const byRows = m >= n;
    const total = byRows ? m : n;
    const unit = byRows ? 4 : 8;
    const want = Math.max(parts, Math.min(4 * parts, Math.floor(macs / 2 ** 19), Math.floor(total / 100)));
    const chunk = Math.ceil(total / want / unit) * unit;
    const count = Math.ceil(total / chunk);
    this.threads!.run(e.gemm, [m, n, kk, a, rsA, csA, b, rsB, csB, c, n], byRows, chunk, count, this.mainWork, 10_000 + macs / 1e5);
  }

  reduce(op: ReduceOp, x: Handle, axes: readonly number[], keepDims: boolean): Handle {
    const shape = reducedShape(x.shape, axes, keepDims);
    const s = this.fresh(sizeOf(shape));
    loops.reduceInto(op, this.rowMajor(x).data, x.shape, axes, s.data);
    return this.wrap(s, shape);
  }

  where(mask: Handle, a: Handle, b: Handle): Handle {
    const shape = broadcastShapes('where', mask.shape, a.shape, b.shape);
    const n = sizeOf(shape);
    const s = this.fresh(n);
    const ms = this.rowMajor(mask);
    const as = this.rowMajor(a);
    const bs = this.rowMajor(b);
    const [md, ad, bd] = [ms.data, as.data, bs.data];
    // maskedFill: a one-element fill value and a full-size input.
    if (this.arena && n >= MIN_WASM_ELEMENTS && md.length === n && bd.length === n && (ad.length === n || ad.length === 1)) {
      this.arena.exports.select(ms.ptr, as.ptr, ad.length === n ? 1 : 0, bs.ptr, 1, s.ptr, n);
    } else loops.whereInto(md, mask.shape, ad, a.shape, bd, b.shape, shape, s.data);
    return this.wrap(s, shape);
  }

  gather(x: Handle, dim: number, index: Handle): Handle {
    const s = this.fresh(sizeOf(index.shape));
    const xs = this.rowMajor(x);
    const is = this.rowMajor(index);
    loops.gatherAlongInto(xs.data, x.shape, dim, is.data, index.shape, s.data);
    return this.wrap(s, index.shape);
  }

  scatterAdd(x: Handle, dim: number, index: Handle, src: Handle): Handle {
    const s = this.fresh(sizeOf(x.shape));
    const xs = this.rowMajor(x);
    const is = this.rowMajor(index);
    const ss = this.rowMajor(src);
    s.data.set(xs.data);
    loops.scatterAddInto(s.data, x.shape, dim, is.data, index.shape, ss.data, src.shape);
    return this.wrap(s, x.shape);
  }

  asStridedScatter(x: Handle, src: Handle, view: View): Handle {
    const s = this.fresh(sizeOf(x.shape));
    const xs = this.rowMajor(x);
    const ss = this.rowMajor(src);
    s.data.set(xs.data);
    loops.stridedScatterInto(s.data, view, ss.data);
    return this.wrap(s, x.shape);
  }

  cumsum(x: Handle, axis: number, reverse: boolean): Handle {
    const s = this.fresh(sizeOf(x.shape));
    loops.cumsumInto(this.rowMajor(x).data, x.shape, axis, reverse, s.data);
    return this.wrap(s, x.shape);
  }

  copy(x: Handle, shape: Shape): Handle {
    // Blocks are never written after they are made, so the row-major block
    // (the handle's own, or the copy a view needed) is shared, not copied again.
    const st = this.rowMajorOf(this.buffer(x));
    st.refs++;
    // A copy of the caller's shape: `shape` may be an array the caller keeps.
    return new CpuBuffer(this, this.device, [...shape], null, 0, st);
  }

  stats(): BackendStats {
    return { buffers: this.blocks, bytes: this.bytes, compiles: 0, ...this.counters };
  }

  /** Stop the worker threads (the backend keeps working on one thread). */
  dispose(): void {
    this.threads?.dispose();
  }
}

/**
 * Make the cpu backend; register it with `registerBackend`. By default it runs
 * the WebAssembly SIMD kernels where they load and says so in `info.runtime`.
 */
export function createCpuBackend(opts: CpuBackendOptions = {}): CpuBackend {
  return new CpuBackend(opts);
}
