import type { Backend, BackendInfo, BackendStats, BinaryOp, Handle, ReduceOp, Shape, UnaryOp, View } from '@nn/core';
import { broadcastShapes, DeviceError, fmtShape, isContiguous, reducedShape, sameShape, sizeOf, stridesOf } from '@nn/core';
import { Fuser, readsFlat, readsOnce } from './fuse.js';
import { deleteValue, NO_ARGS, NO_CHAIN, type ChainStep, type DeviceValue, type Expr, type GpuBuffer, type GpuHandle, type ProductGeometry } from './handle.js';
import { BLOCKED_OVER_INLINE, blockedPlan, flatValues, type BlockedStep } from './matmul-blocked.js';
import { kernelClassName, runtimeOfClass, type GpuJs, type GpuJsKernel, type GpuRuntime } from './runtime.js';
import * as src from './sources.js';

/** How a backend was opened: which gpu.js runtime, and what to tell the user about it. */
export interface GpuBackendSetup {
  device: string;
  runtime: GpuRuntime;
  fallback: boolean;
  note: string;
  /** Largest number of elements one tensor may have on this device. */
  maxElements: number;
  /** Where maxElements comes from, for the error message. */
  limitText: string;
  /** What is deferred (GpuFuse; default 'trees'). */
  fuse?: GpuFuse;
  /** Which kernels compute products (GpuMatmul; default 'auto'). */
  matmul?: GpuMatmul;
}

/**
 * Which kernels compute products: `auto` (default) the blocked kernels of
 * matmul-blocked.ts where the shape and path allow and they are faster, else
 * one output per thread; `plain` always one output per thread (for comparison).
 */
export type GpuMatmul = 'auto' | 'plain';

/**
 * What the backend defers into the kernel that reads it: `trees` (default)
 * defers elementwise ops, wheres and products into small expression trees
 * (6 launches a seed step); `chains` only unary and scalar ops (11), as before.
 */
export type GpuFuse = 'trees' | 'chains';

/**
 * Bounds of one deferred tree, counted as if inlined: buffers read (WebGPU
 * binds at most 8 storage buffers a shader by default, one of them the
 * output; WebGL2 16 textures), nodes and chain numbers (kernel source and
 * argument counts stay small). An op that would pass them runs its largest
 * deferred input first.
 */
const MAX_LEAVES = 7;
const MAX_NODES = 16;
const MAX_ARGS = 32;

/**
 * A reduce thread walks its whole block, so a product inlined into a reduce
 * does serially what a product kernel does in parallel: it is inlined only
 * while block size times inner size stays this small (the loss of a small
 * net, well under llvmpipe's 65,535 loop iterations a shader); else the product runs first.
 */
const REDUCE_PRODUCT_WORK = 4096;

/** The size of a deferred tree, counted as if inlined (a node read twice counts twice). */
interface TreeSize {
  leaves: number;
  nodes: number;
  args: number;
  products: number;
  /** The largest inner size of a product in it (0 without one). */
  loop: number;
}

/** A full sum, max or min of at least this many values runs in two launches (splitReduce). */
const SPLIT_REDUCE_FROM = 2 ** 16;

/** The largest divisor of n up to √n, or null when it is under 64 (too few threads for a first launch to pay). */
function nearSqrtDivisor(n: number): number | null {
  for (let d = Math.floor(Math.sqrt(n)); d >= 64; d--) if (n % d === 0) return d;
  return null;
}

/** Results of at least this many values are checked for a failed GL allocation (a getError per launch would stall small ones). */
const CHECK_MEMORY_FROM = 2 ** 20;
const GL_OUT_OF_MEMORY = 0x0505;
const GL_INVALID_FRAMEBUFFER_OPERATION = 0x0506;

/** A chain longer than this is run (one kernel) before another op is deferred onto it, so that kernel sources stay small. */
const MAX_CHAIN = 8;

/**
 * Chain steps a matmul applies on read: a matmul reads each input value once
 * per output row or column, so it recomputes only steps that cost about as
 * much as the read (relu, a scale, a shift, a comparison); a chain with an
 * exp, a pow or a sin is run first as its own kernel.
 */
const CHEAP_ON_REREAD = new Set<string>(['neg', 'abs', 'relu', 'add', 'sub', 'mul', 'div', 'max', 'min', 'lt', 'gt', 'le', 'ge', 'eq']);

/** The kernel-cache key of a chain: its ops in order (its numbers are arguments, not part of the source). */
function chainKey(chain: readonly ChainStep[]): string {
  return chain.map((c) => (c.scalar ? `${c.op}${c.reversed ? '~' : ''}s` : c.op)).join(',');
}

/** How a kernel reads its inputs, its chain numbers in argument order, and what its source depends on (for the cache key). */
interface Reads {
  reads: src.Read[];
  args: number[];
  key: string;
}

/** The slice of a GPUDevice the backend uses: error scopes (core and this package carry no WebGPU types). */
interface WebGpuDevice {
  pushErrorScope(filter: 'out-of-memory' | 'validation'): void;
  popErrorScope(): Promise<{ message: string } | null>;
}

interface CachedKernel {
  fn: GpuJsKernel;
  /** The backend kernel object last seen: gpu.js may swap it (argument-type switch, fallback). */
  inner: unknown;
}

/**
 * nn's gpu backend: every Backend kernel is a gpu.js `pipeline: true` kernel,
 * so results stay on the device as textures (GL) or storage buffers (WebGPU)
 * and pass straight into the next kernel; data crosses to the host only in
 * fromArray (upload) and readSync/read (readback). Kernels are compiled once
 * per op and shape and cached.
 */
export class GpuBackend implements Backend {
  readonly device: string;
  readonly info: BackendInfo;
  /** Synchronous readback; absent on WebGPU, whose readback is only asynchronous. */
  readonly readSync?: (h: Handle) => Float32Array;
  /** The gpu.js runtime whose kernels run (the kernel class that really ran). */
  readonly runtime: GpuRuntime;
  private readonly gpu: GpuJs;
  private readonly async: boolean;
  private readonly maxElements: number;
  private readonly limitText: string;
  /** What is deferred: see GpuFuse. */
  readonly fuse: GpuFuse;
  /** Which product kernels run: see GpuMatmul. */
  readonly matmulKernel: GpuMatmul;
  private readonly cache = new Map<string, CachedKernel>();
  private readonly live = new Set<GpuHandle>();
  /** The deferred buffer made last (see replaced). */
  private newest: GpuBuffer | null = null;
  /** The handles deferred trees hold on their inputs (the others are tensors'). */
  private readonly treeInputs = new WeakSet<GpuHandle>();
  private buffers = 0;
  private bytes = 0;
  private counters = { uploads: 0, readbacks: 0, compiles: 0, kernels: 0 };
  /** WebGPU: the device the kernels run on (webgpuDevice). */
  private gpuDevice: WebGpuDevice | undefined;
  /** WebGPU: an out-of-memory scope is open across a first run's build (see runInMemoryScope). */
  private scopeOpen = false;

  /** @internal Use createGpuBackend(). */
  constructor(gpu: GpuJs, setup: GpuBackendSetup) {
    this.gpu = gpu;
    this.device = setup.device;
    this.runtime = setup.runtime;
    this.async = setup.runtime === 'webgpu';
    this.maxElements = setup.maxElements;
    this.limitText = setup.limitText;
    this.fuse = setup.fuse ?? 'trees';
    this.matmulKernel = setup.matmul ?? 'auto';
    this.info = {
      name: '@nn/gpu',
      runtime: setup.runtime,
      floatBits: 32,
      fallback: setup.fallback,
      note: setup.note,
    };
    if (!this.async) this.readSync = (h) => this.readNow(h);
  }

  // ---- buffers ---------------------------------------------------------------

  private handleOf(h: Handle, op: string): GpuHandle {
    const g = h as GpuHandle;
    if (!this.live.has(g)) throw new DeviceError(op, `use of a freed or foreign buffer of shape ${fmtShape(h.shape)} on device '${this.device}'`);
    return g;
  }

  /** A handle on a new buffer: made by a launch, or deferred (`expr`), then counted only once it runs. */
  private newHandle(op: string, shape: Shape, expr: Expr | null = null): GpuHandle {
    const size = sizeOf(shape);
    if (size > this.maxElements) {
      throw new DeviceError(
        op,
        `the ${fmtShape(shape)} tensor (${size} float32 values, ${size * 4} bytes) is larger than the ${this.runtime} device allows: ${this.limitText} = ${this.maxElements} values; ` +
          `split the work into smaller tensors or run it on 'cpu'`,
      );
    }
    const buf: GpuBuffer = { size, value: null, pending: null, error: undefined, users: 0, refs: 1, freed: false, expr, counted: false, inTrees: 0 };
    const h: GpuHandle = { device: this.device, shape: [...shape], strides: stridesOf(shape), offset: 0, size, buf, contig: null, chain: NO_CHAIN, args: NO_ARGS };
    this.live.add(h);
    if (expr) this.newest = buf;
    else this.count(buf);
    return h;
  }

  /** Count a buffer whose device value is made in the live buffers and bytes. */
  private count(b: GpuBuffer): void {
    b.counted = true;
    this.buffers++;
    this.bytes += b.size * 4;
  }

  /** Delete the device value once no handle and no launch still needs it. */
  private release(b: GpuBuffer): void {
    if (!b.freed || b.users > 0 || b.pending) return;
    deleteValue(b.value);
    b.value = null;
  }

  /** A view of x's buffer: one more reference, no kernel, no new buffer (a deferred chain stays with it: it is elementwise). */
  retain(x: Handle, view: View): Handle {
    const h = this.handleOf(x, 'retain');
    return this.share(h, view, h.chain, h.args);
  }

  /** A new handle on h's buffer with the given view and chain: one more reference. */
  private share(h: GpuHandle, view: View, chain: readonly ChainStep[], args: readonly number[]): GpuHandle {
    h.buf.refs++;
    const v: GpuHandle = { device: this.device, shape: [...view.shape], strides: [...view.strides], offset: view.offset, size: sizeOf(view.shape), buf: h.buf, contig: null, chain, args };
    this.live.add(v);
    return v;
  }

  /**
   * An elementwise op deferred onto x (fusion): the result shares x's buffer
   * and view, with the op appended to its chain; the kernel that reads it
   * computes the op as it reads. Buffers are never written after they are
   * made, so the value the chain reads cannot change under it.
   */
  private defer(x: GpuHandle, step: ChainStep, s: number | null): GpuHandle {
    const h = x.chain.length >= MAX_CHAIN ? this.dense(x) : x;
    return this.share(h, h, [...h.chain, step], s === null ? h.args : [...h.args, s]);
  }

  /**
   * A kernel input as a flat row-major vector with its chain computed: the
   * handle itself when it is one already, else one kernel that gathers its
   * view and applies its chain (made once and kept with the handle). Readback,
   * copy and the kernels that index their input flat use it.
   */
  private dense(h: GpuHandle): GpuHandle {
    if (h.contig) return h.contig;
    if (h.chain.length === 0 && h.buf.size === h.size && isContiguous(h)) {
      this.realize(h.buf, 'contiguous');
      return h;
    }
    this.realizeBlocked(h, 'contiguous');
    // As deferNode and reduce: a tree read through a broadcast (an expanded product) runs first, else each copied element would recompute it.
    if (h.buf.expr && !readsOnce(h, h.shape)) this.realize(h.buf, 'contiguous');
    if (h.buf.expr) {
      // A view or chain of a deferred tree: one kernel computes the tree where the view reads it.
      const f = Fuser.map(h, h.shape);
      h.contig = this.launch('contiguous', this.fusedKey(f.source, f.leaves, h.size), () => f.source, f.leaves, f.args, h.shape);
      return h.contig;
    }
    const { reads, args, key } = this.readsOf([h], h.shape);
    h.contig = this.launch('contiguous', `map|${h.shape}|${key}`, () => src.mapSource(h.shape, reads[0]!, args.length), [h.buf], args, h.shape);
    return h.contig;
  }

  /** The cache key of a fused kernel: its source (shapes, views and ops; its numbers are arguments), output size and the sizes of the buffers it binds. */
  private fusedKey(source: string, leaves: readonly GpuBuffer[], size: number): string {
    return `fused|${size}|${leaves.map((b) => b.size)}|${source}`;
  }

  /**
   * Run a deferred buffer's expression into it (one launch), so every handle
   * on it reads the value from now on; the leaves it held are let go.
   */
  private realize(b: GpuBuffer, op: string): void {
    const e = b.expr;
    if (!e) return;
    // A large product's cheap-tree operand runs first, so that the product runs blocked, not inlined one output per thread.
    if (e.kind === 'product' && e.inputs.some((h) => h.buf.expr) && this.runsBlocked(e)) for (const h of e.inputs) this.realize(h.buf, op);
    if (e.kind === 'product' && e.inputs.every((h) => !h.buf.expr)) {
      const [ha, hb] = e.inputs as [GpuHandle, GpuHandle];
      this.productInto(op, e.product!, ha, hb, b);
    } else {
      const f = Fuser.realize(b);
      this.launchInto(op, this.fusedKey(f.source, f.leaves, b.size), () => f.source, f.leaves, f.args, b);
    }
    b.expr = null;
    this.count(b);
    for (const h of e.inputs) this.free(h);
  }

  /** A handle on h's buffer (same view and chain) held by a deferred tree as its input. */
  private treeInput(h: GpuHandle): GpuHandle {
    const t = this.share(h, h, h.chain, h.args);
    this.treeInputs.add(t);
    h.buf.inTrees++;
    return t;
  }

  /**
   * The last tensor let go of computed buffer b, which deferred trees still
   * read. When the tree made last reads b whole, elementwise, it is b's
   * replacement: an in-place update (`w.sub_(g.mul(lr))` makes the new value,
   * then lets go of the old buffer) or `y = f(x)` then `x.dispose()`. It runs
   * now, so that b and the tree's other leaves are freed now, not when the new
   * value is next read, and its launch stays in the step that made it. Older
   * trees that read b (a residual whose tensors a scope frees one by one) stay deferred.
   */
  private replaced(b: GpuBuffer): void {
    const d = this.newest;
    const e = d?.expr;
    if (e && e.kind !== 'product' && e.inputs.some((h) => h.buf === b && readsFlat(h, e.shape))) this.realize(d!, e.op ?? e.kind);
  }

  /**
   * A deferred node of `shape` over the handles `hs` (fusion): no launch; the
   * kernel that reads the result computes it. A deferred input read through a
   * broadcast is run first (inlined, it would be recomputed per element), and
   * so is the largest deferred input while the tree would pass its bounds.
   */
  private deferNode(op: string, kind: 'binary' | 'where', binOp: BinaryOp | null, shape: Shape, hs: GpuHandle[]): GpuHandle {
    for (const h of hs) if (h.buf.expr && !readsOnce(h, shape)) this.realize(h.buf, op);
    for (const h of hs) this.realizeBlocked(h, op);
    for (;;) {
      const deferred = hs.filter((h) => h.buf.expr);
      const size = this.treeSize(hs, 1);
      if (deferred.length === 0 || (size.leaves <= MAX_LEAVES && size.nodes <= MAX_NODES && size.args <= MAX_ARGS && size.products <= 1)) {
        const inputs = hs.map((h) => this.treeInput(h));
        return this.newHandle(op, shape, { kind, op: binOp, shape: [...shape], inputs, product: null });
      }
      const nodes = (h: GpuHandle): number => this.treeSize([h], 0).nodes;
      const largest = deferred.reduce((x, y) => (nodes(y) > nodes(x) ? y : x));
      this.realize(largest.buf, op);
    }
  }

  /** The size of a tree of `nodes` own nodes over the inputs `hs` (walked now: an inner node may have run since it was deferred). */
  private treeSize(hs: readonly GpuHandle[], nodes: number): TreeSize {
    const size: TreeSize = { leaves: 0, nodes, args: 0, products: 0, loop: 0 };
    for (const h of hs) {
      const e = h.buf.expr;
      size.args += h.args.length;
      if (!e) {
        size.leaves++;
        continue;
      }
      const inner = this.treeSize(e.inputs, 1);
      size.leaves += inner.leaves;
      size.nodes += inner.nodes;
      size.args += inner.args;
      size.products += inner.products + (e.product ? 1 : 0);
      size.loop = Math.max(size.loop, inner.loop, e.product?.k ?? 0);
    }
    return size;
  }

  /** Run the products in b's tree (b itself, if it is one), leaving the elementwise rest deferred. */
  private realizeProducts(b: GpuBuffer, op: string): void {
    const e = b.expr;
    if (!e) return;
    if (e.kind === 'product') this.realize(b, op);
    else for (const h of e.inputs) this.realizeProducts(h.buf, op);
  }

  /**
   * Whether a product can read deferred buffer b in place once the products
   * under it have run: one cheap binary op (CHEAP_ON_REREAD) of computed
   * buffers or products, with cheap chains, as grad_out = (y_pred − y)·2 —
   * recomputed on each of its reads, which costs about what the reads do.
   */
  private cheapTree(b: GpuBuffer): boolean {
    const e = b.expr;
    return (
      !!e &&
      e.kind === 'binary' &&
      CHEAP_ON_REREAD.has(e.op!) &&
      e.inputs.every((h) => (!h.buf.expr || h.buf.expr.kind === 'product') && h.chain.every((c) => CHEAP_ON_REREAD.has(c.op)))
    );
  }

  /**
   * How a kernel with output `outShape` reads each of `hs` in place: its view's
   * strides over the output's dims (0 where it broadcasts), its offset, and its
   * chain, whose numbers become kernel arguments in input order.
   */
  private readsOf(hs: readonly GpuHandle[], outShape: Shape): Reads {
    const reads: src.Read[] = [];
    const args: number[] = [];
    const keys: string[] = [];
    for (const h of hs) {
      const lead = outShape.length - h.shape.length;
      const strides = outShape.map((_, d) => (d < lead || h.shape[d - lead] === 1 ? 0 : h.strides[d - lead]!));
      const flat = sameShape(h.shape, outShape) && isContiguous(h);
      reads.push({ strides, offset: h.offset, chain: h.chain, firstArg: args.length, flat });
      args.push(...h.args);
      // The buffer's size is in the key: gpu.js bakes an argument's texture size into the kernel.
      keys.push(`${flat ? 'flat' : `${strides}@${h.offset}`}/${h.buf.size}/${chainKey(h.chain)}`);
    }
    return { reads, args, key: keys.join('|') };
  }

  fromArray(data: Float32Array, shape: Shape): Handle {
    if (data.length !== sizeOf(shape)) throw new DeviceError('fromArray', `${data.length} values for shape ${fmtShape(shape)}`);
    this.counters.uploads++;
    // The upload kernel: its argument is the host array, which gpu.js turns into a texture.
    return this.launch('upload', `upload|${data.length}`, src.copySource, [], [new Float32Array(data)], shape);
  }

  private readNow(h: Handle): Float32Array {
    const g = this.dense(this.handleOf(h, 'readSync')).buf;
    this.counters.readbacks++;
    if (g.size === 0) return new Float32Array(0);
    const v = g.value!;
    return toFloat32(v instanceof Float32Array ? v : (v.toArray() as Float32Array | number[]), g.size);
  }

  async read(h: Handle): Promise<Float32Array> {
    const v = this.handleOf(h, 'read');
    if (!this.async) return this.readNow(v);
    const g = this.dense(v).buf;
    // Keep the buffer alive while reading, even if the tensor is disposed meanwhile.
    g.users++;
    try {
      const v = g.pending ? await g.pending : g.value;
      if (g.error !== undefined) throw g.error;
      if (g.size === 0) return new Float32Array(0);
      this.counters.readbacks++;
      return toFloat32(v instanceof Float32Array ? v : await v!.toArray(), g.size);
    } finally {
      g.users--;
      this.release(g);
    }
  }

  free(h: Handle): void {
    const g = h as GpuHandle;
    if (!this.live.delete(g)) return;
    if (g.contig) this.free(g.contig);
    g.contig = null;
    const b = g.buf;
    const held = this.treeInputs.delete(g);
    if (held) b.inTrees--;
    if (--b.refs > 0) {
      if (!held && b.refs === b.inTrees && !b.expr) this.replaced(b);
      return;
    }
    if (b.counted) {
      this.buffers--;
      this.bytes -= b.size * 4;
    }
    b.freed = true;
    // A deferred result nobody reads any more never runs; the leaves it held are let go.
    const e = b.expr;
    b.expr = null;
    if (e) for (const h of e.inputs) this.free(h);
    this.release(b);
  }

  // ---- launching -------------------------------------------------------------

  private kernelFor(key: string, source: () => string, size: number): CachedKernel {
    let k = this.cache.get(key);
    if (!k) {
      const fn = this.gpu.createKernel(src.boundLoops(source()), {
        output: [size],
        pipeline: true,
        // immutable: every call gets its own texture/buffer, which the handle owns.
        immutable: true,
        precision: 'single',
        tactic: 'precision',
        dynamicOutput: false,
        dynamicArguments: false,
      });
      this.counters.compiles++;
      k = { fn, inner: undefined };
      this.cache.set(key, k);
    }
    return k;
  }

  /** gpu.js swaps the kernel behind a shortcut silently; notice it, count it, and refuse a different runtime. */
  private checkKernel(op: string, k: CachedKernel): void {
    const inner = k.fn.kernel;
    if (inner === k.inner) return;
    if (k.inner !== undefined) this.counters.compiles++;
    k.inner = inner;
    const cls = kernelClassName(inner);
    const ran = runtimeOfClass(cls);
    if (ran !== this.runtime) {
      throw new DeviceError(
        op,
        `gpu.js ran this kernel as ${cls} instead of the ${this.runtime} runtime this device reports` +
          `${inner?.fallbackReason ? ` (${inner.fallbackReason})` : ''}; nn refuses to mix runtimes silently`,
      );
    }
  }

  /** One kernel into a new buffer of `shape`, reading the buffers `inputs` then the numbers `extra`. */
  private launch(op: string, key: string, source: () => string, inputs: readonly GpuBuffer[], extra: readonly unknown[], shape: Shape): GpuHandle {
    const handle = this.newHandle(op, shape);
    try {
      this.launchInto(op, key, source, inputs, extra, handle.buf);
    } catch (e) {
      this.free(handle);
      throw e;
    }
    return handle;
  }

  /**
   * One kernel whose result becomes `out`'s value (a new buffer's, or a deferred buffer's as it is realized):
   * `threads` outputs (out's size, or a blocked kernel's Array(4) count), and with `flatten` (WebGPU) its
   * Array(4) result buffer is re-read as the plain buffer of 4·threads values it is.
   */
  private launchInto(op: string, key: string, source: () => string, inputs: readonly GpuBuffer[], extra: readonly unknown[], out: GpuBuffer, threads = out.size, flatten = false): void {
    if (out.size === 0) {
      out.value = new Float32Array(0);
      return;
    }
    const k = this.kernelFor(key, source, threads);
    this.counters.kernels++;
    const run = (): unknown => {
      const r = k.fn(...inputs.map((h) => h.value), ...extra);
      this.checkKernel(op, k);
      return flatten ? (r as Promise<DeviceValue>).then((v) => flatValues(v, out.size)) : r;
    };
    if (!this.async) {
      out.value = run() as DeviceValue;
      if (out.size >= CHECK_MEMORY_FROM) this.checkMemory(op, k, out);
      return;
    }
    // WebGPU: a pipeline kernel returns a Promise of its buffer, and a Promise
    // is no kernel argument, so the handle keeps the pending result and this
    // launch queues behind its inputs. Inputs stay alive until it has run.
    for (const h of inputs) h.users++;
    const go = out.size >= CHECK_MEMORY_FROM ? () => this.runInMemoryScope(op, k, out, run as () => Promise<DeviceValue>) : (run as () => Promise<DeviceValue>);
    const ready = inputs.every((h) => h.pending === null && h.error === undefined);
    const started: Promise<DeviceValue> = ready
      ? new Promise<DeviceValue>((resolve) => resolve(go()))
      : Promise.all(inputs.map((h) => h.pending ?? (h.error !== undefined ? Promise.reject(h.error) : null))).then(go);
    out.pending = started.then(
      (v) => {
        out.value = v;
        out.pending = null;
        this.release(out);
        return v;
      },
      (e: unknown) => {
        out.error = e;
        out.pending = null;
        throw e;
      },
    );
    // A failed launch surfaces when the result is read; never as an unhandled rejection.
    out.pending.catch(() => undefined);
    started
      .catch(() => undefined)
      .then(() => {
        for (const h of inputs) {
          h.users--;
          this.release(h);
        }
      });
  }

  /**
   * GL reports a texture it could not allocate only through getError (Mesa's llvmpipe:
   * INVALID_FRAMEBUFFER_OPERATION, and the kernel's result reads back as zeros), so a
   * large result is checked: the failure becomes a DeviceError, and the result is freed.
   */
  private checkMemory(op: string, k: CachedKernel, out: GpuBuffer): void {
    const gl = (k.fn as unknown as { context?: { getError?(): number } }).context;
    const err = gl?.getError?.() ?? 0;
    if (err !== GL_OUT_OF_MEMORY && err !== GL_INVALID_FRAMEBUFFER_OPERATION) return;
    deleteValue(out.value);
    out.value = null;
    out.error = new DeviceError(
      op,
      `the ${this.runtime} device could not allocate a result of ${out.size} float32 values (GL error 0x${err.toString(16)}) ` +
        `with ${this.buffers} buffers (${this.bytes} bytes of values) held: out of device memory; dispose tensors (or use scope()) and retry, or use smaller ones`,
    );
    throw out.error;
  }


  /**
   * WebGPU reports a buffer it could not allocate only to an error scope (the
   * launch goes on over an invalid buffer, which reads back as zeros or fails),
   * so a large result's launch runs inside an 'out-of-memory' scope: a
   * GPUOutOfMemoryError becomes the result's DeviceError, naming the op, the
   * bytes asked and the device's limit. A built kernel's run is synchronous up to
   * its submit, so its scope opens and closes around it with nothing between. A
   * first run builds first (asynchronously): its scope stays open until the build
   * and submit are done, and since error scopes are a stack shared by the device,
   * no other scope opens meanwhile (two would pop each other's errors); what
   * another launch does in that window is caught by this scope, so its message
   * says so. The first launches of a new backend, before any kernel is built (the
   * device is not known yet), run unscoped.
   */
  private async runInMemoryScope(op: string, k: CachedKernel, out: GpuBuffer, run: () => Promise<DeviceValue>): Promise<DeviceValue> {
    const device = this.webgpuDevice();
    if (!device || this.scopeOpen) return run();
    const built = (k.fn.kernel as { built?: boolean } | undefined)?.built === true;
    device.pushErrorScope('out-of-memory');
    let r: Promise<DeviceValue>;
    try {
      r = run();
    } catch (e) {
      void device.popErrorScope().catch(() => undefined);
      throw e;
    }
    let popped: Promise<{ message?: unknown } | null>;
    if (built) popped = device.popErrorScope();
    else {
      this.scopeOpen = true;
      const close = (): Promise<{ message?: unknown } | null> => {
        this.scopeOpen = false;
        return device.popErrorScope();
      };
      popped = r.then(close, close);
    }
    const error = await popped.catch(() => null);
    if (!error) return r;
    deleteValue(await r.catch(() => null));
    throw new DeviceError(
      op,
      `the ${this.runtime} device could not allocate a result of ${out.size} float32 values (${out.size * 4} bytes)` +
        `${built ? '' : ', or a buffer of a launch made while this first run was built'}: out of device memory ` +
        `(${String(error.message).split('\n')[0]}), with ${this.buffers} buffers (${this.bytes} bytes of values) held and at most ${this.maxElements * 4} bytes a buffer (${this.limitText}); ` +
        `dispose tensors (or use scope()) and retry, or use smaller ones`,
    );
  }

  /** The GPUDevice gpu.js's WebGPU kernels run on (shared by all of them), from a built kernel; undefined before one is built. */
  private webgpuDevice(): WebGpuDevice | undefined {
    if (!this.gpuDevice) for (const k of this.cache.values()) this.gpuDevice ??= (k.fn.kernel as { _device?: WebGpuDevice } | undefined)?._device;
    return this.gpuDevice;
  }

  /**
   * A tensor of `shape` holding `value` everywhere, for results that read no
   * input data (an input with a size-0 dimension would give gpu.js an empty
   * texture, which it cannot bind). The value is an argument, so one kernel per size.
   */
  private filled(op: string, shape: Shape, value: number): GpuHandle {
    return this.launch(op, `fill|${sizeOf(shape)}`, src.fillSource, [], [value], shape);
  }

  // ---- kernels ---------------------------------------------------------------

  /** Deferred: launches nothing until a kernel or a read needs the value (see defer). */
  unary(op: UnaryOp, x: Handle): Handle {
    return this.defer(this.handleOf(x, op), { op, scalar: false }, null);
  }

  /** Deferred as a tree node (fuse 'trees'; see deferNode), else one launch; views and chains of both inputs are read in place. */
  binary(op: BinaryOp, a: Handle, b: Handle): Handle {
    const ha = this.handleOf(a, op);
    const hb = this.handleOf(b, op);
    const shape = broadcastShapes(op, ha.shape, hb.shape);
    if (this.fuse === 'trees') return this.deferNode(op, 'binary', op, shape, [ha, hb]);
    const { reads, args, key } = this.readsOf([ha, hb], shape);
    return this.launch(op, `binary|${op}|${shape}|${key}`, () => src.binarySource(op, shape, reads[0]!, reads[1]!, args.length), [ha.buf, hb.buf], args, shape);
  }

  /** Deferred, its number a kernel argument of the kernel that reads it (see defer). */
  scalar(op: BinaryOp, x: Handle, s: number, reversed: boolean): Handle {
    return this.defer(this.handleOf(x, op), { op, scalar: true, reversed }, s);
  }

  matmul(a: Handle, b: Handle, transA: boolean, transB: boolean): Handle {
    if (a.shape.length > 2) return this.batchedMatmul(a, b, transA, transB);
    // The kernel indexes its operands with their views' strides and offsets, so
    // a transposed, expanded or offset view is read in place, and a cheap chain
    // (relu, a scale) is applied on read; a costly chain is run first.
    const ha = this.operand(this.handleOf(a, 'mm'), 'mm');
    const hb = this.operand(this.handleOf(b, 'mm'), 'mm');
    const [ar, ac] = [ha.shape[0]!, ha.shape[1]!];
    const [br, bc] = [hb.shape[0]!, hb.shape[1]!];
    const m = transA ? ac : ar;
    const k = transA ? ar : ac;
    const n = transB ? br : bc;
    // Strides of op(A) along (row i, inner p) and op(B) along (inner p, column j).
    const [as0, as1] = [ha.strides[0]!, ha.strides[1]!];
    const [bs0, bs1] = [hb.strides[0]!, hb.strides[1]!];
    const [ai, ap] = transA ? [as1, as0] : [as0, as1];
    const [bp, bj] = transB ? [bs1, bs0] : [bs0, bs1];
    // An [m,0]·[0,n] product sums nothing: m×n zeros, as PyTorch (there is no input data to bind).
    if (k === 0) return this.filled('mm', [m, n], 0);
    return this.product('mm', { batch: [], m, k, n, aStrides: [ai, ap], bStrides: [bj, bp] }, ha, hb);
  }

  /**
   * A matmul operand as the kernel reads it: a deferred tree is run first (a
   * product reads each value once per output row or column, so inlining it
   * would repeat its work), and so is a costly chain (see CHEAP_ON_REREAD).
   */
  private operand(h: GpuHandle, op: string): GpuHandle {
    if (this.cheapTree(h.buf)) this.realizeProducts(h.buf, op);
    else this.realize(h.buf, op);
    return h.chain.every((c) => CHEAP_ON_REREAD.has(c.op)) ? h : this.dense(h);
  }

  /** A product of computed operands: deferred as a tree node (fuse 'trees'), which its consumer inlines or runs, else one launch. */
  private product(op: 'mm' | 'bmm', g: ProductGeometry, ha: GpuHandle, hb: GpuHandle): GpuHandle {
    const shape = [...g.batch, g.m, g.n];
    if (this.fuse === 'trees') {
      const inputs = [this.treeInput(ha), this.treeInput(hb)];
      return this.newHandle(op, shape, { kind: 'product', op: null, shape, inputs, product: g });
    }
    const handle = this.newHandle(op, shape);
    try {
      this.productInto(op, g, ha, hb, handle.buf);
    } catch (e) {
      this.free(handle);
      throw e;
    }
    return handle;
  }

  /** A product of computed operands into `out`: the blocked kernels where blockedPlanOf has a plan, else productKernel's one launch. */
  private productInto(op: string, g: ProductGeometry, ha: GpuHandle, hb: GpuHandle, out: GpuBuffer): void {
    const plan = this.blockedPlanOf(g, ha, hb);
    if (plan) {
      this.runBlocked(op, plan, ha, hb, out);
      return;
    }
    const k = this.productKernel(g, ha, hb);
    this.launchInto(op, k.key, k.source, [ha.buf, hb.buf], k.args, out);
  }

  /**
   * Run h's buffer first when it is a deferred product that runsBlocked:
   * inlined into the kernel that reads it, each element would compute its dot
   * product one output per thread, unblocked (a Linear's x·wᵀ + b, a readback of relu(x·w)).
   */
  private realizeBlocked(h: GpuHandle, op: string): void {
    const e = h.buf.expr;
    if (e?.kind === 'product' && this.runsBlocked(e)) this.realize(h.buf, op);
  }

  /**
   * Whether product e is run by the blocked kernels once its operands are
   * computed: at least BLOCKED_OVER_INLINE multiply-adds (worth a launch of
   * its own, and one more for an operand that is a cheap tree, as xᵀ·(y − t))
   * and a blocked plan.
   */
  private runsBlocked(e: Expr): boolean {
    const g = e.product!;
    if (g.batch.reduce((x, y) => x * y, g.m * g.k * g.n) < BLOCKED_OVER_INLINE) return false;
    return this.blockedPlanOf(g, e.inputs[0]!, e.inputs[1]!) !== null;
  }

  /**
   * The blocked kernels of a product (matmul-blocked.ts's blockedPlan), or
   * null where the plain kernel runs: matmul 'plain', or a shape or path the
   * blocked kernels do not serve. Operands are read as productKernel reads them.
   */
  private blockedPlanOf(g: ProductGeometry, ha: GpuHandle, hb: GpuHandle): BlockedStep[] | null {
    if (this.matmulKernel === 'plain') return null;
    const ra: src.Read = { strides: g.aStrides, offset: ha.offset, chain: ha.chain, firstArg: 0, flat: false };
    const rb: src.Read = { strides: g.bStrides, offset: hb.offset, chain: hb.chain, firstArg: ha.args.length, flat: false };
    const key = (h: GpuHandle, r: src.Read): string => `${r.strides}@${h.offset}/${h.buf.size}/${chainKey(h.chain)}`;
    return blockedPlan(this.runtime, g, { read: ra, args: ha.args, key: key(ha, ra) }, { read: rb, args: hb.args, key: key(hb, rb) }, this.maxElements);
  }

  /**
   * Run a blocked plan into `out`. GL's packed operands and packed product are
   * buffers of this product alone (no handle, not counted in stats' buffers),
   * deleted once the kernel that reads them has run.
   */
  private runBlocked(op: string, plan: readonly BlockedStep[], ha: GpuHandle, hb: GpuHandle, out: GpuBuffer): void {
    const temps: GpuBuffer[] = [];
    try {
      plan.forEach((s, i) => {
        const target = i === plan.length - 1 ? out : tempBuffer(s.threads);
        const inputs = s.reads.map((r) => (r === 'a' ? ha.buf : r === 'b' ? hb.buf : temps[r]!));
        this.launchInto(op, s.key, s.source, inputs, s.args, target, s.threads, s.flatten);
        if (target !== out) temps.push(target);
      });
    } finally {
      for (const t of temps) {
        t.freed = true;
        this.release(t);
      }
    }
  }

  /** The kernel of a product: matmulSource, or bmmSource for a batch, with its cache key and chain numbers. */
  private productKernel(g: ProductGeometry, ha: GpuHandle, hb: GpuHandle): { key: string; source: () => string; args: number[] } {
    const { batch, m, k, n } = g;
    const ra: src.Read = { strides: g.aStrides, offset: ha.offset, chain: ha.chain, firstArg: 0, flat: false };
    const rb: src.Read = { strides: g.bStrides, offset: hb.offset, chain: hb.chain, firstArg: ha.args.length, flat: false };
    const args = [...ha.args, ...hb.args];
    const reads = `${ra.strides}@${ha.offset}/${ha.buf.size}/${chainKey(ha.chain)}|${rb.strides}@${hb.offset}/${hb.buf.size}/${chainKey(hb.chain)}`;
    if (batch.length === 0) return { key: `mm|${m}|${k}|${n}|${reads}`, source: () => src.matmulSource(k, n, ra, rb, args.length), args };
    return { key: `bmm|${batch}|${m}|${k}|${n}|${reads}`, source: () => src.bmmSource(batch, m, k, n, ra, rb, args.length), args };
  }

  /** The input's view and chain are read in place: one launch. */
  reduce(op: ReduceOp, x: Handle, axes: readonly number[], keepDims: boolean): Handle {
    const h = this.handleOf(x, op);
    const shape = reducedShape(h.shape, axes, keepDims);
    // Reducing a size-0 dimension reads no data: a sum over nothing is 0 (PyTorch's;
    // mean divides it by 0 in core, giving NaN), a max over nothing is −Inf as on
    // the cpu reference (core refuses an empty max before it gets here).
    if (h.size === 0) return this.filled(op, shape, op === 'sum' ? 0 : op === 'min' ? Infinity : -Infinity);
    const split = this.splitReduce(op, h, shape);
    if (split) return split;
    // The reduced and kept dims are walked with the view's own strides, from its offset.
    const r: src.Read = { strides: h.strides, offset: h.offset, chain: h.chain, firstArg: 0, flat: false };
    const kept = h.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const redSize = sizeOf(axes.map((i) => h.shape[i]!));
    // A deferred tree is computed as it is read (the loss (a·b − y)².sum() is one kernel), unless
    // its values are read more than once, or a product in it would make each thread's walk too long.
    if (h.buf.expr && !readsOnce(h, h.shape)) this.realize(h.buf, op);
    this.realizeBlocked(h, op);
    if (h.buf.expr && redSize * this.treeSize([h], 0).loop > REDUCE_PRODUCT_WORK) this.realizeProducts(h.buf, op);
    if (h.buf.expr) {
      const f = new Fuser();
      const fused = { read: (v: string, index: string) => f.readInto(v, h, index), params: () => f.params() };
      const text = src.reduceSource(op, kept.map((i) => h.shape[i]!), kept.map((i) => h.strides[i]!), axes.map((i) => h.shape[i]!), axes.map((i) => h.strides[i]!), r, 0, fused);
      return this.launch(op, this.fusedKey(text, f.leaves, sizeOf(shape)), () => text, f.leaves, f.args, shape);
    }
    const key = `reduce|${op}|${h.shape}|${axes}|${h.strides}@${h.offset}/${h.buf.size}/${chainKey(h.chain)}`;
    const source = (): string => {
      return src.reduceSource(op, kept.map((i) => h.shape[i]!), kept.map((i) => h.strides[i]!), axes.map((i) => h.shape[i]!), axes.map((i) => h.strides[i]!), r, h.args.length);
    };
    return this.launch(op, key, source, [h.buf], [...h.args], shape);
  }

  /**
   * A sum, max or min of every value of a large tensor as two launches, not one
   * thread walking them all (2^24 values: 35 s on SwiftShader's WebGL2, 1 s in
   * two): the values viewed as [parts, chunk] (a contiguous input read in place,
   * a deferred tree fused into the first launch; other views take one launch), each row reduced by a thread of
   * its own, then the parts. Null where it does not apply (one launch then).
   */
  private splitReduce(op: ReduceOp, h: GpuHandle, shape: Shape): Handle | null {
    if ((op !== 'sum' && op !== 'max' && op !== 'min') || sizeOf(shape) !== 1 || h.size < SPLIT_REDUCE_FROM) return null;
    const parts = nearSqrtDivisor(h.size);
    if (parts === null) return null;
    const chunk = h.size / parts;
    // Row-major over the buffer from the offset: a [parts, chunk] view of it is a reshape. Another
    // view (transposed, strided, expanded) is read in place by one launch, as before, not copied whole.
    if (!isContiguous({ ...h, offset: 0 })) return null;
    const rows = this.retain(h, { shape: [parts, chunk], strides: [chunk, 1], offset: h.offset });
    let partial: Handle | null = null;
    let whole: Handle | null = null;
    try {
      partial = this.reduce(op, rows, [1], false);
      whole = this.reduce(op, partial, [0], false);
      return this.retain(whole, { shape, strides: stridesOf(shape), offset: 0 });
    } finally {
      for (const t of [rows, partial, whole]) if (t) this.free(t);
    }
  }

  /** Views and chains of the three inputs are read in place: one launch. */
  where(mask: Handle, a: Handle, b: Handle): Handle {
    const hm = this.handleOf(mask, 'where');
    const ha = this.handleOf(a, 'where');
    const hb = this.handleOf(b, 'where');
    const shape = broadcastShapes('where', hm.shape, ha.shape, hb.shape);
    if (this.fuse === 'trees') return this.deferNode('where', 'where', null, shape, [hm, ha, hb]);
    const { reads, args, key } = this.readsOf([hm, ha, hb], shape);
    return this.launch('where', `where|${shape}|${key}`, () => src.whereSource(shape, reads[0]!, reads[1]!, reads[2]!, args.length), [hm.buf, ha.buf, hb.buf], args, shape);
  }

  gather(x: Handle, dim: number, index: Handle): Handle {
    const hx = this.dense(this.handleOf(x, 'gather'));
    const hi = this.dense(this.handleOf(index, 'gather'));
    // An empty index reads nothing (launch makes the empty result without running a kernel).
    const key = `gatherAlong|${hx.shape}|${dim}|${hi.shape}`;
    return this.launch('gather', key, () => src.gatherAlongSource(hi.shape, dim, stridesOf(hx.shape)), [hx.buf, hi.buf], [], hi.shape);
  }

  scatterAdd(x: Handle, dim: number, index: Handle, source: Handle): Handle {
    const hx = this.dense(this.handleOf(x, 'scatterAdd'));
    const hi = this.dense(this.handleOf(index, 'scatterAdd'));
    const hs = this.dense(this.handleOf(source, 'scatterAdd'));
    // Nothing to add: x's values as they are (an empty index or src would give gpu.js an empty texture).
    if (hi.size === 0) return this.copy(hx, hx.shape);
    const key = `scatterAdd|${hx.shape}|${dim}|${hi.shape}|${hs.shape}`;
    return this.launch('scatterAdd', key, () => src.scatterAddSource(hx.shape, dim, hi.shape, hs.shape), [hx.buf, hi.buf, hs.buf], [], hx.shape);
  }

  asStridedScatter(x: Handle, source: Handle, view: View): Handle {
    const hx = this.dense(this.handleOf(x, 'asStridedScatter'));
    const hs = this.dense(this.handleOf(source, 'asStridedScatter'));
    if (hs.size === 0) return this.copy(hx, hx.shape);
    const key = `asStridedScatter|${hx.size}|${view.shape}|${view.strides}|${view.offset}`;
    return this.launch('asStridedScatter', key, () => src.asStridedScatterSource(view.shape, view.strides, view.offset), [hx.buf, hs.buf], [], hx.shape);
  }

  cumsum(x: Handle, axis: number, reverse: boolean): Handle {
    const h = this.dense(this.handleOf(x, 'cumsum'));
    const len = h.shape[axis]!;
    let inner = 1;
    for (let d = axis + 1; d < h.shape.length; d++) inner *= h.shape[d]!;
    if (h.size === 0) return this.filled('cumsum', h.shape, 0);
    const key = `cumsum|${h.size}|${len}|${inner}|${reverse}`;
    return this.launch('cumsum', key, () => src.cumsumSource(len, inner, reverse), [h.buf], [], h.shape);
  }

  /**
   * A batch of products as ONE launch (not one per batch entry): each thread
   * finds its entry and reads both operands through their views' strides, so a
   * broadcast (batch stride 0), transposed or offset operand is read in place,
   * and a cheap chain is applied on read, as in the 2-D matmul.
   */
  private batchedMatmul(a: Handle, b: Handle, transA: boolean, transB: boolean): Handle {
    const ha = this.operand(this.handleOf(a, 'bmm'), 'bmm');
    const hb = this.operand(this.handleOf(b, 'bmm'), 'bmm');
    const r = ha.shape.length;
    const batch = ha.shape.slice(0, r - 2);
    const m = transA ? ha.shape[r - 1]! : ha.shape[r - 2]!;
    const k = transA ? ha.shape[r - 2]! : ha.shape[r - 1]!;
    const n = transB ? hb.shape[r - 2]! : hb.shape[r - 1]!;
    // An empty sum: zeros (there is no input data to bind).
    if (k === 0) return this.filled('bmm', [...batch, m, n], 0);
    // Strides of op(A) along (row i, inner p) and op(B) along (column j, inner p), after the batch strides.
    const sa = ha.strides;
    const sb = hb.strides;
    const aMat = transA ? [sa[r - 1]!, sa[r - 2]!] : [sa[r - 2]!, sa[r - 1]!];
    const bMat = transB ? [sb[r - 2]!, sb[r - 1]!] : [sb[r - 1]!, sb[r - 2]!];
    return this.product('bmm', { batch, m, k, n, aStrides: [...sa.slice(0, r - 2), ...aMat], bStrides: [...sb.slice(0, r - 2), ...bMat] }, ha, hb);
  }

  copy(x: Handle, shape: Shape): Handle {
    const h = this.handleOf(x, 'copy');
    if (sizeOf(shape) !== h.size) throw new DeviceError('copy', `cannot copy ${h.size} values into shape ${fmtShape(shape)}`);
    // Buffers are never written after they are made: the row-major buffer (the
    // handle's own, or the copy its view needed) is shared, not copied again.
    const d = this.dense(h);
    return this.retain(d, { shape, strides: stridesOf(shape), offset: 0 });
  }

  stats(): BackendStats {
    return { buffers: this.buffers, bytes: this.bytes, ...this.counters };
  }

  /** The gpu.js kernel class that ran the last compiled kernel (e.g. `WebGL2Kernel`). */
  kernelClass(): string {
    let cls = 'none';
    for (const k of this.cache.values()) if (k.fn.kernel) cls = kernelClassName(k.fn.kernel);
    return cls;
  }

  dispose(): void {
    for (const h of [...this.live]) this.free(h);
    for (const k of this.cache.values()) k.fn.destroy?.();
    this.cache.clear();
    this.gpu.destroy();
  }
}

/** A buffer no handle sees: a blocked product's packed operand or packed result, read by the next kernel of its plan. */
function tempBuffer(size: number): GpuBuffer {
  return { size, value: null, pending: null, error: undefined, users: 0, refs: 0, freed: false, expr: null, counted: false, inTrees: 0 };
}

function toFloat32(v: Float32Array | number[], size: number): Float32Array {
  // gpu.js may hand back a view on a padded texture read; copy exactly `size` values.
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = v[i]!;
  return out;
}
