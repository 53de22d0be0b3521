import { Generator, checkOptions, defaultGenerator, isName, numberIn, randArray, randnArray, tensor, type Device, type OptionRule } from '@nn/core';
import { TensorDataset } from './dataset.js';

/** Options of the 2-D toy sets (`moons`, `circles`, `spirals`, `xor`). */
export interface ToyOptions {
  /** Number of points (default 200), split evenly between the two classes. */
  n?: number;
  /** Standard deviation of Gaussian noise added to each coordinate (default 0). */
  noise?: number;
  /** The generator the noise (and xor's points) draw from (default: the global one that manualSeed seeds). */
  generator?: Generator;
  /** Device of the tensors (default: core's default device). */
  device?: Device;
}

/** Options of `circles`. */
export interface CirclesOptions extends ToyOptions {
  /** Radius of the inner circle, relative to the outer one's 1 (default 0.8, as scikit-learn). */
  factor?: number;
}

const isGenerator: OptionRule = { accepts: 'a Generator (new Generator().manualSeed(seed))', ok: (v) => v instanceof Generator };
const toyRules = { n: numberIn(1, 2 ** 24, true), noise: numberIn(0), generator: isGenerator, device: isName };

// The points as a TensorDataset: x float32 [n, 2], y int32 [n]; Gaussian noise (std `noise`) added to x.
function toDataset(xs: number[], ys: number[], labels: number[], opts: ToyOptions): TensorDataset {
  const n = labels.length;
  const noise = opts.noise ?? 0;
  const g = opts.generator ?? defaultGenerator;
  const data = new Float32Array(2 * n);
  const e = noise > 0 ? randnArray(2 * n, g) : null;
  for (let i = 0; i < n; i++) {
    data[2 * i] = xs[i]! + (e ? noise * e[2 * i]! : 0);
    data[2 * i + 1] = ys[i]! + (e ? noise * e[2 * i + 1]! : 0);
  }
  const device = opts.device ? { device: opts.device } : {};
  return new TensorDataset(tensor(data, { shape: [n, 2], ...device }), tensor(labels, { dtype: 'int32', ...device }));
}

// `count` points 0..π (or 0..2π without its end), as numpy's linspace.
function angles(count: number, end: number, endpoint: boolean): number[] {
  const steps = endpoint ? count - 1 : count;
  return Array.from({ length: count }, (_, i) => (steps > 0 ? (end * i) / steps : 0));
}

/**
 * Two interleaving half circles, as scikit-learn's `make_moons` (unshuffled): n/2 (rounded down) points of
 * class 0 on (cos t, sin t) and the rest of class 1 on (1 − cos t, 0.5 − sin t), t evenly in [0, π].
 */
export function moons(opts: ToyOptions = {}): TensorDataset {
  checkOptions('moons', opts, toyRules);
  const n = opts.n ?? 200;
  const outer = angles(Math.floor(n / 2), Math.PI, true);
  const inner = angles(n - outer.length, Math.PI, true);
  return toDataset(
    [...outer.map(Math.cos), ...inner.map((t) => 1 - Math.cos(t))],
    [...outer.map(Math.sin), ...inner.map((t) => 1 - Math.sin(t) - 0.5)],
    [...outer.map(() => 0), ...inner.map(() => 1)],
    opts,
  );
}

/**
 * A circle inside another, as scikit-learn's `make_circles` (unshuffled): n/2 points of class 0 on the
 * unit circle and the rest of class 1 on a circle of radius `factor`, evenly spaced.
 */
export function circles(opts: CirclesOptions = {}): TensorDataset {
  checkOptions('circles', opts, { ...toyRules, factor: { accepts: 'a number in (0, 1)', ok: (v) => typeof v === 'number' && v > 0 && v < 1 } });
  const n = opts.n ?? 200;
  const factor = opts.factor ?? 0.8;
  const outer = angles(Math.floor(n / 2), 2 * Math.PI, false);
  const inner = angles(n - outer.length, 2 * Math.PI, false);
  return toDataset(
    [...outer.map(Math.cos), ...inner.map((t) => factor * Math.cos(t))],
    [...outer.map(Math.sin), ...inner.map((t) => factor * Math.sin(t))],
    [...outer.map(() => 0), ...inner.map(() => 1)],
    opts,
  );
}

/**
 * Two interleaved spirals, as TensorFlow Playground's: point i of each arm at radius r = i/m
 * (m points per arm) and angle 1.75·2π·r, the class-1 arm turned by π.
 */
export function spirals(opts: ToyOptions = {}): TensorDataset {
  checkOptions('spirals', opts, toyRules);
  const n = opts.n ?? 200;
  const xs: number[] = [];
  const ys: number[] = [];
  const labels: number[] = [];
  const arms = [Math.floor(n / 2), n - Math.floor(n / 2)];
  arms.forEach((m, label) => {
    for (let i = 0; i < m; i++) {
      const r = i / m;
      const t = 1.75 * 2 * Math.PI * r + label * Math.PI;
      xs.push(r * Math.sin(t));
      ys.push(r * Math.cos(t));
      labels.push(label);
    }
  });
  return toDataset(xs, ys, labels, opts);
}

/**
 * XOR, as TensorFlow Playground's: points uniform in [−1, 1]² (drawn from the generator), moved 0.05
 * away from the axes; class 0 where x and y have the same sign, class 1 where they differ. The
 * noise is added after the labels are set, so noisy points may cross the axes.
 */
export function xor(opts: ToyOptions = {}): TensorDataset {
  checkOptions('xor', opts, toyRules);
  const n = opts.n ?? 200;
  const u = randArray(2 * n, -1, 1, opts.generator ?? defaultGenerator);
  const pad = (v: number): number => (v >= 0 ? v + 0.05 : v - 0.05);
  const xs = Array.from({ length: n }, (_, i) => pad(u[2 * i]!));
  const ys = Array.from({ length: n }, (_, i) => pad(u[2 * i + 1]!));
  return toDataset(xs, ys, xs.map((x, i) => (x * ys[i]! > 0 ? 0 : 1)), opts);
}
