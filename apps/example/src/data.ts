import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, getDefaultDevice, keep, loadNpy, type Tensor } from '@nn/core';
import { seedNet } from '@nn/core/testing';
import { UsageError } from './args.js';

/** Batch size of the seed program. */
export const N = 64;

/** Layer widths, input first: the seed program's D_in, H, D_out, and the three-layer net's D_in, H1, H2, D_out. */
export const SIZES: Record<2 | 3, readonly number[]> = {
  2: [1000, 100, 10],
  3: [1000, 100, 100, 10],
};

/** Default learning rates: the seed program's 1e-6; 1e-8 for the three-layer net (see docs/example.md). */
export const DEFAULT_LR: Record<2 | 3, number> = { 2: 1e-6, 3: 1e-8 };

/** Inputs, targets and weights of one run; weights are [in, out] as in the seed program (`x.mm(w1)`). */
export interface NetData {
  x: Tensor;
  y: Tensor;
  /** w1, w2 and, for the three-layer net, w3. Kept: they outlive every scope. */
  ws: Tensor[];
}

/**
 * x, y and the weights from the seeded generator, as the seed program's
 * `torch.randn` calls: core's seedNet, the one place the seed data is drawn,
 * so this run starts from the numbers the test suites check.
 */
export function randomData(net: 2 | 3, seed: number): NetData {
  const { x, y, w } = seedNet(getDefaultDevice(), { seed, sizes: [N, ...SIZES[net]] });
  return { x: keep(x), y: keep(y), ws: w.map((wi) => keep(wi)) };
}

/** Which net a --data directory describes: 3 when it holds w3.npy, else 2. */
export function detectDataNet(dir: string): 2 | 3 {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--data ${dir}: no such directory`);
  return existsSync(join(dir, 'w3.npy')) ? 3 : 2;
}

function load(dir: string, name: string): Tensor {
  const file = join(dir, `${name}.npy`);
  if (!existsSync(file)) throw new UsageError(`--data: ${file} is missing (the directory needs x.npy, y.npy, w1.npy, w2.npy and, for the three-layer net, w3.npy)`);
  try {
    return keep(loadNpy(readFileSync(file), { name }));
  } catch (e) {
    if (e instanceof FormatError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
}

/** Load x, y and the weights of `net` from DIR, checking that their shapes chain: x [N, D_in], w1 [D_in, H]... y [N, D_out]. */
export function loadData(dir: string, net: 2 | 3): NetData {
  const x = load(dir, 'x');
  const y = load(dir, 'y');
  const ws = Array.from({ length: net }, (_, i) => load(dir, `w${i + 1}`));
  const fmt = (t: Tensor): string => `${t.name}.npy [${t.shape.join(', ')}]`;
  const all = [x, y, ...ws];
  const notMatrix = all.find((t) => t.ndim !== 2);
  if (notMatrix) throw new UsageError(`--data: ${fmt(notMatrix)} must be a matrix (2-D)`);
  let width = x.shape[1]!;
  for (const w of ws) {
    if (w.shape[0] !== width) throw new UsageError(`--data: shapes do not chain: ${fmt(w)} needs ${width} rows to follow the previous layer's ${width} columns`);
    width = w.shape[1]!;
  }
  if (y.shape[0] !== x.shape[0] || y.shape[1] !== width) {
    throw new UsageError(`--data: ${fmt(y)} must be [${x.shape[0]}, ${width}] (one row per row of x, one column per output of w${net})`);
  }
  return { x, y, ws };
}
