import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@nn/cpu';
import {
  ArgumentError, DTypeError, eye, fullLike, Generator, initialSeed, linspace, manualSeed, oneHot, rand, randint, randLike, randn,
  randnLike, randperm, registerBackend, ShapeError, tensor, zeros,
} from './index.js';
import { LINSPACE } from './testing/linspace.generated.js';

beforeAll(() => registerBackend(createCpuBackend()));

const values = (t: { dataSync(): Float32Array }): number[] => Array.from(t.dataSync());

describe('Generator', () => {
  it('a seeded generator reproduces its stream; reseeding starts it over', () => {
    const g = new Generator().manualSeed(7);
    const a = values(randn([50], { generator: g }));
    const b = values(randn([50], { generator: g }));
    expect(a).not.toEqual(b);
    g.manualSeed(7);
    expect(values(randn([50], { generator: g }))).toEqual(a);
    expect(g.initialSeed()).toBe(7);
  });

  it('drawing from a user generator leaves the global stream untouched', () => {
    manualSeed(3);
    const plain = values(randn([20]));
    manualSeed(3);
    const g = new Generator().manualSeed(3);
    randn([1000], { generator: g });
    rand([10], { generator: g });
    randint(0, 5, [10], { generator: g });
    randperm(10, { generator: g });
    expect(values(randn([20]))).toEqual(plain);
    // ...and a generator seeded like the global one gives the global one's numbers.
    expect(values(randn([20], { generator: new Generator().manualSeed(3) }))).toEqual(plain);
  });

  it('manualSeed reseeds the global generator and returns it; initialSeed reads its seed', () => {
    const g = manualSeed(11);
    expect(g).toBeInstanceOf(Generator);
    expect(initialSeed()).toBe(11);
    expect(g.initialSeed()).toBe(11);
  });

  it('seed() reseeds non-deterministically and reports the seed, which reproduces the stream', () => {
    const g = new Generator();
    const s = g.seed();
    expect(Number.isInteger(s)).toBe(true);
    const a = values(rand([8], { generator: g }));
    expect(values(rand([8], { generator: new Generator(s) }))).toEqual(a);
  });

  it('seeds past 2^32 and negative seeds are whole numbers that give their own streams', () => {
    const a = values(rand([8], { generator: new Generator(1) }));
    expect(values(rand([8], { generator: new Generator(1 + 2 ** 32) }))).not.toEqual(a);
    expect(values(rand([8], { generator: new Generator(-1) }))).not.toEqual(values(rand([8], { generator: new Generator(2 ** 32 - 1) })));
    expect(() => manualSeed(1.5)).toThrow(ArgumentError);
    expect(() => new Generator().manualSeed(Number.NaN)).toThrow(/whole number/);
    expect(() => randn([2], { generator: {} as never })).toThrow(ArgumentError);
  });
});

describe('randint and randperm', () => {
  it('randint draws int32 whole numbers in [low, high), each value about equally often', () => {
    manualSeed(0);
    const t = randint(-3, 4, [7000]);
    expect(t.dtype).toBe('int32');
    const counts = new Map<number, number>();
    for (const v of values(t)) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    // 1000 expected per value; 5 standard deviations (±5·30) of a binomial count.
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
    expect(randint(5, [2, 3]).shape).toEqual([2, 3]);
    expect(Math.max(...values(randint(5, [100])))).toBeLessThan(5);
    expect(randint(0, 3, [2], { dtype: 'float32' }).dtype).toBe('float32');
  });

  it('randint refuses high <= low, fractions and bounds beyond 2^24', () => {
    expect(() => randint(3, 3, [2])).toThrow(/high must be greater than low/);
    expect(() => randint(0.5, 3, [2])).toThrow(ArgumentError);
    expect(() => randint(0, 2 ** 25, [2])).toThrow(/2\^24/);
    expect(() => randint(0, 3, [2], { requiresGrad: true })).toThrow(DTypeError);
  });

  it('randperm is a permutation of 0..n-1, int32, reproducible from a seed', () => {
    const p = randperm(50, { generator: new Generator(9) });
    expect(p.dtype).toBe('int32');
    expect(values(p).sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
    expect(values(randperm(50, { generator: new Generator(9) }))).toEqual(values(p));
    expect(randperm(0).shape).toEqual([0]);
    expect(() => randperm(-1)).toThrow(ArgumentError);
  });
});

describe('linspace, eye, *Like', () => {
  it('linspace gives torch.linspace float32 values exactly', () => {
    for (const c of LINSPACE) {
      expect(values(linspace(c.start, c.end, c.steps)), `linspace(${c.start}, ${c.end}, ${c.steps})`).toEqual(c.values);
    }
    expect(() => linspace(0, 1, -1)).toThrow(ArgumentError);
    expect(() => linspace(0, Infinity, 3)).toThrow(ArgumentError);
  });

  it('eye gives the identity, square or n×m, any dtype', () => {
    expect(eye(2).toArray()).toEqual([[1, 0], [0, 1]]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(eye(3, 1).toArray()).toEqual([[1], [0], [0]]);
    expect(eye(2, { dtype: 'int32' }).dtype).toBe('int32');
    expect(eye(0).shape).toEqual([0, 0]);
    expect(() => eye(-1)).toThrow(ArgumentError);
  });

  it('randnLike/randLike/fullLike take the model tensor shape and device (fullLike also its dtype)', () => {
    const x = zeros([2, 3]);
    expect(randnLike(x).shape).toEqual([2, 3]);
    expect(randLike(x, { generator: new Generator(1) }).toArray()).toEqual(rand([2, 3], { generator: new Generator(1) }).toArray());
    const i = tensor([1, 2], { dtype: 'int32' });
    expect(fullLike(i, 4).dtype).toBe('int32');
    expect(fullLike(i, 4).toArray()).toEqual([4, 4]);
    expect(() => fullLike(i, 0.5)).toThrow(DTypeError);
    expect(randnLike(i).dtype).toBe('float32');
  });
});

describe('oneHot', () => {
  it('gives int32 one-hot rows as F.one_hot, numClasses defaulting to max + 1', () => {
    const h = oneHot(tensor([0, 2, 1], { dtype: 'int32' }));
    expect(h.dtype).toBe('int32');
    expect(h.toArray()).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
    expect(oneHot([[1], [0]], 4).toArray()).toEqual([[[0, 1, 0, 0]], [[1, 0, 0, 0]]]);
  });

  it('refuses a float index (naming .int()), out-of-range classes and a bad numClasses', () => {
    expect(() => oneHot(tensor([0, 1]))).toThrow(/int\(\)/);
    expect(() => oneHot(tensor([0, 1]))).toThrow(DTypeError);
    expect(() => oneHot([0, 1.5])).toThrow(DTypeError);
    expect(() => oneHot([0, 3], 3)).toThrow(/index 3 is not below numClasses 3/);
    expect(() => oneHot([-1])).toThrow(ShapeError);
    expect(() => oneHot(tensor([], { dtype: 'int32' }))).toThrow(/empty index/);
    expect(() => oneHot([0], 0)).toThrow(ArgumentError);
  });
});
