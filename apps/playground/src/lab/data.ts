import { Generator, randArray } from '@nn/core';
import { circles, moons, randomSplit, spirals, xor, type TensorDataset } from '@nn/data';
import type { DataName } from './protocol.js';

const MAKERS: Record<DataName, (o: { n: number; noise: number; generator: Generator; device: string }) => TensorDataset> = { moons, circles, spirals, xor };

/** The lab's points as plain arrays (x: [n·2], y: labels 0/1). */
export interface Points {
  x: Float32Array;
  y: Float32Array;
}

/**
 * Draw a 2-D data set from @nn/data with a seeded generator and split it with
 * randomSplit (the same generator), so one seed gives the same points and split
 * on every device and in the worker or the page.
 */
export function makeData(name: DataName, n: number, noise: number, testFraction: number, generator: Generator): { train: Points; test: Points } {
  const ds = MAKERS[name]({ n, noise, generator, device: 'cpu' });
  const xs = ds.tensors[0]!.dataSync() as Float32Array;
  const ys = ds.tensors[1]!.dataSync();
  const nTest = Math.round(n * testFraction);
  const [trainSet, testSet] = randomSplit(ds, [n - nTest, nTest], { generator });
  const pick = (idx: readonly number[]): Points => {
    const x = new Float32Array(idx.length * 2);
    const y = new Float32Array(idx.length);
    idx.forEach((i, k) => {
      x[2 * k] = xs[2 * i]!;
      x[2 * k + 1] = xs[2 * i + 1]!;
      y[k] = ys[i]!;
    });
    return { x, y };
  };
  const out = { train: pick(trainSet!.indices), test: pick(testSet!.indices) };
  ds.tensors.forEach((t) => t.dispose());
  return out;
}

/** A square view around all points with a margin: [xmin, xmax, ymin, ymax]. */
export function boundsOf(...sets: Points[]): [number, number, number, number] {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of sets) {
    for (let i = 0; i < s.x.length; i += 2) {
      x0 = Math.min(x0, s.x[i]!);
      x1 = Math.max(x1, s.x[i]!);
      y0 = Math.min(y0, s.x[i + 1]!);
      y1 = Math.max(y1, s.x[i + 1]!);
    }
  }
  const half = (Math.max(x1 - x0, y1 - y0) / 2) * 1.15;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  return [cx - half, cx + half, cy - half, cy + half];
}

/** Grid points (size·size rows of x, y), row 0 at the top (largest y), as the canvases draw them. */
export function gridPoints(bounds: readonly number[], size: number): Float32Array {
  const [x0, x1, y0, y1] = bounds as [number, number, number, number];
  const out = new Float32Array(size * size * 2);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      out[2 * (r * size + c)] = x0 + ((c + 0.5) / size) * (x1 - x0);
      out[2 * (r * size + c) + 1] = y1 - ((r + 0.5) / size) * (y1 - y0);
    }
  }
  return out;
}

/** A seeded shuffle of 0…n−1 (Fisher–Yates on the generator's uniform draws): the order batches are cut from. */
export function shuffled(n: number, generator: Generator): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const u = randArray(n, 0, 1, generator);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i]! * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
