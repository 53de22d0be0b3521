import type { Allocator, Storage } from '../storage.js';
import { DeviceError } from '@nn/core';
import { checkAllocSize, sizeClass } from '../storage.js';
import { PRIVATE_MEMORY_RELAXED_WASM, PRIVATE_MEMORY_WASM, SHARED_MEMORY_RELAXED_WASM, SHARED_MEMORY_WASM } from './binary.generated.js';

/** The exports of asm/gemm.ts and asm/elementwise.ts. */
export interface GemmExports {
  /** out[i] = op(x[i], s); op codes in WASM_OPS. */
  scalarOp(op: number, x: number, s: number, out: number, n: number): void;
  /** out[i] = op(a[i], b[i]). */
  binaryOp(op: number, a: number, b: number, out: number, n: number): void;
  /** out[i] = mask[i] != 0 ? a[i·aStride] : b[i·bStride]. */
  select(mask: number, a: number, aStride: number, b: number, bStride: number, out: number, n: number): void;
  /** out[i] = max(x[i], 0). */
  relu(x: number, out: number, n: number): void;
  /** Scratch bytes one gemm call needs. */
  workBytes(): number;
  /** madd(x, x, y) in lane 0: tells a fused multiply-add from a rounded one (see asm/gemm.ts). */
  maddProbe(x: number, y: number): number;
  /** C = op(A)·op(B) (or += when accumulate) over byte addresses and element strides. */
  gemm(m: number, n: number, k: number, a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, c: number, ldc: number, work: number, accumulate: number): void;
}

/** Op codes of asm/elementwise.ts; `rsub`/`rdiv` put the scalar on the left. */
export const WASM_OPS: Readonly<Record<string, number>> = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5, lt: 6, gt: 7, le: 8, ge: 9, eq: 10, rsub: 11, rdiv: 12 };

const PAGE = 65536;
/** Bytes at address 0 kept for thread control words (see threads.ts). */
export const CONTROL_BYTES = 1024;
const MAX_PAGES = 32768; // 2 GiB, as declared by the shared-memory build

function decode(base64: string): Uint8Array {
  if (typeof atob === 'function') {
    const s = atob(base64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  throw new Error('no base64 decoder (atob) in this runtime');
}

/** Does this engine take WebAssembly relaxed SIMD (checked each time: a V8 flag can turn it on later)? */
export function hasRelaxedSimd(): boolean {
  try {
    return WebAssembly.validate(decode(PRIVATE_MEMORY_RELAXED_WASM) as BufferSource);
  } catch {
    return false;
  }
}

/** Can this runtime share wasm memory with workers (SharedArrayBuffer, cross-origin isolated in browsers)? */
function canShare(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean };
  return g.crossOriginIsolated !== false;
}

/**
 * Tensor storage inside one WebAssembly memory, so the gemm kernel reads its
 * operands where they are. A bump allocator with free lists per size class;
 * blocks are 64-byte aligned. With a private memory, growing detaches old
 * views, so the arena re-points the views of live blocks after each growth.
 */
export class WasmArena implements Allocator {
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  readonly exports: GemmExports;
  /** True when the memory is a SharedArrayBuffer (worker threads can use it). */
  readonly shared: boolean;
  /** True when the relaxed-SIMD build runs (gemm's multiply-adds may fuse). */
  readonly relaxed: boolean;
  private top = CONTROL_BYTES;
  // Freed blocks by size class, kept whole so that their views can be reused.
  private free = new Map<number, Storage[]>();
  private buffer: ArrayBuffer | SharedArrayBuffer;
  // Only for a private memory: blocks whose views must follow a growth.
  private live = new Set<Storage>();

  constructor(opts: { shared?: boolean; relaxed?: boolean } = {}) {
    this.shared = opts.shared ?? canShare();
    this.relaxed = opts.relaxed ?? false;
    const base64 = this.relaxed
      ? (this.shared ? SHARED_MEMORY_RELAXED_WASM : PRIVATE_MEMORY_RELAXED_WASM)
      : (this.shared ? SHARED_MEMORY_WASM : PRIVATE_MEMORY_WASM);
    this.module = new WebAssembly.Module(decode(base64) as BufferSource);
    this.memory = this.shared
      ? new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES });
    const instance = new WebAssembly.Instance(this.module, { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as GemmExports;
    this.buffer = this.memory.buffer;
  }

  /** Reserve raw bytes for good (scratch of a gemm thread); 64-byte aligned. */
  reserve(bytes: number): number {
    checkAllocSize(bytes, 'bytes');
    return this.bump(Math.ceil(bytes / 64) * 64);
  }

  private bump(bytes: number): number {
    const ptr = this.top;
    const end = ptr + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const cur = have / PAGE;
      const need = Math.ceil((end - have) / PAGE);
      // Grow by at least a quarter, so a growing workload does not grow on every op.
      const grow = Math.min(Math.max(need, Math.ceil(cur / 4)), MAX_PAGES - cur);
      if (grow < need) {
        throw new DeviceError(
          'alloc',
          `@nn/cpu: WebAssembly memory is full (${(have / 2 ** 20).toFixed(0)} MiB in use, ${(bytes / 2 ** 20).toFixed(1)} MiB more asked); ` +
            `free tensors with dispose() or scope(), or use createCpuBackend({ engine: 'js' })`,
        );
      }
      // A private memory detaches its old views on growth: re-point live and
      // pooled blocks. Their lengths are read before growing, since a detached
      // view reports length 0.
      const blocks = this.shared ? [] : [...this.live, ...[...this.free.values()].flat()];
      const lengths = blocks.map((s) => s.data.length);
      this.memory.grow(grow);
      this.buffer = this.memory.buffer;
      blocks.forEach((s, i) => (s.data = new Float32Array(this.buffer, s.ptr, lengths[i])));
    }
    this.top = end;
    return ptr;
  }

  alloc(n: number): Storage {
    // Checked before anything moves: a NaN size would make the bump pointer NaN.
    checkAllocSize(n, 'floats');
    const capacity = sizeClass(n);
    let s = takeFree(this.free.get(capacity), n);
    if (s) {
      s.refs = 1;
      // Same size as before (the usual case in a training loop): keep the view.
      if (s.data.length !== n) s.data = new Float32Array(this.buffer, s.ptr, n);
    } else {
      const ptr = this.bump(capacity * 4);
      s = { data: new Float32Array(this.buffer, ptr, n), ptr, capacity, refs: 1 };
    }
    if (!this.shared) this.live.add(s);
    return s;
  }

  release(s: Storage): void {
    if (--s.refs > 0) return;
    if (!this.shared) this.live.delete(s);
    let list = this.free.get(s.capacity);
    if (!list) this.free.set(s.capacity, (list = []));
    list.push(s);
  }

  /** Bytes of wasm memory in use or pooled. */
  heapBytes(): number {
    return this.top;
  }
}

/**
 * A freed block of the class for n floats, preferring one whose view already has n
 * floats: sizes that share a class (a scalar and an 8-float row in the class of 16)
 * would otherwise make a new Float32Array view on nearly every reuse. The few blocks
 * nearest the end of the list are searched; the one found swaps with the last.
 */
function takeFree(list: Storage[] | undefined, n: number): Storage | undefined {
  if (!list || list.length === 0) return undefined;
  const last = list.length - 1;
  for (let i = last; i >= 0 && i > last - 8; i--) {
    const s = list[i]!;
    if (s.data.length === n) {
      list[i] = list[last]!;
      list[last] = s;
      break;
    }
  }
  return list.pop();
}
