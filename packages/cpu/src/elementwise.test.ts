import { describe, expect, it } from 'vitest';
import type { BinaryOp, UnaryOp } from '@nn/core';
import { createCpuBackend } from './index.js';
import { expandView, permuteView, rowMajorView, sizeOf } from '@nn/core';
import * as reference from '../test/reference.js';
import * as loops from './loops.js';

// The WebAssembly SIMD elementwise loops against the TypeScript ones, on
// sizes with ragged tails and on values that trip SIMD code: NaN, ±0, ±Inf.

const special = [NaN, 0, -0, Infinity, -Infinity, 1, -1, 2, 0.5, -2.5, 3e38, -1e-39];
function values(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    a[i] = i % 5 === 0 ? special[(s >> 3) % special.length]! : (s / 2147483647 - 0.5) * 8;
  }
  return a;
}

const wasm = createCpuBackend({ engine: 'wasm', threads: 1 });
const js = createCpuBackend({ engine: 'js' });
const binaryOps: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min', 'lt', 'gt', 'le', 'ge', 'eq', 'pow'];
const sizes = [16, 17, 31, 100, 1027];

function same(x: Float32Array, y: Float32Array, what: string): void {
  expect(x.length, what).toBe(y.length);
  for (let i = 0; i < x.length; i++) {
    const [a, b] = [x[i]!, y[i]!];
    if (Number.isNaN(a) || Number.isNaN(b)) expect(Number.isNaN(a) && Number.isNaN(b), `${what} at ${i}: ${a} vs ${b}`).toBe(true);
    // ±0 may differ in sign (SIMD max/min order zeros); values must not.
    else if (a !== b) expect(Math.abs(a - b), `${what} at ${i}: ${a} vs ${b}`).toBeLessThanOrEqual(Math.abs(b) * 1.2e-7);
  }
}

function on(be: typeof wasm, f: (h: (d: Float32Array, shape: number[]) => ReturnType<typeof be.fromArray>) => ReturnType<typeof be.fromArray>): Float32Array {
  const made: ReturnType<typeof be.fromArray>[] = [];
  const up = (d: Float32Array, shape: number[]): ReturnType<typeof be.fromArray> => {
    const h = be.fromArray(d, shape);
    made.push(h);
    return h;
  };
  const out = f(up);
  const r = be.readSync(out);
  be.free(out);
  for (const h of made) be.free(h);
  return r;
}

describe('elementwise: wasm SIMD loops agree with the TypeScript loops', () => {
  for (const n of sizes) {
    it(`binary ops, same shape, n=${n}`, () => {
      const a = values(n, 7 + n);
      const b = values(n, 11 + n);
      for (const op of binaryOps) same(on(wasm, (u) => wasm.binary(op, u(a, [n]), u(b, [n]))), on(js, (u) => js.binary(op, u(a, [n]), u(b, [n]))), `${op} n=${n}`);
    });

    it(`scalar ops both ways, n=${n}`, () => {
      const a = values(n, 3 + n);
      for (const op of binaryOps)
        for (const s of [2, 0, -1.5, 1e-6, NaN])
          for (const rev of [false, true]) same(on(wasm, (u) => wasm.scalar(op, u(a, [n]), s, rev)), on(js, (u) => js.scalar(op, u(a, [n]), s, rev)), `${op} ${s} ${rev ? 'reversed' : ''} n=${n}`);
    });

    it(`relu, neg and where (maskedFill form), n=${n}`, () => {
      const a = values(n, 5 + n);
      const m = values(n, 9 + n).map((v, i) => (i % 3 === 0 ? 0 : v));
      for (const op of ['relu', 'neg', 'exp'] as UnaryOp[]) same(on(wasm, (u) => wasm.unary(op, u(a, [n]))), on(js, (u) => js.unary(op, u(a, [n]))), `${op} n=${n}`);
      const fill = new Float32Array([-7]);
      same(on(wasm, (u) => wasm.where(u(m, [n]), u(fill, []), u(a, [n]))), on(js, (u) => js.where(u(m, [n]), u(fill, []), u(a, [n]))), `where scalar n=${n}`);
      same(on(wasm, (u) => wasm.where(u(m, [n]), u(a, [n]), u(a.map((v) => v * 2), [n]))), on(js, (u) => js.where(u(m, [n]), u(a, [n]), u(a.map((v) => v * 2), [n]))), `where n=${n}`);
    });
  }
});

// The oracle (test/reference.ts, plain and unoptimised) is the spec the fast
// TypeScript loops (loops.ts) must reproduce, broadcasting included.
describe('loops.ts agrees with the oracle test/reference.ts', () => {
  const rnd = (n: number, seed: number): Float32Array => {
    let s = seed;
    return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 4 - 2);
  };
  const cases: [number[], number[]][] = [[[3, 4], [3, 4]], [[3, 4], [4]], [[3, 1], [1, 5]], [[2, 3, 4], [3, 1]], [[1], [7]], [[5, 1, 3], [1, 4, 1]]];
  const ops = ['add', 'sub', 'mul', 'div', 'pow', 'max', 'min', 'lt', 'ge', 'eq'] as const;
  for (const [aShape, bShape] of cases) {
    it(`binary, where, expand on [${aShape}] and [${bShape}]`, () => {
      const a = rnd(sizeOf(aShape), 1);
      const b = rnd(sizeOf(bShape), 2);
      for (const op of ops) {
        const ref = reference.binary(op, a, aShape, b, bShape);
        const out = new Float32Array(ref.data.length);
        loops.binaryInto(op, a, aShape, b, bShape, ref.shape, out);
        expect(Array.from(out), op).toEqual(Array.from(ref.data));
      }
      const mask = reference.binary('gt', a, aShape, b, bShape);
      const w = reference.where(mask.data, mask.shape, a, aShape, b, bShape);
      const wOut = new Float32Array(w.data.length);
      loops.whereInto(mask.data, mask.shape, a, aShape, b, bShape, w.shape, wOut);
      expect(Array.from(wOut)).toEqual(Array.from(w.data));
      // An expand is a gather through the expanded view (stride 0 on the repeated dims).
      const e = new Float32Array(sizeOf(mask.shape));
      loops.gatherInto(a, expandView(rowMajorView(aShape), mask.shape), e);
      expect(Array.from(e)).toEqual(Array.from(reference.expand(a, aShape, mask.shape)));
    });
  }
  it('unary, scalar and permute', () => {
    const x = rnd(24, 3);
    for (const op of ['neg', 'exp', 'abs', 'relu', 'tanh', 'sigmoid'] as const) {
      const out = new Float32Array(24);
      loops.unaryInto(op, x, out);
      expect(Array.from(out), op).toEqual(Array.from(reference.unary(op, x)));
    }
    for (const reversed of [false, true]) {
      const out = new Float32Array(24);
      loops.scalarInto('sub', x, 0.5, reversed, out);
      expect(Array.from(out)).toEqual(Array.from(reference.scalar('sub', x, 0.5, reversed)));
    }
    const p = reference.permute(x, [2, 3, 4], [2, 0, 1]);
    const out = new Float32Array(24);
    loops.gatherInto(x, permuteView(rowMajorView([2, 3, 4]), [2, 0, 1]), out);
    expect(Array.from(out)).toEqual(Array.from(p.data));
  });
  it('sum, max, min, argmax and argmin over every set of axes, NaN and ties included', () => {
    const shape = [2, 3, 4];
    const x = rnd(24, 4);
    const withNaN = x.map((v, i) => (i === 13 || i === 17 ? NaN : v));
    const ties = x.map((v) => Math.round(v));
    const axesSets = [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]];
    for (const data of [x, withNaN, ties])
      for (const op of ['sum', 'max', 'min', 'argmax', 'argmin'] as const)
        for (const axes of axesSets) {
          const want = reference.reduce(op, data, shape, axes);
          const out = new Float32Array(want.length);
          loops.reduceInto(op, data, shape, axes, out);
          expect(Array.from(out), `${op} over [${axes}]`).toEqual(Array.from(want));
        }
  });
});
