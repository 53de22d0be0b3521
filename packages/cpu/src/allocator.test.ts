import { describe, expect, it } from 'vitest';
import { ShapeError } from '@nn/core';
import { HeapAllocator, type Allocator } from './storage.js';
import { WasmArena } from './wasm/arena.js';

// The allocators are the last line of defence: a NaN size once moved the wasm
// arena's bump pointer to NaN, after which new tensors shared memory with old
// ones and every result was silently wrong. Each allocator must refuse such a
// size loudly and stay usable.

const badSizes: unknown[] = [NaN, -1, 1.5, Infinity, -Infinity, 2 ** 53, undefined, '4', null];

function expectRefused(fn: () => unknown, size: unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `size ${String(size)}`).toBeInstanceOf(ShapeError);
  const msg = (caught as Error).message;
  expect(msg).toMatch(/^alloc: /);
  expect(msg).toContain(`${String(size)} `);
  expect(msg).toMatch(/non-negative safe integer/);
  expect(msg).toMatch(/bug in nn: please report it/);
}

/** Two fresh blocks must not overlap, and writing one must leave the other intact. */
function expectDisjoint(a: Allocator): void {
  const x = a.alloc(8);
  const y = a.alloc(8);
  x.data.fill(1);
  y.data.fill(2);
  expect(Array.from(x.data)).toEqual(new Array(8).fill(1));
  expect(Array.from(y.data)).toEqual(new Array(8).fill(2));
  if (x.ptr >= 0) expect(Math.abs(x.ptr - y.ptr)).toBeGreaterThanOrEqual(32);
  a.release(x);
  a.release(y);
}

describe('WasmArena refuses sizes that are not non-negative safe integers', () => {
  for (const shared of [false, true]) {
    it(`${shared ? 'shared' : 'private'} memory: alloc and reserve throw ShapeError and never move the bump pointer`, () => {
      const arena = new WasmArena({ shared });
      const first = arena.alloc(4);
      const top = arena.heapBytes();
      for (const n of badSizes) {
        expectRefused(() => arena.alloc(n as number), n);
        expectRefused(() => arena.reserve(n as number), n);
        expect(arena.heapBytes(), `top after size ${String(n)}`).toBe(top);
      }
      // Still a working allocator: the next blocks are distinct and finite.
      expect(Number.isSafeInteger(arena.alloc(3).ptr)).toBe(true);
      expectDisjoint(arena);
      expect(first.data.length).toBe(4);
      // Zero is a valid size (an empty tensor).
      expect(arena.alloc(0).data.length).toBe(0);
    });
  }
});

describe('HeapAllocator refuses sizes that are not non-negative safe integers', () => {
  it('alloc throws ShapeError and the allocator keeps working', () => {
    const heap = new HeapAllocator();
    for (const n of badSizes) expectRefused(() => heap.alloc(n as number), n);
    expectDisjoint(heap);
    expect(heap.alloc(0).data.length).toBe(0);
  });
});
