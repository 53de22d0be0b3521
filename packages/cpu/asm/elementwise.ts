// Elementwise kernels in WebAssembly SIMD for the ops a training step runs
// on whole weight matrices (w -= lr·g is a scalar multiply and a subtract
// over every weight): four lanes per instruction and no bounds checks, where
// the TypeScript loops do one element at a time. Results equal the
// TypeScript loops (IEEE single precision, NaN propagating, and max, min and
// relu keeping the first operand at a tie of −0 and 0, as PyTorch: wasm's
// f32x4.max/min and f32.max/min order −0 below 0, so they are not used).
//
// Op codes (WASM_OPS in src/wasm/arena.ts): 0 add, 1 sub, 2 mul, 3 div,
// 4 max, 5 min, 6 lt, 7 gt, 8 le, 9 ge, 10 eq, 11 reversed sub (s - x),
// 12 reversed div (s / x).

// @ts-ignore: decorator
@inline
function apply(op: i32, a: v128, b: v128): v128 {
  const one = f32x4.splat(1);
  switch (op) {
    case 0: return f32x4.add(a, b);
    case 1: return f32x4.sub(a, b);
    case 2: return f32x4.mul(a, b);
    case 3: return f32x4.div(a, b);
    // a < b ? b : a, and NaN where b is NaN (a NaN a is kept as a): torch.maximum.
    case 4: return v128.bitselect(b, a, v128.or(f32x4.lt(a, b), f32x4.ne(b, b)));
    case 5: return v128.bitselect(b, a, v128.or(f32x4.gt(a, b), f32x4.ne(b, b)));
    case 6: return v128.and(f32x4.lt(a, b), one);
    case 7: return v128.and(f32x4.gt(a, b), one);
    case 8: return v128.and(f32x4.le(a, b), one);
    case 9: return v128.and(f32x4.ge(a, b), one);
    case 10: return v128.and(f32x4.eq(a, b), one);
    case 11: return f32x4.sub(b, a);
    default: return f32x4.div(b, a);
  }
}

// @ts-ignore: decorator
@inline
function apply1(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return a != a || b != b ? NaN : a < b ? b : a;
    case 5: return a != a || b != b ? NaN : a > b ? b : a;
    case 6: return a < b ? 1 : 0;
    case 7: return a > b ? 1 : 0;
    case 8: return a <= b ? 1 : 0;
    case 9: return a >= b ? 1 : 0;
    case 10: return a == b ? 1 : 0;
    case 11: return b - a;
    case 12: return b / a;
    // An unknown code traps rather than running another op.
    default: return unreachable();
  }
}

/** out[i] = op(x[i], s) for n floats at byte addresses x and out. */
export function scalarOp(op: i32, x: usize, s: f32, out: usize, n: i32): void {
  const vs = f32x4.splat(s);
  let i = 0;
  // One loop per op, so the switch is decided once, outside the loop.
  switch (op) {
    case 0: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(0, v128.load(x + (<usize>i << 2)), vs)); break;
    case 1: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(1, v128.load(x + (<usize>i << 2)), vs)); break;
    case 2: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(2, v128.load(x + (<usize>i << 2)), vs)); break;
    case 3: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(3, v128.load(x + (<usize>i << 2)), vs)); break;
    case 4: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(4, v128.load(x + (<usize>i << 2)), vs)); break;
    case 5: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(5, v128.load(x + (<usize>i << 2)), vs)); break;
    case 6: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(6, v128.load(x + (<usize>i << 2)), vs)); break;
    case 7: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(7, v128.load(x + (<usize>i << 2)), vs)); break;
    case 8: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(8, v128.load(x + (<usize>i << 2)), vs)); break;
    case 9: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(9, v128.load(x + (<usize>i << 2)), vs)); break;
    case 10: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(10, v128.load(x + (<usize>i << 2)), vs)); break;
    case 11: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(11, v128.load(x + (<usize>i << 2)), vs)); break;
    case 12: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(12, v128.load(x + (<usize>i << 2)), vs)); break;
    default: unreachable();
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), apply1(op, load<f32>(x + (<usize>i << 2)), s));
}

/** out[i] = op(a[i], b[i]) for n floats. */
export function binaryOp(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  switch (op) {
    case 0: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(0, v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2)))); break;
    case 1: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(1, v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2)))); break;
    case 2: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(2, v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2)))); break;
    case 3: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(3, v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2)))); break;
    case 4: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(4, v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2)))); break;
    case 5: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(5, v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2)))); break;
    case 6: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(6, v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2)))); break;
    case 7: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(7, v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2)))); break;
    case 8: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(8, v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2)))); break;
    case 9: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(9, v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2)))); break;
    case 10: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), apply(10, v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2)))); break;
    // 11 and 12 (the reversed ops) take a scalar: scalarOp. An unknown code traps.
    default: unreachable();
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), apply1(op, load<f32>(a + (<usize>i << 2)), load<f32>(b + (<usize>i << 2))));
}

/** out[i] = mask[i] != 0 ? a[i] : b[i], where an operand with stride 0 repeats its one value (maskedFill's fill value). */
export function select(mask: usize, a: usize, aStride: i32, b: usize, bStride: i32, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  if (aStride == 0 && bStride == 1) {
    const va = v128.load32_splat(a);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      // lanes where mask == 0 take b; NaN masks count as nonzero, as in the TypeScript loop
      const keepB = f32x4.eq(v128.load(mask + o), zero);
      v128.store(out + o, v128.bitselect(v128.load(b + o), va, keepB));
    }
  } else if (aStride == 1 && bStride == 1) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const keepB = f32x4.eq(v128.load(mask + o), zero);
      v128.store(out + o, v128.bitselect(v128.load(b + o), v128.load(a + o), keepB));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const m = load<f32>(mask + o);
    store<f32>(out + o, m != 0 ? load<f32>(a + ((<usize>(i * aStride)) << 2)) : load<f32>(b + ((<usize>(i * bStride)) << 2)));
  }
}

/** out[i] = x[i] < 0 ? 0 : x[i] (relu; NaN stays NaN and −0 stays −0, as torch.relu). */
export function relu(x: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    // Clear the lanes where x < 0; NaN and −0 compare false, so they stay, as in the TypeScript loop.
    v128.store(out + o, v128.andnot(v, f32x4.lt(v, zero)));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(out + (<usize>i << 2), v < 0 ? 0 : v);
  }
}
