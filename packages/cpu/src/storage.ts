import { ShapeError } from '@nn/core';

/**
 * One block of float32 values that one or more handles read. Kernels never
 * write into a block after it is made, so reshape, clone and transposed views
 * share blocks instead of copying them; `refs` counts the handles.
 */
export interface Storage {
  /** The values (exactly the tensor's size; a view into wasm memory or a JS array). */
  data: Float32Array;
  /** Byte address in wasm memory, or -1 for a JS array. */
  readonly ptr: number;
  /** Allocation size in floats (≥ data.length). */
  readonly capacity: number;
  /** Handles that still read this block. */
  refs: number;
}

/** Where blocks come from; freed blocks are kept for reuse, so a training loop stops allocating after its first step. */
export interface Allocator {
  /** A block of n floats with undefined contents and refs = 1. */
  alloc(n: number): Storage;
  /** Drop one reference; the block is recycled when none is left. */
  release(s: Storage): void;
}

/**
 * Refuse a block size that is not a non-negative safe integer. Sizes come from
 * shapes that core validates, so a bad one here is a bug upstream; refusing it
 * keeps that bug from moving a bump pointer to NaN and making later tensors
 * share memory (every result after it would be silently wrong).
 */
export function checkAllocSize(n: number, unit: 'floats' | 'bytes'): void {
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return;
  throw new ShapeError(
    'alloc',
    `refused a block of ${String(n)} ${unit}: a size must be a non-negative safe integer (0 ≤ n ≤ ${Number.MAX_SAFE_INTEGER}); ` +
      `nothing was allocated and the allocator is unchanged. A valid shape never gives this size, so this is a bug in nn: please report it with the op that ran`,
  );
}

// Freed arrays kept beyond this are left to the garbage collector.
const MAX_POOLED_BYTES = 256 * 1024 * 1024;
const MAX_PER_SIZE = 16;

/** JS-heap blocks, recycled by exact size (a training loop repeats the same few sizes). */
export class HeapAllocator implements Allocator {
  private free = new Map<number, Float32Array[]>();
  private pooled = 0;

  alloc(n: number): Storage {
    checkAllocSize(n, 'floats');
    const list = this.free.get(n);
    const data = list?.pop();
    if (data) {
      this.pooled -= data.byteLength;
      return { data, ptr: -1, capacity: n, refs: 1 };
    }
    return { data: new Float32Array(n), ptr: -1, capacity: n, refs: 1 };
  }

  release(s: Storage): void {
    if (--s.refs > 0) return;
    const n = s.data.length;
    if (n === 0 || this.pooled + s.data.byteLength > MAX_POOLED_BYTES) return;
    let list = this.free.get(n);
    if (!list) this.free.set(n, (list = []));
    if (list.length >= MAX_PER_SIZE) return;
    list.push(s.data);
    this.pooled += s.data.byteLength;
  }
}

/**
 * Size class of an n-float block: multiples of 16 floats (64 bytes, a cache
 * line) up to 64, then quarter steps between powers of two, so a reused block
 * wastes at most a quarter of its size.
 */
export function sizeClass(n: number): number {
  if (n <= 64) return Math.max(16, Math.ceil(n / 16) * 16);
  const step = 2 ** Math.floor(Math.log2(n)) / 4;
  return Math.ceil(n / step) * step;
}
