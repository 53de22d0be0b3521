import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError, DeviceError, Generator, ShapeError, manualSeed, memory, rand, randperm, registerBackend, scope, tensor, type Tensor,
} from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { DataLoader, Subset, TensorDataset, circles, digits, moons, randomSplit, spirals, xor, type Dataset } from '@nn/data';

// @nn/data on cpu: batches, seeded shuffles, PyTorch's random_split rule, the data sets. The gpu
// path (one gather per epoch, no upload per batch) is packages/gpu/src/data.gl.test.ts.
beforeAll(() => {
  registerBackend(createCpuBackend());
  registerBackend(createCpuBackend({ device: 'other' }));
});

const fixture = <T>(path: string): T => JSON.parse(readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8')) as T;
const rows = (t: Tensor): number[][] => t.toArray() as number[][];
const flat = (t: Tensor): number[] => Array.from(t.dataSync());
// A data set of n samples: x[i] = [i, 10·i], y[i] = i (int32).
const numbered = (n: number): TensorDataset =>
  new TensorDataset(tensor(Array.from({ length: n }, (_, i) => [i, 10 * i])), tensor(Array.from({ length: n }, (_, i) => i), { dtype: 'int32' }));
const buffers = (): number => memory().cpu!.buffers;
// What `fn` reads from each batch, read while the batch lives (the loader frees it when it draws the next).
function each<B, T>(loader: Iterable<B>, fn: (b: B) => T): T[] {
  const out: T[] = [];
  for (const b of loader) out.push(fn(b));
  return out;
}

describe('TensorDataset', () => {
  it('sample i is row i of each tensor, as views; length is the first dim', () => {
    const ds = numbered(5);
    expect(ds.length).toBe(5);
    const [x, y] = ds.get(3);
    expect(x!.toArray()).toEqual([3, 30]);
    expect(y!.shape).toEqual([]);
    expect(y!.dtype).toBe('int32');
    expect(y!.item()).toBe(3);
  });

  it('refuses tensors of different lengths or devices, no tensor, and bad positions, naming the fix', () => {
    expect(() => new TensorDataset(tensor([[1], [2]]), tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => new TensorDataset(tensor([[1], [2]]), tensor([1, 2, 3]))).toThrow(/tensor 0 has \[2, 1\] but tensor 1 has \[3\]/);
    expect(() => new TensorDataset(tensor([1, 2]), tensor([1, 2], { device: 'other' }))).toThrow(DeviceError);
    expect(() => new TensorDataset()).toThrow(/at least one tensor/);
    expect(() => new TensorDataset(tensor(1))).toThrow(/0-d/);
    expect(() => new TensorDataset([1, 2] as unknown as Tensor)).toThrow(ArgumentError);
    expect(() => numbered(3).get(3)).toThrow(/index 3 is out of range for a data set of 3 samples/);
    expect(() => numbered(3).get(-1)).toThrow(ArgumentError);
  });
});

describe('DataLoader', () => {
  it('without shuffle: batches in order, the last one smaller unless dropLast; length counts them', () => {
    const ds = numbered(7);
    const batches = each(new DataLoader(ds, { batchSize: 3 }), ([x, y]) => ({ x: rows(x!), y: flat(y!), dtype: y!.dtype }));
    expect(batches.map((b) => b.y)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(batches[1]!.x).toEqual([[3, 30], [4, 40], [5, 50]]);
    expect(batches[0]!.dtype).toBe('int32');
    expect(new DataLoader(ds, { batchSize: 3 }).length).toBe(3);
    const dropped = new DataLoader(ds, { batchSize: 3, dropLast: true });
    expect(dropped.length).toBe(2);
    expect(each(dropped, ([, y]) => flat(y!))).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(new DataLoader(ds).length).toBe(7);
  });

  it('shuffle draws its order with core randperm from the generator: the same seed gives the same batches, the global stream is untouched', () => {
    const ds = numbered(10);
    const order = (seed: number): number[][] => each(new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator(seed) }), ([, y]) => flat(y!));
    const expected = flat(randperm(10, { generator: new Generator(5) }));
    expect(order(5).flat()).toEqual(expected);
    expect(order(5)).toEqual(order(5));
    expect(order(5)).not.toEqual(order(6));
    // Batches carry their rows with them: x[i] = [i, 10·i].
    each(new DataLoader(ds, { batchSize: 10, shuffle: true, generator: new Generator(1) }), ([x, y]) => expect(rows(x!)).toEqual(flat(y!).map((i) => [i, 10 * i])));
    manualSeed(3);
    const a = flat(rand([4]));
    manualSeed(3);
    [...new DataLoader(ds, { batchSize: 3, shuffle: true, generator: new Generator(9) })];
    expect(flat(rand([4]))).toEqual(a);
  });

  it('each epoch draws a new order from the generator; without one, from the global generator that manualSeed seeds', () => {
    const ds = numbered(8);
    const loader = new DataLoader(ds, { batchSize: 8, shuffle: true, generator: new Generator(2) });
    const g = new Generator(2);
    for (let epoch = 0; epoch < 3; epoch++) {
      expect(each(loader, ([, y]) => flat(y!))[0]).toEqual(flat(randperm(8, { generator: g })));
    }
    const global = new DataLoader(ds, { batchSize: 8, shuffle: true });
    manualSeed(11);
    const first = each(global, ([, y]) => flat(y!))[0];
    manualSeed(11);
    expect(first).toEqual(flat(randperm(8)));
  });

  it('a Subset (what randomSplit gives) is gathered from its base tensors; sampler gives the order', () => {
    const ds = numbered(10);
    const sub = new Subset(ds, [9, 2, 5, 7]);
    expect(each(new DataLoader(sub, { batchSize: 3 }), ([, y]) => flat(y!))).toEqual([[9, 2, 5], [7]]);
    const nested = new Subset(sub, [3, 0]);
    expect(each(new DataLoader(nested, { batchSize: 2 }), ([x]) => rows(x!))).toEqual([[[7, 70], [9, 90]]]);
    expect(each(new DataLoader(ds, { batchSize: 2, sampler: [4, 4, 1] }), ([, y]) => flat(y!))).toEqual([[4, 4], [1]]);
    expect(new DataLoader(ds, { batchSize: 2, sampler: [4, 4, 1] }).length).toBe(2);
    expect(() => [...new DataLoader(ds, { sampler: [10] })]).toThrow(/index 10 is out of range/);
  });

  it("any Dataset: samples from get(i) are stacked, a lone tensor or a tuple; the samples' own tensors are freed", () => {
    const squares: Dataset<Tensor> = { length: 5, get: (i) => tensor([i, i * i]) };
    expect(each(new DataLoader(squares, { batchSize: 2 }), (b) => rows(b))).toEqual([[[0, 0], [1, 1]], [[2, 4], [3, 9]], [[4, 16]]]);
    const pairs: Dataset<Tensor[]> = { length: 3, get: (i) => [tensor([i]), tensor(2 * i, { dtype: 'int32' })] };
    const [[x, y, dtype]] = each(new DataLoader(pairs, { batchSize: 3 }), ([x, y]) => [rows(x!), flat(y!), y!.dtype]);
    expect(x).toEqual([[0], [1], [2]]);
    expect(y).toEqual([0, 2, 4]);
    expect(dtype).toBe('int32');
    const before = buffers();
    for (const b of new DataLoader(squares, { batchSize: 2 })) scope(() => void b.sum());
    expect(buffers()).toBe(before);
    const ragged: Dataset<Tensor[]> = { length: 2, get: (i) => (i === 0 ? [tensor([1])] : [tensor([1]), tensor([2])]) };
    expect(() => [...new DataLoader(ragged, { batchSize: 2 })]).toThrow(/every sample needs the same form/);
  });

  it('frees each batch when it draws the next, and the epoch copy at the end (break included): memory stays flat', () => {
    const ds = numbered(50);
    const loader = new DataLoader(ds, { batchSize: 8, shuffle: true, generator: new Generator(0) });
    const before = buffers();
    for (let epoch = 0; epoch < 3; epoch++) {
      for (const [x, y] of loader) scope(() => void x!.sum().add(y!.float().sum()));
    }
    expect(buffers()).toBe(before);
    let kept: Tensor | undefined;
    for (const [x] of loader) {
      kept = x!.clone(); // the way to keep a batch
      break;
    }
    expect(buffers()).toBe(before + 1);
    expect(kept!.shape).toEqual([8, 2]);
    kept!.dispose();
    const it0 = loader[Symbol.iterator]();
    const first = it0.next().value as Tensor[];
    it0.next();
    expect(() => first[0]!.sum()).toThrow(/dispos/);
    it0.return?.();
    expect(buffers()).toBe(before);
  });

  it('an in-place op on a batch changes that batch, not the data set (PyTorch collates a copy), with or without shuffle', () => {
    for (const shuffle of [false, true]) {
      const x = tensor([[1, 2], [3, 4], [5, 6]]);
      for (const [b] of new DataLoader(new TensorDataset(x), { batchSize: 2, shuffle })) b!.mul_(0);
      expect(x.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
      x.dispose();
    }
  });

  it("a subclass of TensorDataset or Subset that overrides get(i) is read through its get, not gathered past it", () => {
    class Doubled extends TensorDataset {
      override get(i: number): Tensor[] {
        return super.get(i).map((t) => t.mul(2));
      }
    }
    const ds = new Doubled(tensor([[1], [2], [3]]));
    expect(each(new DataLoader(ds, { batchSize: 3 }), ([x]) => rows(x!))).toEqual([[[2], [4], [6]]]);
    class Negated extends Subset<Tensor[]> {
      override get(i: number): Tensor[] {
        return super.get(i).map((t) => t.neg());
      }
    }
    const sub = new Negated(numbered(4), [2, 0]);
    expect(each(new DataLoader(sub, { batchSize: 2 }), ([x, y]) => [rows(x!), flat(y!)])).toEqual([[[[-2, -20], [-0, -0]], [-2, -0]]]);
  });

  it('iterates with for await too, giving the same batches', async () => {
    const ds = numbered(9);
    const got: number[][] = [];
    for await (const [, y] of new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator(4) })) got.push(flat(y!));
    expect(got).toEqual(each(new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator(4) }), ([, y]) => flat(y!)));
  });

  it('refuses bad arguments with ArgumentErrors that name the option', () => {
    const ds = numbered(4);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(/option batchSize must be a whole number ≥ 1, got 0/);
    expect(() => new DataLoader(ds, { batchSize: 2.5 })).toThrow(ArgumentError);
    expect(() => new DataLoader(ds, { shuffle: 'yes' as unknown as boolean })).toThrow(/option shuffle/);
    expect(() => new DataLoader(ds, { generator: 3 as unknown as Generator })).toThrow(/option generator must be a Generator/);
    expect(() => new DataLoader(ds, { batch_size: 2 } as object)).toThrow(/unknown option 'batch_size'/);
    expect(() => new DataLoader(ds, { shuffle: true, sampler: [0] })).toThrow(/exclude each other/);
    expect(() => new DataLoader([1, 2] as unknown as Dataset)).toThrow(/expected a data set/);
  });
});

describe('randomSplit', () => {
  it("gives PyTorch's sizes for lengths and fractions (random_split's floor-then-deal rule)", () => {
    const { random_split } = fixture<{ random_split: { n: number; lengths: number[]; sizes: number[] }[] }>('digits-parity/parity.json');
    expect(random_split.length).toBeGreaterThan(5);
    for (const c of random_split) {
      const parts = randomSplit(numbered(c.n), c.lengths, { generator: new Generator(0) });
      expect(parts.map((p) => p.length), JSON.stringify(c)).toEqual(c.sizes);
    }
  });

  it('cuts one randperm from the generator into consecutive slices: disjoint, covering, reproducible', () => {
    const ds = numbered(10);
    const [a, b] = randomSplit(ds, [7, 3], { generator: new Generator(8) });
    const perm = flat(randperm(10, { generator: new Generator(8) }));
    expect(a!.indices).toEqual(perm.slice(0, 7));
    expect(b!.indices).toEqual(perm.slice(7));
    expect(b!.get(0)[1]!.item()).toBe(perm[7]);
    expect(randomSplit(ds, [0.5, 0.5], { generator: new Generator(8) })[0]!.indices).toEqual(perm.slice(0, 5));
  });

  it('refuses lengths that do not sum to the data set, mixed sizes, negative ones, naming the fix', () => {
    const ds = numbered(10);
    expect(() => randomSplit(ds, [5, 4])).toThrow(/sum to 9, but the data set has 10 samples/);
    expect(() => randomSplit(ds, [0.5, 9.5])).toThrow(/mix fractions and sizes/);
    expect(() => randomSplit(ds, [-1, 11])).toThrow(ArgumentError);
    expect(() => randomSplit(ds, [])).toThrow(/non-empty array/);
    expect(() => randomSplit(ds, [5, 5], { seed: 1 } as object)).toThrow(/unknown option 'seed'/);
  });
});

describe('data sets', () => {
  it("digits() is scikit-learn's load_digits: 1,797 images of 64 pixels in 0..16 and int32 labels (scripts/make_digits.py)", () => {
    const check = fixture<{ n: number; class_counts: number[]; pixel_sum: number; pixel_sum_per_class: number[]; row0: number[]; label0: number; row1796: number[]; label1796: number }>(
      'digits/check.json',
    );
    const ds = digits();
    const [x, y] = ds.tensors as [Tensor, Tensor];
    expect(ds.length).toBe(check.n);
    expect(x.shape).toEqual([1797, 64]);
    expect(x.dtype).toBe('float32');
    expect(y.dtype).toBe('int32');
    const px = flat(x);
    const labels = flat(y);
    expect(Math.min(...px)).toBe(0);
    expect(Math.max(...px)).toBe(16);
    expect(px.reduce((a, b) => a + b, 0)).toBe(check.pixel_sum);
    const counts = new Array<number>(10).fill(0);
    const sums = new Array<number>(10).fill(0);
    labels.forEach((c, i) => {
      counts[c]! += 1;
      for (let k = 0; k < 64; k++) sums[c]! += px[i * 64 + k]!;
    });
    expect(counts).toEqual(check.class_counts);
    expect(sums).toEqual(check.pixel_sum_per_class);
    expect(px.slice(0, 64)).toEqual(check.row0);
    expect(px.slice(-64)).toEqual(check.row1796);
    expect([labels[0], labels.at(-1)]).toEqual([check.label0, check.label1796]);
    expect(digits({ device: 'other' }).tensors[0]!.device).toBe('other');
    expect(() => digits({ download: true } as object)).toThrow(/unknown option 'download'/);
  });

  it("moons and circles without noise are scikit-learn's make_moons and make_circles (shuffle=False)", () => {
    const ref = fixture<Record<string, { x: number[][]; y: number[] }>>('digits/toy.json');
    for (const [name, ds] of [['moons', moons({ n: 7 })], ['circles', circles({ n: 8 })], ['circles_factor', circles({ n: 6, factor: 0.3 })]] as const) {
      const [x, y] = ds.tensors as [Tensor, Tensor];
      const got = rows(x);
      ref[name]!.x.forEach((p, i) => p.forEach((v, k) => expect(got[i]![k], `${name} point ${i}`).toBeCloseTo(v, 6)));
      expect(flat(y), name).toEqual(ref[name]!.y);
      expect(y.dtype).toBe('int32');
    }
  });

  it('toy sets are seeded by their generator, noisy as asked, with two balanced classes; the global stream is untouched', () => {
    for (const make of [moons, circles, spirals, xor]) {
      const a = make({ n: 101, noise: 0.2, generator: new Generator(1) });
      const b = make({ n: 101, noise: 0.2, generator: new Generator(1) });
      const c = make({ n: 101, noise: 0.2, generator: new Generator(2) });
      expect(a.tensors[0]!.shape, make.name).toEqual([101, 2]);
      expect(flat(a.tensors[0]!)).toEqual(flat(b.tensors[0]!));
      expect(flat(a.tensors[0]!)).not.toEqual(flat(c.tensors[0]!));
      const labels = flat(a.tensors[1]!);
      expect(new Set(labels), make.name).toEqual(new Set([0, 1]));
      if (make !== xor) expect(labels.filter((v) => v === 0).length, make.name).toBe(50);
    }
    // Noise is Gaussian with std `noise`: the clean and noisy points differ by about that.
    const clean = flat(moons({ n: 2000 }).tensors[0]!);
    const noisy = flat(moons({ n: 2000, noise: 0.1, generator: new Generator(3) }).tensors[0]!);
    const std = Math.sqrt(clean.reduce((s, v, i) => s + (noisy[i]! - v) ** 2, 0) / clean.length);
    expect(std).toBeGreaterThan(0.095);
    expect(std).toBeLessThan(0.105);
    // xor: class 0 where the signs agree (before noise).
    const [x, y] = xor({ n: 200, generator: new Generator(0) }).tensors as [Tensor, Tensor];
    rows(x).forEach(([u, v], i) => expect(flat(y)[i]).toBe(u! * v! > 0 ? 0 : 1));
    manualSeed(4);
    const r = flat(rand([3]));
    manualSeed(4);
    spirals({ noise: 0.3, generator: new Generator(0) });
    expect(flat(rand([3]))).toEqual(r);
    expect(() => moons({ noise: -1 })).toThrow(/option noise/);
    expect(() => circles({ factor: 1 })).toThrow(/option factor must be a number in \(0, 1\)/);
    expect(() => xor({ n: 0 })).toThrow(/option n/);
  });
});
