// Single-precision GEMM for WebAssembly SIMD, compiled by AssemblyScript
// (scripts/build-wasm.mjs embeds the result in src/wasm/binary.generated.ts).
//
// C (m×n, row stride ldc floats) = op(A)·op(B), or += when `accumulate`, where
// op(A)(i, p) sits at a + 4·(i·rsA + p·csA) and op(B)(p, j) at
// b + 4·(p·rsB + j·csB): strides let the caller pass transposed operands
// without copying them.
//
// The structure is Goto/BLIS: B is packed KC×NC into strips NR wide, A is
// packed MC×KC into strips MR tall, and a micro-kernel keeps an MR×NR tile of
// C in 8 f32x4 registers while it streams one strip of each. 4×8 is the
// largest tile V8 keeps in the 15 usable xmm registers without spilling (6×8
// spills and runs 30% slower). Packing pads ragged edges with zeros, so the
// micro-kernel never branches; edge tiles go through a scratch tile.
// All memory belongs to the JavaScript side, which passes byte addresses.
//
// Two builds come from this file: plain SIMD, where c + a·b is a multiply
// then an add, and relaxed SIMD (--enable relaxed-simd), where it is one
// f32x4.relaxed_madd: a fused multiply-add on CPUs with FMA, half the
// instructions in the inner loop (measured 1.4-1.5x faster on one Zen 3
// core). Relaxed SIMD ships in Chrome and Edge 114+ and Node 22+; Node 20
// has it behind --experimental-wasm-relaxed-simd.

const MR: i32 = 4;
const NR: i32 = 8;
/** Depth of one packed block: a KC×NR strip of B (8 KiB) stays in L1. */
const KC: i32 = 256;
/** Rows of A packed at once: MC×KC floats (128 KiB) stay in L2. */
const MC: i32 = 128;
/** Columns of B packed at once: KC×NC floats (2 MiB) stay in L3. */
const NC: i32 = 2048;

/** Bytes of scratch one `gemm` call needs at `work`: packed A, packed B and one edge tile. */
export function workBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 4;
}

/** c + a·b, fused where the build and the CPU allow (see the top of the file). */
// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * madd(x, x, y) in lane 0. The backend calls it with x = 1 + 2⁻¹² and
 * y = −(1 + 2⁻¹¹): the exact result is 2⁻²⁴, but 0 once x² is rounded to
 * float32, so it tells whether a fused multiply-add ran. Relaxed SIMD lets an
 * engine run relaxed_madd unfused, so the backend asks rather than assumes
 * (arguments, not constants, so that the compiler cannot fold it away).
 */
export function maddProbe(x: f32, y: f32): f32 {
  return f32x4.extract_lane(madd(f32x4.splat(x), f32x4.splat(x), f32x4.splat(y)), 0);
}

/** Store the 4×4 transpose of rows r0..r3 as four vectors `stride` bytes apart. */
// @ts-ignore: decorator
@inline
function storeTransposed(dst: usize, stride: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/** Copy an mc×kc block of op(A) into strips of MR rows, p-major inside a strip, zero-padded. */
function packA(a: usize, rs: i32, cs: i32, mc: i32, kc: i32, dst: usize): void {
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const mr = min(MR, mc - i0);
    if (mr == MR && cs == 1) {
      // Row-major A: MR row pointers walk forward together.
      const r0 = a + (<usize>(i0 * rs) << 2);
      const step = <usize>rs << 2;
      let p = 0;
      // Four p at a time: load 4 values of each row, transpose in registers.
      for (; p + 4 <= kc; p += 4) {
        const q = r0 + (<usize>p << 2);
        storeTransposed(dst, MR << 2, v128.load(q), v128.load(q + step), v128.load(q + 2 * step), v128.load(q + 3 * step));
        dst += MR << 4;
      }
      for (; p < kc; p++) {
        const q = r0 + (<usize>p << 2);
        store<f32>(dst, load<f32>(q));
        store<f32>(dst, load<f32>(q + step), 4);
        store<f32>(dst, load<f32>(q + 2 * step), 8);
        store<f32>(dst, load<f32>(q + 3 * step), 12);
        dst += MR << 2;
      }
    } else if (mr == MR && rs == 1) {
      // Transposed A: the MR values of one p are contiguous.
      let src = a + (<usize>i0 << 2);
      const step = <usize>cs << 2;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        src += step;
        dst += MR << 2;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let i = 0; i < MR; i++) {
          const v: f32 = i < mr ? load<f32>(a + (<usize>((i0 + i) * rs + p * cs) << 2)) : 0;
          store<f32>(dst, v);
          dst += 4;
        }
      }
    }
  }
}

/** Copy a kc×nc block of op(B) into strips of NR columns, p-major inside a strip, zero-padded. */
function packB(b: usize, rs: i32, cs: i32, kc: i32, nc: i32, dst: usize): void {
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const nr = min(NR, nc - j0);
    if (nr == NR && cs == 1) {
      // Row-major B: each row of the strip is two contiguous vectors.
      let src = b + (<usize>j0 << 2);
      const step = <usize>rs << 2;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += step;
        dst += NR << 2;
      }
    } else if (nr == NR && rs == 1) {
      // Transposed B (n×k row-major): 8 rows, each contiguous in p; transpose 4×4 blocks.
      const step = <usize>cs << 2;
      const c0 = b + (<usize>(j0 * cs) << 2);
      const c4 = c0 + 4 * step;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p << 2;
        storeTransposed(dst, NR << 2, v128.load(c0 + o), v128.load(c0 + step + o), v128.load(c0 + 2 * step + o), v128.load(c0 + 3 * step + o));
        storeTransposed(dst + 16, NR << 2, v128.load(c4 + o), v128.load(c4 + step + o), v128.load(c4 + 2 * step + o), v128.load(c4 + 3 * step + o));
        dst += NR << 4;
      }
      for (; p < kc; p++) {
        for (let j = 0; j < NR; j++) store<f32>(dst + (<usize>j << 2), load<f32>(c0 + (<usize>j) * step + (<usize>p << 2)));
        dst += NR << 2;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let j = 0; j < NR; j++) {
          const v: f32 = j < nr ? load<f32>(b + (<usize>(p * rs + (j0 + j) * cs) << 2)) : 0;
          store<f32>(dst, v);
          dst += 4;
        }
      }
    }
  }
}

/**
 * The micro-kernel: the MR×NR tile of C at c (row stride ldc bytes) becomes
 * (or, when acc, gains) the product of one packed A strip and one packed B
 * strip of depth kc.
 */
// @ts-ignore: decorator
@inline
function kernel(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    pa += MR << 2;
    pb += NR << 2;
  }
  if (acc) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldc));
    c11 = f32x4.add(c11, v128.load(c + ldc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldc));
    c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldc));
    c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  c += ldc;
  v128.store(c, c10);
  v128.store(c, c11, 16);
  c += ldc;
  v128.store(c, c20);
  v128.store(c, c21, 16);
  c += ldc;
  v128.store(c, c30);
  v128.store(c, c31, 16);
}

/**
 * C = op(A)·op(B) (or C += when accumulate != 0) for C m×n with row stride
 * ldc floats. `work` points at workBytes() of scratch owned by this call:
 * threads running at once each need their own.
 */
export function gemm(
  m: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32,
  work: usize, accumulate: i32,
): void {
  const packedA = work;
  const packedB = work + <usize>(MC * KC * 4);
  const tile = packedB + <usize>(KC * NC * 4);
  const ldcBytes = <usize>ldc << 2;
  if (k == 0) {
    // An empty sum: C is zero (or unchanged).
    if (accumulate == 0) for (let i = 0; i < m; i++) memory.fill(c + (<usize>i) * ldcBytes, 0, <usize>n << 2);
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const acc = accumulate != 0 || pc > 0;
      packB(b + (<usize>(pc * rsB + jc * csB) << 2), rsB, csB, kc, nc, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a + (<usize>(ic * rsA + pc * csA) << 2), rsA, csA, mc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = packedB + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const pa = packedA + (<usize>(ir * kc) << 2);
            const cij = c + (<usize>((ic + ir) * ldc + jc + jr) << 2);
            if (mr == MR && nr == NR) {
              if (acc) kernel(kc, pa, pb, cij, ldcBytes, true);
              else kernel(kc, pa, pb, cij, ldcBytes, false);
            } else {
              // Ragged edge: compute a full tile into scratch, copy the valid part.
              kernel(kc, pa, pb, tile, <usize>(NR * 4), false);
              for (let i = 0; i < mr; i++) {
                for (let j = 0; j < nr; j++) {
                  const dst = cij + (<usize>i) * ldcBytes + (<usize>j << 2);
                  const v = load<f32>(tile + (<usize>(i * NR + j) << 2));
                  store<f32>(dst, acc ? load<f32>(dst) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}
