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
    // splitmix32 spreads a small integer seed over the whole state.
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
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

let generator = new Xoshiro128(0);

/** Reseed the global generator, as `torch.manual_seed`. */
export function manualSeed(seed: number): void {
  generator = new Xoshiro128(seed);
}

/** `n` standard normal samples (Box–Muller), as float32. */
export function randnArray(n: number): Float32Array {
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

/** `n` samples uniform in [low, high), as float32. */
export function randArray(n: number, low = 0, high = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = low + (high - low) * generator.next();
  return out;
}
