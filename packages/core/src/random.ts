import { ArgumentError } from './errors.js';
import { showValue } from './validate.js';

/**
 * Seeded random numbers. Numbers are drawn on the host and uploaded, so the
 * same seed gives the same tensor on every backend.
 */

// xoshiro128** (Blackman & Vigna): small state, good statistics, 32-bit math only.
class Xoshiro128 {
  private s = new Uint32Array(4);
  constructor(seed: number) {
    this.seed(seed);
  }
  seed(seed: number): void {
    // splitmix32 spreads a small integer seed over the whole state. Seeds in [0, 2^32) give
    // the numbers they always gave; the high word of a larger or negative seed is mixed in.
    let x = seed >>> 0;
    const high = Math.floor(seed / 4294967296) >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16) ^ Math.imul(high, 0x27d4eb2d + i)) >>> 0;
    }
  }
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }
  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A seeded stream of random numbers, as PyTorch's `torch.Generator`: `new Generator().manualSeed(7)`.
 * randn, rand, randint and randperm take one as `{ generator }`; without it they draw from the global
 * generator that `manualSeed` reseeds. Each generator has its own state, so drawing from one never
 * moves another. The numbers are xoshiro128** with Box–Muller normals: reproducible on every backend
 * and platform, but not torch's stream (the same seed gives other numbers than in PyTorch).
 */
export class Generator {
  private state: Xoshiro128;
  private initial: number;

  /** A generator seeded with `seed` (default 0, the global generator's seed before any manualSeed). */
  constructor(seed = 0) {
    checkSeed('Generator', seed);
    this.initial = seed;
    this.state = new Xoshiro128(seed);
  }

  /** Reseed this generator (its stream starts over) and return it, as `torch.Generator.manual_seed`. */
  manualSeed(seed: number): this {
    checkSeed('manualSeed', seed);
    this.initial = seed;
    this.state = new Xoshiro128(seed);
    return this;
  }

  /** Reseed from a non-deterministic source and return the new seed, as `torch.Generator.seed()`. */
  seed(): number {
    const fresh = freshSeed();
    this.initial = fresh;
    this.state = new Xoshiro128(fresh);
    return fresh;
  }

  /** The seed this generator was last seeded with, as `torch.Generator.initial_seed()`. */
  initialSeed(): number {
    return this.initial;
  }

  /** @internal The next number, uniform in [0, 1) with 53 random bits. */
  next(): number {
    return this.state.next();
  }
}

// A seed is a whole number; xoshiro is seeded from its low 32 bits (as it always was),
// with the high bits folded in for seeds past 2^32 and negative ones (torch takes 64-bit seeds).
function checkSeed(op: string, seed: unknown): void {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new ArgumentError(op, `the seed must be a whole number (a safe integer), got ${showValue(seed)}; e.g. manualSeed(0)`);
  }
}

function freshSeed(): number {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
  if (c?.getRandomValues) return c.getRandomValues(new Uint32Array(1))[0]!;
  return Math.floor(Math.random() * 2 ** 32);
}

/** The global generator: what randn, rand, randint and randperm draw from when given no `{ generator }`. */
export const defaultGenerator = new Generator(0);

/** Reseed the global generator and return it, as `torch.manual_seed`. */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** The global generator's seed, as `torch.initial_seed()`. */
export function initialSeed(): number {
  return defaultGenerator.initialSeed();
}

/** `n` standard normal samples (Box–Muller), as float32, from `generator` (default: the global one). */
export function randnArray(n: number, generator: Generator = defaultGenerator): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    // 1 - u keeps log() away from 0.
    const u1 = 1 - generator.next();
    const u2 = generator.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** `n` samples uniform in [low, high), as float32, from `generator` (default: the global one). */
export function randArray(n: number, low = 0, high = 1, generator: Generator = defaultGenerator): Float32Array {
  const out = new Float32Array(n);
  // A draw within 2^-25 of 1 (or of high) rounds up to high in float32; torch.rand never gives high.
  let top = NaN;
  for (let i = 0; i < n; i++) {
    out[i] = low + (high - low) * generator.next();
    if (out[i]! >= high && high > low) out[i] = Number.isNaN(top) ? (top = float32Below(high)) : top;
  }
  return out;
}

// The largest float32 below x: x's own float32 rounding when that is below it, else the float32 one step down.
function float32Below(x: number): number {
  const f = new Float32Array([x]);
  if (f[0]! < x) return f[0]!;
  if (f[0] === 0) return -1.401298464324817e-45;
  const bits = new Int32Array(f.buffer);
  bits[0]! += f[0]! > 0 ? -1 : 1;
  return f[0]!;
}

/** `n` whole numbers uniform in [low, high) (a float64 array), from `generator`. */
export function randintArray(n: number, low: number, high: number, generator: Generator = defaultGenerator): Float64Array {
  const out = new Float64Array(n);
  // 53 random bits over a range of at most 2^25 values: the bias is below 2^-28.
  const span = high - low;
  for (let i = 0; i < n; i++) out[i] = low + Math.floor(generator.next() * span);
  return out;
}

/** A random permutation of 0..n-1 (Fisher–Yates; a float64 array), from `generator`. */
export function randpermArray(n: number, generator: Generator = defaultGenerator): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(generator.next() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
