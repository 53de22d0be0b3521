import type { Device } from '../backend.js';
import { DeviceError, ShapeError, StateError } from '../errors.js';
import { arange, full, ones, rand, randn, tensor, zeros } from '../creation.js';
import { scope, memory } from '../memory.js';
import { manualSeed } from '../random.js';
import { getBackend, listDevices } from '../registry.js';
import { noGrad } from '../state.js';
import type { Tensor } from '../tensor.js';
import { matmulT, where } from '../ops/index.js';
import { assertClose, assertShape, assertThrows, maxAbsDiff } from './assert.js';
import { assertGradcheckAsync } from './gradcheck.js';
import { leakChecked } from './leaks.js';
import { seedForwardBackward, seedNet } from './seed.js';
import { addIndexingCases, indexingGradCases } from './indexing.cases.js';
import { MATMUL_BATCHED } from './matmul-batched.generated.js';
import { addElementwise2Cases } from './elementwise2.cases.js';
import { addReduceArgCases, reduceArgGradCases } from './reduce-arg.cases.js';
import { addDTypeCases } from './dtype.cases.js';
import { POW_BASES, POW_EXPONENTS, POW_SCALAR_TENSOR, POW_TENSOR_SCALAR, POW_TENSOR_TENSOR } from './pow-corners.generated.js';

/** One conformance check, runnable on any registered device. */
export interface ConformanceCase {
  /** `group: what`, e.g. `matmul: transposed operands`. */
  name: string;
  /** Throws on failure. Async because some devices read back only asynchronously. */
  run(ctx: ConformanceContext): void | Promise<void>;
}

/** Where a case runs, and what it may compare against. */
export interface ConformanceContext {
  device: Device;
  /** A device to cross-check random inputs against (the cpu reference), when registered and different. */
  reference?: Device;
  /** Tolerance for float32 results of kernels that may sum in another order (default 1e-4). */
  tol?: number;
}

async function read(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

const cases: ConformanceCase[] = [];
// Every case runs under the leak check: live buffers before and after it must be equal on every device.
function add(name: string, run: ConformanceCase['run']): void {
  cases.push({ name, run: (ctx) => leakChecked(`conformance case '${name}' on '${ctx.device}'`, () => run(ctx)) });
}

// Inputs kept away from 0 so that finite differences never straddle a kink.
function awayFromZero(shape: number[], device: Device, seed: number): Tensor {
  manualSeed(seed);
  const r = rand(shape, { device, low: 0.2, high: 1.5 });
  const s = rand(shape, { device });
  return noGrad(() => where(s.gt(0.5), r, r.neg()));
}

// ---------------------------------------------------------------- creation
add('creation: tensor from nested arrays and typed data', async ({ device }) => {
  const a = tensor([[1, 2, 3], [4, 5, 6]], { device });
  assertShape(a, [2, 3]);
  assertClose(await read(a), [1, 2, 3, 4, 5, 6]);
  const b = tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2], device });
  assertClose(await read(b), [1, 2, 3, 4]);
  const s = tensor(3.5, { device });
  assertShape(s, []);
  assertClose(await read(s), [3.5]);
});

add('creation: zeros, ones, full, arange', async ({ device }) => {
  assertClose(await read(zeros([2, 2], { device })), [0, 0, 0, 0]);
  assertClose(await read(ones([3], { device })), [1, 1, 1]);
  assertClose(await read(full([2], 7, { device })), [7, 7]);
  assertClose(await read(arange(0, 5, 2, { device })), [0, 2, 4]);
});

add('creation: randn and rand are seeded and identical on every device', async ({ device, reference }) => {
  manualSeed(42);
  const a = await read(randn([1000], { device }));
  manualSeed(42);
  const b = await read(randn([1000], { device: reference ?? device }));
  assertClose(a, b, { atol: 0, rtol: 0 }, 'same seed, same numbers');
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
  if (Math.abs(mean) > 0.1 || Math.abs(variance - 1) > 0.15) throw new Error(`randn statistics off: mean ${mean}, variance ${variance}`);
  manualSeed(1);
  const u = await read(rand([1000], { device }));
  if (u.some((v) => v < 0 || v >= 1)) throw new Error('rand outside [0, 1)');
});

// ---------------------------------------------------------------- elementwise
add('elementwise: add/sub/mul/div with tensors', async ({ device }) => {
  const a = tensor([[1, 2], [3, 4]], { device });
  const b = tensor([[5, 6], [7, 8]], { device });
  assertClose(await read(a.add(b)), [6, 8, 10, 12]);
  assertClose(await read(a.sub(b)), [-4, -4, -4, -4]);
  assertClose(await read(a.mul(b)), [5, 12, 21, 32]);
  assertClose(await read(a.div(b)), [1 / 5, 2 / 6, 3 / 7, 4 / 8]);
});

add('elementwise: broadcasting row, column and scalar tensors', async ({ device }) => {
  const a = tensor([[1, 2, 3], [4, 5, 6]], { device });
  const row = tensor([10, 20, 30], { device });
  const col = tensor([[100], [200]], { device });
  const s = tensor(2, { device });
  assertClose(await read(a.add(row)), [11, 22, 33, 14, 25, 36]);
  assertClose(await read(a.add(col)), [101, 102, 103, 204, 205, 206]);
  assertClose(await read(col.sub(row)), [90, 80, 70, 190, 180, 170]);
  assertShape(col.sub(row), [2, 3]);
  assertClose(await read(a.mul(s)), [2, 4, 6, 8, 10, 12]);
});

add('elementwise: scalar operands on either side', async ({ device }) => {
  const a = tensor([1, 2, 4], { device });
  assertClose(await read(a.add(1)), [2, 3, 5]);
  assertClose(await read(a.sub(1)), [0, 1, 3]);
  assertClose(await read(a.mul(2)), [2, 4, 8]);
  assertClose(await read(a.div(2)), [0.5, 1, 2]);
  assertClose(await read(a.pow(2)), [1, 4, 16]);
  assertClose(await read(a.pow(0.5)), [1, Math.SQRT2, 2]);
  const { sub, div, pow } = await import('../ops/index.js');
  assertClose(await read(sub(10, a)), [9, 8, 6]);
  assertClose(await read(div(8, a)), [8, 4, 2]);
  assertClose(await read(pow(2, a)), [2, 4, 16]);
});

add('elementwise: unary ops', async ({ device }) => {
  const a = tensor([-2, -0.5, 0.5, 2], { device });
  const p = tensor([0.25, 1, 4], { device });
  assertClose(await read(a.neg()), [2, 0.5, -0.5, -2]);
  assertClose(await read(a.abs()), [2, 0.5, 0.5, 2]);
  assertClose(await read(a.exp()), [-2, -0.5, 0.5, 2].map(Math.exp), { rtol: 1e-5 });
  assertClose(await read(p.log()), [0.25, 1, 4].map(Math.log), { atol: 1e-6, rtol: 1e-5 });
  assertClose(await read(p.sqrt()), [0.5, 1, 2]);
  assertClose(await read(a.tanh()), [-2, -0.5, 0.5, 2].map(Math.tanh), { rtol: 1e-5 });
  assertClose(await read(a.sigmoid()), [-2, -0.5, 0.5, 2].map((x) => 1 / (1 + Math.exp(-x))), { rtol: 1e-5 });
  assertClose(await read(a.relu()), [0, 0, 0.5, 2]);
});

add('elementwise: clamp with min, max and both', async ({ device }) => {
  const a = tensor([-2, -0.5, 0, 0.5, 2], { device });
  assertClose(await read(a.clamp({ min: 0 })), [0, 0, 0, 0.5, 2]);
  assertClose(await read(a.clamp({ max: 0 })), [-2, -0.5, 0, 0, 0]);
  assertClose(await read(a.clamp({ min: -1, max: 1 })), [-1, -0.5, 0, 0.5, 1]);
});

add('elementwise: maximum and minimum', async ({ device }) => {
  const a = tensor([1, 5, 3], { device });
  const b = tensor([4, 2, 3], { device });
  assertClose(await read(a.maximum(b)), [4, 5, 3]);
  assertClose(await read(a.minimum(b)), [1, 2, 3]);
  assertClose(await read(a.maximum(2)), [2, 5, 3]);
});

add('elementwise: NaN and ±Inf pass through relu, clamp, maximum, minimum and max as in PyTorch', async ({ device }) => {
  const a = tensor([NaN, -1, 2, -Infinity, Infinity], { device });
  const ones5 = tensor([1, 1, 1, 1, 1], { device });
  assertClose(await read(a.relu()), [NaN, 0, 2, 0, Infinity], {}, 'relu');
  assertClose(await read(a.clamp({ min: 0 })), [NaN, 0, 2, 0, Infinity], {}, 'clamp min');
  assertClose(await read(a.clamp({ max: 0 })), [NaN, -1, 0, -Infinity, 0], {}, 'clamp max');
  assertClose(await read(a.maximum(1)), [NaN, 1, 2, 1, Infinity], {}, 'maximum, NaN on the left');
  assertClose(await read(ones5.maximum(a)), [NaN, 1, 2, 1, Infinity], {}, 'maximum, NaN on the right');
  assertClose(await read(a.minimum(1)), [NaN, -1, 1, -Infinity, 1], {}, 'minimum, NaN on the left');
  assertClose(await read(ones5.minimum(a)), [NaN, -1, 1, -Infinity, 1], {}, 'minimum, NaN on the right');
  // A reduction over a NaN is NaN, wherever the NaN sits.
  assertClose(await read(a.max()), [NaN], {}, 'max over a NaN');
  assertClose(await read(tensor([[1, NaN], [NaN, 2], [3, 4]], { device }).max(1)), [NaN, NaN, 4], {}, 'max along a dim');
});

add('elementwise: exp, log, sqrt, tanh, sigmoid at NaN, ±Inf, ±0 and negatives, as PyTorch', async ({ device }) => {
  // Expected values from torch 1.13 float32 (exp(NaN) is NaN, log(0) = -Inf, log(-1) = NaN, sigmoid(NaN) = NaN).
  const x = tensor([NaN, -1, 0, -0, Infinity, -Infinity, 2], { device });
  const tol = { atol: 0, rtol: 1e-5 };
  assertClose(await read(x.exp()), [NaN, 0.3678794503211975, 1, 1, Infinity, 0, 7.389056205749512], tol, 'exp');
  assertClose(await read(x.log()), [NaN, NaN, -Infinity, -Infinity, Infinity, NaN, 0.6931471824645996], tol, 'log');
  assertClose(await read(x.sqrt()), [NaN, NaN, 0, 0, Infinity, NaN, 1.4142135381698608], tol, 'sqrt');
  assertClose(await read(x.tanh()), [NaN, -0.7615941762924194, 0, 0, 1, -1, 0.9640275835990906], tol, 'tanh');
  assertClose(await read(x.sigmoid()), [NaN, 0.2689414322376251, 0.5, 0.5, 1, 0, 0.8807970285415649], tol, 'sigmoid');
});

add('elementwise: sin and cos and their gradients, as PyTorch', async ({ device }) => {
  // Expected values from torch float32 (scripts/make_sin_cos.py). The absolute tolerance covers
  // sin(π) = -8.7e-8, where a GPU's sin is a few 1e-7 off in absolute terms.
  const tol = { atol: 2e-6, rtol: 1e-5 };
  const x = tensor([-3, -1.5, -0.5, 0, 0.25, 1, 2, 3.1415927410125732, 6], { device, requiresGrad: true });
  const s = x.sin();
  const c = x.cos();
  assertClose(await read(s), [-0.14112000167369843, -0.9974949955940247, -0.4794255495071411, 0, 0.24740396440029144, 0.8414709568023682, 0.9092974066734314, -8.742277657347586e-8, -0.279415488243103], tol, 'sin');
  assertClose(await read(c), [-0.9899924993515015, 0.07073719799518585, 0.8775825500488281, 1, 0.9689124226570129, 0.5403023362159729, -0.416146844625473, -1, 0.9601702690124512], tol, 'cos');
  s.mul(2).add(c.mul(3)).sum().backward();
  assertClose(await read(x.grad!), [-1.5566250085830688, 3.1339595317840576, 3.193441867828369, 2, 1.195612907409668, -1.4438081979751587, -3.5601859092712402, -1.999999761581421, 2.758586883544922], tol, 'd(2 sin x + 3 cos x)/dx');
});

// log1p … softplus, softmax, logSoftmax, logsumexp, var, std, cumsum (their own file).
addElementwise2Cases(add);

add('elementwise: pow at NaN, ±Inf, ±0, ±1 and negative bases, as PyTorch (table from torch)', async ({ device }) => {
  // Special values must be exact; finite ones within a few float32 ulps (GPU pow is exp2(b·log2 a)).
  const tol = { atol: 0, rtol: 1e-5 };
  const nb = POW_BASES.length;
  const ne = POW_EXPONENTS.length;
  const base = tensor(POW_BASES as number[], { device });
  const exps = tensor(POW_EXPONENTS as number[], { device });
  // tensor ** tensor, same shapes (every base against every exponent, flattened) and broadcast ([nb,1] ** [1,ne]).
  const flatBases = tensor(POW_BASES.flatMap((b) => POW_EXPONENTS.map(() => b)), { device });
  const flatExps = tensor(POW_BASES.flatMap(() => POW_EXPONENTS as number[]), { device });
  const want = POW_TENSOR_TENSOR.flat();
  assertClose(await read(flatBases.pow(flatExps)), want, tol, 'tensor ** tensor');
  assertClose(await read(base.reshape(nb, 1).pow(exps.reshape(1, ne))), want, tol, 'tensor ** tensor, broadcast');
  for (let j = 0; j < ne; j++) {
    const e = POW_EXPONENTS[j]!;
    assertClose(await read(base.pow(e)), POW_TENSOR_SCALAR[j]!, tol, `tensor ** ${e}`);
    // A one-element exponent tensor is plain pow, not the scalar form (they differ at 0.5 and -0.5).
    assertClose(await read(base.pow(tensor([e], { device }))), POW_TENSOR_TENSOR.map((r) => r[j]!), tol, `tensor ** tensor([${e}])`);
  }
  const { pow } = await import('../ops/index.js');
  for (let i = 0; i < nb; i++) {
    assertClose(await read(pow(POW_BASES[i]!, exps)), POW_SCALAR_TENSOR[i]!, tol, `${POW_BASES[i]} ** tensor`);
  }
});

add('compare: lt gt le ge eq give 1/0 masks, with broadcasting', async ({ device }) => {
  const a = tensor([[1, 2, 3]], { device });
  const b = tensor([[2], [3]], { device });
  assertClose(await read(a.lt(2)), [1, 0, 0]);
  assertClose(await read(a.gt(2)), [0, 0, 1]);
  assertClose(await read(a.le(2)), [1, 1, 0]);
  assertClose(await read(a.ge(2)), [0, 1, 1]);
  assertClose(await read(a.eq(2)), [0, 1, 0]);
  assertClose(await read(a.lt(b)), [1, 0, 0, 1, 1, 0]);
  if (a.lt(2).requiresGrad) throw new Error('masks must not require grad');
});

add('select: where and maskedFill', async ({ device }) => {
  const m = tensor([1, 0, 1, 0], { device });
  const a = tensor([1, 2, 3, 4], { device });
  const b = tensor([10, 20, 30, 40], { device });
  assertClose(await read(where(m, a, b)), [1, 20, 3, 40]);
  assertClose(await read(where(m, a, 0)), [1, 0, 3, 0]);
  assertClose(await read(a.maskedFill(m, -1)), [-1, 2, -1, 4]);
  const h = tensor([[-1, 2], [3, -4]], { device });
  const g = tensor([[5, 6], [7, 8]], { device });
  g.maskedFill_(h.lt(0), 0);
  assertClose(await read(g), [0, 6, 7, 0]);
});

// ---------------------------------------------------------------- linear algebra
add('matmul: mm of small matrices', async ({ device }) => {
  const a = tensor([[1, 2, 3], [4, 5, 6]], { device });
  const b = tensor([[7, 8], [9, 10], [11, 12]], { device });
  const c = a.mm(b);
  assertShape(c, [2, 2]);
  assertClose(await read(c), [58, 64, 139, 154]);
});

add('matmul: every transpose combination', async ({ device }) => {
  const a = tensor([[1, 2, 3], [4, 5, 6]], { device }); // 2×3
  const b = tensor([[1, 0], [0, 1], [1, 1]], { device }); // 3×2
  const at = a.t();
  const bt = b.t();
  const expected = [4, 5, 10, 11];
  assertClose(await read(matmulT(a, b, false, false)), expected);
  assertClose(await read(matmulT(at, b, true, false)), expected);
  assertClose(await read(matmulT(a, bt, false, true)), expected);
  assertClose(await read(matmulT(at, bt, true, true)), expected);
});

add('matmul: odd shapes agree with the reference (1×1, primes, tall, wide)', async ({ device, reference, tol }) => {
  const shapes: [number, number, number][] = [[1, 1, 1], [1, 7, 1], [7, 13, 5], [31, 3, 17], [3, 64, 2], [97, 61, 53], [1, 130, 67]];
  for (const [m, k, n] of shapes) {
    manualSeed(m * 1000 + k * 10 + n);
    const a = randn([m, k], { device });
    const b = randn([k, n], { device });
    const got = await read(a.mm(b));
    const ha = await read(a);
    const hb = await read(b);
    const want = new Array<number>(m * n).fill(0);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += ha[i * k + p]! * hb[p * n + j]!;
      want[i * n + j] = s;
    }
    assertClose(got, want, { atol: (tol ?? 1e-4) * Math.sqrt(k) * 4, rtol: 1e-4 }, `mm ${m}×${k}·${k}×${n}`);
    if (reference) {
      const ra = tensor(new Float32Array(ha), { shape: [m, k], device: reference });
      const rb = tensor(new Float32Array(hb), { shape: [k, n], device: reference });
      assertClose(got, await read(ra.mm(rb)), { atol: (tol ?? 1e-4) * Math.sqrt(k) * 4, rtol: 1e-4 }, `mm vs ${reference}`);
    }
  }
});

add('matmul: vectors (matmul) and the inner-size error', async ({ device }) => {
  const m = tensor([[1, 2], [3, 4]], { device });
  const v = tensor([1, 1], { device });
  assertClose(await read(m.matmul(v)), [3, 7]);
  assertClose(await read(v.matmul(m)), [4, 6]);
  assertClose(await read(v.matmul(v)), [2]);
  assertThrows(() => m.mm(tensor([[1, 2, 3]], { device })), ShapeError, /mm/, /\[2, 2\]/, /\[1, 3\]/, /\.t\(\)/);
});

// torch.matmul's rules for every rank and torch.bmm, forward and gradients, against
// PyTorch's numbers (scripts/make_matmul_batched.py). Exact cases (inputs in eighths)
// must match to the bit on every backend: any summation order gives PyTorch's value.
add('matmul: batched products and their gradients match PyTorch (broadcast, 1-D, bmm, transposed views, empty, Inf/NaN)', async ({ device, tol }) => {
  const f32 = (xs: readonly number[]): number[] => xs.map(Math.fround);
  for (const c of MATMUL_BATCHED) {
    const grad = c.g !== undefined;
    const a = tensor(new Float32Array(c.a.data), { shape: c.a.shape, device, requiresGrad: grad });
    const b = tensor(new Float32Array(c.b.data), { shape: c.b.shape, device, requiresGrad: grad });
    const out = c.op === 'bmm' ? a.bmm(b) : c.op === 'matmulMT' ? a.transpose(-2, -1).matmul(b) : a.matmul(b);
    assertShape(out, c.out.shape, c.name);
    // A general-float sum may run in another order than PyTorch's: its error grows with √k.
    const k = c.a.shape[c.op === 'matmulMT' ? c.a.shape.length - 2 : c.a.shape.length - 1]!;
    const close = c.exact ? { atol: 0, rtol: 0 } : { atol: (tol ?? 1e-4) * Math.sqrt(k) * 4, rtol: 1e-4 };
    assertClose(await read(out), f32(c.out.data), close, `${c.name}: value`);
    if (!grad) continue;
    out.mul(tensor(new Float32Array(c.g!), { shape: c.out.shape, device })).sum().backward();
    assertClose(await read(a.grad!), f32(c.gradA!), close, `${c.name}: gradient of a`);
    assertClose(await read(b.grad!), f32(c.gradB!), close, `${c.name}: gradient of b`);
  }
});

add('matmul: a batched product is one kernel launch, a broadcast operand read in place (no copy)', async ({ device }) => {
  manualSeed(5);
  const a = randn([2, 1, 3, 4], { device });
  const b = randn([5, 4, 6], { device });
  const x = randn([3, 2, 5], { device });
  const xt = randn([3, 5, 2], { device });
  const y = randn([3, 5, 4], { device });
  const kernels = (): number => memory()[device]!.kernels;
  const before = kernels();
  const p = a.matmul(b); // [2,5,3,6]: both operands broadcast
  const q = x.bmm(y);
  const r = xt.transpose(1, 2).bmm(y); // a transposed view, read in place
  // A backend may defer a product until it is read (gpu's tree fusion): count through the reads.
  const got = [await read(p), await read(q), await read(r)];
  if (kernels() - before !== 3) throw new Error(`three batched products launched ${kernels() - before} kernels, expected one each (no copy of a broadcast or transposed operand)`);
  assertShape(p, [2, 5, 3, 6]);
  assertShape(q, [3, 2, 4]);
  // The same product of a row-major copy of the view.
  assertClose(got[2]!, await read(xt.transpose(1, 2).reshape(3, 2, 5).bmm(y)), { atol: 1e-6, rtol: 1e-6 }, 'bmm of a transposed view');
});

add('matmul: shape errors name the op, the shapes and the fix', async ({ device }) => {
  const z = (...shape: number[]) => zeros(shape, { device });
  assertThrows(() => z(2, 3, 4).matmul(z(2, 5, 6)), ShapeError, /matmul/, /\[2, 3, 4\]/, /\[2, 5, 6\]/, /inner sizes differ/, /transpose\(-2, -1\)/);
  assertThrows(() => z(2, 3, 4).matmul(z(3, 4, 5)), ShapeError, /matmul/, /batch dims/, /\[2\] against \[3\]/, /broadcast/);
  assertThrows(() => z(3).matmul(z(4)), ShapeError, /matmul/, /\[3\] · \[4\]/);
  assertThrows(() => z(2, 3).matmul(z(2, 4, 5)), ShapeError, /matmul/, /\[2, 3\]/, /\[2, 4, 5\]/);
  assertThrows(() => tensor(2, { device }).matmul(z(2)), ShapeError, /matmul/, /at least 1 dim/, /mul/);
  assertThrows(() => z(2, 3, 4).bmm(z(2, 4)), ShapeError, /bmm/, /3-D/, /\[2, 3, 4\]/, /\[2, 4\]/, /matmul/);
  assertThrows(() => z(2, 3, 4).bmm(z(3, 4, 5)), ShapeError, /bmm/, /batch sizes differ/, /2 and 3/, /does not broadcast/);
  assertThrows(() => z(1, 3, 4).bmm(z(3, 4, 5)), ShapeError, /bmm/, /does not broadcast/, /matmul/);
  assertThrows(() => z(2, 3, 4).bmm(z(2, 5, 4)), ShapeError, /bmm/, /inner sizes differ/);
  assertThrows(() => z(2, 3, 4).mm(z(4, 5)), ShapeError, /mm/, /2-D/, /matmul/, /bmm/);
});

// ---------------------------------------------------------------- shape
add('shape: t, transpose, permute, reshape, expand', async ({ device }) => {
  const a = tensor([[1, 2, 3], [4, 5, 6]], { device });
  assertShape(a.t(), [3, 2]);
  assertClose(await read(a.t()), [1, 4, 2, 5, 3, 6]);
  const x = arange(24, undefined, 1, { device }).reshape(2, 3, 4);
  const p = x.permute(2, 0, 1);
  assertShape(p, [4, 2, 3]);
  assertClose((await read(p)).slice(0, 6), [0, 4, 8, 12, 16, 20]);
  assertShape(x.transpose(0, 2), [4, 3, 2]);
  assertClose(await read(a.reshape(3, -1)), [1, 2, 3, 4, 5, 6]);
  assertShape(a.reshape(3, -1), [3, 2]);
  assertClose(await read(tensor([[1], [2]], { device }).expand(2, 3)), [1, 1, 1, 2, 2, 2]);
  assertThrows(() => a.reshape(4, 2), ShapeError, /reshape/, /6/);
});

// ---------------------------------------------------------------- reductions
add('reduce: sum, mean, max over all and along dims', async ({ device }) => {
  const a = tensor([[1, 2, 3], [4, 5, 6]], { device });
  assertClose(await read(a.sum()), [21]);
  assertShape(a.sum(), []);
  assertClose(await read(a.sum(0)), [5, 7, 9]);
  assertClose(await read(a.sum(1)), [6, 15]);
  assertShape(a.sum(1, true), [2, 1]);
  assertClose(await read(a.sum(-1)), [6, 15]);
  assertClose(await read(a.mean()), [3.5]);
  assertClose(await read(a.mean(0)), [2.5, 3.5, 4.5]);
  assertClose(await read(a.max()), [6]);
  assertClose(await read(a.max(1)), [3, 6]);
  const big = ones([257, 129], { device });
  assertClose(await read(big.sum()), [257 * 129]);
  assertClose(await read(big.sum(0)), new Array(129).fill(257));
});

// ---------------------------------------------------------------- size-0 dimensions
// PyTorch's results for empty tensors: a sum over nothing is 0, a mean 0/0 = NaN,
// an [m,0]·[0,n] product is m×n zeros, and every op on an empty tensor gives an
// empty tensor of the broadcast shape. No backend may launch a kernel on no data.
add('empty: reductions over a size-0 dimension (sum 0, mean NaN, as PyTorch)', async ({ device }) => {
  const a = zeros([2, 0], { device });
  assertShape(a.sum(1), [2]);
  assertClose(await read(a.sum(1)), [0, 0], {}, 'sum(1) of [2, 0]');
  assertShape(a.sum(0), [0]);
  assertClose(await read(a.sum(0)), [], {}, 'sum(0) of [2, 0]');
  assertClose(await read(a.sum()), [0], {}, 'sum() of [2, 0]');
  assertShape(a.sum(1, true), [2, 1]);
  assertClose(await read(a.mean(1)), [NaN, NaN], {}, 'mean(1) of [2, 0]');
  assertClose(await read(a.mean()), [NaN], {}, 'mean() of [2, 0]');
  assertShape(a.max(0), [0]);
  assertClose(await read(a.max(0)), [], {}, 'max(0) of [2, 0] reduces a size-2 dim: empty result');
  assertClose(await read(zeros([0, 3, 0], { device }).sum([0, 2])), [0, 0, 0], {}, 'sum over two empty dims');
});

add('empty: [m,0]·[0,n] is m×n zeros; products with an empty output are empty', async ({ device }) => {
  const c = zeros([2, 0], { device }).mm(zeros([0, 3], { device }));
  assertShape(c, [2, 3]);
  assertClose(await read(c), [0, 0, 0, 0, 0, 0], {}, '[2,0]·[0,3]');
  assertClose(await read(matmulT(zeros([0, 2], { device }), zeros([3, 0], { device }), true, true)), [0, 0, 0, 0, 0, 0], {}, 'transposed [0,2]ᵀ·[3,0]ᵀ');
  assertShape(zeros([0, 5], { device }).mm(ones([5, 3], { device })), [0, 3]);
  assertShape(ones([2, 5], { device }).mm(zeros([5, 0], { device })), [2, 0]);
  assertClose(await read(ones([2, 5], { device }).mm(zeros([5, 0], { device }))), [], {}, '[2,5]·[5,0]');
});

add('empty: elementwise, where, expand, permute and reshape of size-0 tensors', async ({ device }) => {
  const e = zeros([0, 5], { device });
  for (const [label, t, shape] of [
    ['add a row', e.add(ones([5], { device })), [0, 5]],
    ['scalar mul', e.mul(2), [0, 5]],
    ['exp', e.exp(), [0, 5]],
    ['lt', e.lt(1), [0, 5]],
    ['where', where(e.gt(0), e, ones([1, 5], { device })), [0, 5]],
    ['expand [1,0] to [3,0]', zeros([1, 0], { device }).expand(3, 0), [3, 0]],
    ['t', e.t(), [5, 0]],
    ['reshape', e.reshape(5, 0), [5, 0]],
    ['broadcast [2,1]+[0] → [2,0]', ones([2, 1], { device }).add(zeros([0], { device })), [2, 0]],
  ] as [string, Tensor, number[]][]) {
    assertShape(t, shape, label);
    assertClose(await read(t), [], {}, label);
  }
});

add('empty: Linear(0, 5) forward and backward (x·Wᵀ + b with no inputs) give PyTorch\'s zeros and bias', async ({ device }) => {
  // What @nn/layers' Linear computes; PyTorch: y = b on every row, dW = zeros [5, 0], db = batch size.
  const x = zeros([4, 0], { device, requiresGrad: true });
  const w = zeros([5, 0], { device, requiresGrad: true });
  const b = tensor([1, 2, 3, 4, 5], { device, requiresGrad: true });
  const y = matmulT(x, w, false, true).add(b);
  assertShape(y, [4, 5]);
  assertClose(await read(y), [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5], {}, 'forward');
  y.sum().backward();
  assertShape(w.grad!, [5, 0], 'weight grad');
  assertShape(x.grad!, [4, 0], 'input grad');
  assertClose(await read(b.grad!), [4, 4, 4, 4, 4], {}, 'bias grad');
});

// ---------------------------------------------------------------- shape and indexing (indexing.cases.ts)
addIndexingCases(add);
addReduceArgCases(add);
addDTypeCases(add);

// ---------------------------------------------------------------- reading & in place
add('read: item, dataSync, toArray, data, clone, detach', async ({ device }) => {
  const a = tensor([[1, 2], [3, 4]], { device });
  assertClose(await read(a.sum()), [10]);
  const b = getBackend(device);
  if (b.readSync) {
    if (a.sum().item() !== 10) throw new Error('item');
    assertClose(a.dataSync(), [1, 2, 3, 4]);
    const arr = a.toArray();
    if (JSON.stringify(arr) !== '[[1,2],[3,4]]') throw new Error(`toArray gave ${JSON.stringify(arr)}`);
  } else {
    assertThrows(() => a.dataSync(), DeviceError, /await t\.data\(\)/);
  }
  const c = a.clone();
  const d = a.detach();
  assertClose(await read(c), [1, 2, 3, 4]);
  assertClose(await read(d), [1, 2, 3, 4]);
  if (JSON.stringify(await a.array()) !== '[[1,2],[3,4]]') throw new Error('array()');
});

add('in place: sub_, add_, mul_, zero_, copy_ change the data and bump the version', async ({ device }) => {
  const a = tensor([1, 2, 3], { device });
  const v0 = a._version;
  a.sub_(tensor([1, 1, 1], { device }));
  assertClose(await read(a), [0, 1, 2]);
  a.add_(2);
  a.mul_(10);
  assertClose(await read(a), [20, 30, 40]);
  a.copy_(tensor([7], { device }));
  assertClose(await read(a), [7, 7, 7]);
  a.zero_();
  assertClose(await read(a), [0, 0, 0]);
  // A diverged tensor zeroes too (NaN·0 and Inf·0 are NaN).
  const d = tensor([NaN, Infinity, -Infinity], { device });
  d.zero_();
  assertClose(await read(d), [0, 0, 0], {}, 'zero_ over NaN and ±Inf');
  if (a._version !== v0 + 5) throw new Error(`version ${a._version}, expected ${v0 + 5}`);
  const w = tensor([1, 2], { device, requiresGrad: true });
  assertThrows(() => w.sub_(1), StateError, /sub_/, /noGrad/);
  noGrad(() => w.sub_(1));
  assertClose(await read(w), [0, 1]);
});

// ---------------------------------------------------------------- memory
add('memory: dispose is idempotent and scope frees intermediates', async ({ device }) => {
  const before = memory()[device]!.buffers;
  const a = tensor([1, 2, 3], { device });
  a.dispose();
  a.dispose();
  if (memory()[device]!.buffers !== before) throw new Error('dispose did not free');
  assertThrows(() => a.add(1), StateError, /disposed/);
  const x = tensor([1, 2, 3], { device });
  const kept = scope(() => x.mul(2).add(1).exp().sum());
  if (memory()[device]!.buffers !== before + 2) throw new Error(`scope leaked: ${memory()[device]!.buffers - before} live, expected 2`);
  x.dispose();
  kept.dispose();
  if (memory()[device]!.buffers !== before) throw new Error('leak after dispose');
});

// ---------------------------------------------------------------- autograd
/** A differentiable function with its input shapes, gradchecked on every backend. */
export type GradCase = readonly [label: string, shapes: number[][], fn: (...x: Tensor[]) => Tensor];

/** The functions the conformance suite gradchecks (every differentiable op, and the two- and three-layer nets). */
export const gradCases: readonly GradCase[] = [
  ['add (broadcast)', [[3, 4], [4]], (a, b) => a.add(b)],
  ['sub (broadcast)', [[3, 1], [1, 4]], (a, b) => a.sub(b)],
  ['mul (broadcast)', [[2, 3], [2, 1]], (a, b) => a.mul(b)],
  ['div', [[2, 3], [2, 3]], (a, b) => a.div(b)],
  ['pow scalar exponent', [[2, 3]], (a) => a.pow(2)],
  ['pow tensor exponent', [[2, 3], [2, 3]], (a, b) => a.abs().pow(b)],
  ['scalar ops', [[2, 3]], (a) => a.mul(3).add(1).sub(0.5).div(2)],
  ['neg exp', [[2, 3]], (a) => a.neg().exp()],
  ['log sqrt of abs', [[2, 3]], (a) => a.abs().log().add(a.abs().sqrt())],
  ['tanh sigmoid', [[2, 3]], (a) => a.tanh().add(a.sigmoid())],
  ['sin cos', [[2, 3]], (a) => a.sin().mul(a.cos().add(2))],
  ['log1p expm1 erf', [[2, 3]], (a) => a.abs().log1p().add(a.expm1()).add(a.erf().mul(2))],
  ['reciprocal rsqrt square', [[2, 3]], (a) => a.reciprocal().add(a.abs().rsqrt()).add(a.square())],
  // Away from integers and half-integers (the inputs are ±[0.2, 1.5]), floor/ceil/round/sign are flat: gradient 0.
  ['sign floor ceil round', [[2, 3]], (a) => a.mul(0.9).sign().add(a.mul(0.9).floor()).add(a.mul(0.9).ceil()).add(a.mul(0.9).round()).add(a)],
  ['leakyRelu elu', [[3, 4]], (a) => a.leakyRelu(0.2).add(a.elu(0.7))],
  ['gelu exact and tanh', [[3, 4]], (a) => a.gelu().add(a.gelu({ approximate: 'tanh' }).mul(2))],
  ['softplus', [[3, 4]], (a) => a.mul(4).softplus().add(a.softplus(2, 1))],
  ['softmax logSoftmax', [[3, 4]], (a) => a.softmax(1).mul(a).add(a.logSoftmax(0))],
  ['logsumexp', [[3, 4]], (a) => a.logsumexp(1).add(a.logsumexp([0, 1], true).sum())],
  ['var std', [[3, 4]], (a) => a.var(1).add(a.std(1, { correction: 0 }))],
  ['cumsum', [[3, 4]], (a) => a.cumsum(1).mul(a).add(a.cumsum(0))],
  ['relu', [[3, 4]], (a) => a.relu()],
  ['clamp min', [[3, 4]], (a) => a.clamp({ min: 0 })],
  ['clamp min max', [[3, 4]], (a) => a.clamp({ min: -0.5, max: 0.5 })],
  ['maximum minimum', [[3, 4], [3, 4]], (a, b) => a.maximum(b).add(a.minimum(b).mul(2))],
  ['mm', [[3, 4], [4, 2]], (a, b) => a.mm(b)],
  ['mm transposed operands', [[4, 3], [2, 4]], (a, b) => matmulT(a, b, true, true)],
  ['matmul broadcast batches', [[2, 1, 3, 4], [3, 4, 2]], (a, b) => a.matmul(b)],
  ['matmul batch · matrix', [[2, 3, 4], [4, 2]], (a, b) => a.matmul(b)],
  ['matmul matrix · batch', [[3, 4], [2, 4, 2]], (a, b) => a.matmul(b)],
  ['matmul vector · batch, batch · vector', [[3], [2, 3, 4], [4]], (v, m, w) => v.matmul(m).matmul(w)],
  ['bmm', [[2, 3, 4], [2, 4, 2]], (a, b) => a.bmm(b)],
  ['bmm of transposed views', [[2, 4, 3], [2, 2, 4]], (a, b) => a.transpose(1, 2).bmm(b.transpose(1, 2))],
  ['t', [[3, 4]], (a) => a.t()],
  ['permute', [[2, 3, 4]], (a) => a.permute(1, 2, 0)],
  ['reshape', [[2, 6]], (a) => a.reshape(3, 4)],
  ['expand', [[3, 1]], (a) => a.expand(3, 4)],
  ['sum all', [[3, 4]], (a) => a.sum()],
  ['sum dim keepdim', [[3, 4]], (a) => a.sum(1, true)],
  ['mean dim', [[3, 4]], (a) => a.mean(0)],
  ['max dim', [[3, 4]], (a) => a.max(1)],
  ['where', [[3, 4], [3, 4]], (a, b) => where(a.gt(0), a, b)],
  ['maskedFill', [[3, 4]], (a) => a.maskedFill(a.lt(0), 0)],
  ['clone', [[3, 4]], (a) => a.clone().mul(2)],
  ['two-layer net', [[4, 5], [5, 3], [3, 2]], (x, w1, w2) => x.mm(w1).clamp({ min: 0 }).mm(w2)],
  ['three-layer net', [[4, 5], [5, 3], [3, 3], [3, 2]], (x, w1, w2, w3) => x.mm(w1).clamp({ min: 0 }).mm(w2).clamp({ min: 0 }).mm(w3)],
  ['squared-error loss', [[4, 2], [4, 2]], (p, y) => p.sub(y).pow(2).sum()],
  ...indexingGradCases,
  ...reduceArgGradCases,
];
gradCases.forEach(([label, shapes, fn], ci) => {
  // Asynchronous reads, so the same check runs where readback is async only (WebGPU).
  add(`gradcheck: ${label}`, async ({ device }) => {
    const inputs = shapes.map((s, i) => awayFromZero(s, device, 100 * ci + i));
    await assertGradcheckAsync(fn, inputs);
  });
});

add('autograd: grads accumulate, zeroGrad clears, detach cuts', async ({ device }) => {
  const w = tensor([1, 2, 3], { device, requiresGrad: true });
  w.mul(2).sum().backward();
  w.mul(3).sum().backward();
  assertClose(await read(w.grad!), [5, 5, 5]);
  w.zeroGrad();
  if (w.grad !== null) throw new Error('zeroGrad');
  const d = w.detach();
  if (d.requiresGrad) throw new Error('detach keeps requiresGrad');
  noGrad(() => {
    if (w.mul(2).requiresGrad) throw new Error('noGrad recorded an op');
  });
  const y = w.mul(w);
  y.backward(tensor([1, 0, 1], { device }));
  assertClose(await read(w.grad!), [2, 0, 6]);
});

for (const sizes of [[8, 6, 5, 2], [8, 6, 5, 4, 2]]) {
  add(`autograd: the seed program's hand-written gradients equal autograd's (${sizes.length - 2} layers)`, async ({ device }) => {
    const { x, y, w } = seedNet(device, { seed: 7, sizes });
    w.forEach((wi) => (wi.requiresGrad = true));
    const { loss, grads } = noGrad(() => seedForwardBackward(x, y, w));
    const yPred = w.reduce((out, wi, i) => (i < w.length - 1 ? out.mm(wi).clamp({ min: 0 }) : out.mm(wi)), x);
    const auto = yPred.sub(y).pow(2).sum();
    auto.backward();
    assertClose(await read(auto), await read(loss), { rtol: 1e-6 }, 'loss');
    for (let i = 0; i < w.length; i++) {
      const d = maxAbsDiff(await read(grads[i]!), await read(w[i]!.grad!));
      if (d > 1e-3) throw new Error(`manual vs autograd: w${i + 1} differs by ${d}`);
    }
  });
}

add('errors: backward on a non-scalar names the fix; in-place after save is caught', ({ device }) => {
  const w = tensor([1, 2], { device, requiresGrad: true });
  assertThrows(() => w.mul(2).backward(), ShapeError, /backward/, /sum\(\)/);
  assertThrows(() => tensor([1], { device }).backward(), StateError, /requiresGrad/);
  const a = tensor([1, 2], { device });
  const y = w.mul(a);
  a.add_(1);
  assertThrows(() => y.sum().backward(), StateError, /in place/);
});

add('devices: mixing devices throws and names .to()', ({ device }) => {
  const other = listDevices().find((d) => d !== device);
  if (!other) return;
  const a = tensor([1, 2], { device });
  const b = tensor([1, 2], { device: other });
  assertThrows(() => a.add(b), DeviceError, /add/, new RegExp(`'${device}'`), new RegExp(`'${other}'`), /\.to\(/);
  // backward(gradient) refuses a gradient on another device at once, before any .grad is touched.
  const w = tensor([1, 2], { device, requiresGrad: true });
  assertThrows(() => w.mul(2).backward(tensor([1, 1], { device: other })), DeviceError, /backward/, new RegExp(`'${other}'`), new RegExp(`\\.to\\('${device}'\\)`));
  if (w.grad !== null) throw new Error('a refused backward wrote w.grad');
});

// PyTorch's numbers (torch float64): selecting gradients use where, so 0·Inf never makes NaN.
add('autograd: gradients that select are 0 where PyTorch gives 0 (not 0·Inf = NaN); ties split 0.5/0.5', async ({ device }) => {
  const grad = async (data: number[], f: (x: Tensor) => Tensor): Promise<number[]> => {
    const x = tensor(data, { device, requiresGrad: true });
    f(x).sum().backward();
    return read(x.grad!);
  };
  assertClose(await grad([-1, 0, 4], (x) => x.clamp({ min: 0 }).sqrt()), [0, Infinity, 0.25], {}, 'clamp({ min: 0 }).sqrt()');
  assertClose(await grad([-1, 0, 4], (x) => x.relu().sqrt()), [0, 0, 0.25], {}, 'relu().sqrt()');
  assertClose(await grad([0, 2, -1], (x) => x.pow(0)), [0, 0, 0], {}, 'pow(0)');
  assertClose(await grad([1, 2], (x) => x.maximum(tensor([2, 1], { device })).mul(Infinity)), [0, Infinity], {}, 'maximum × Inf');
  const a = tensor([1, 2, 3], { device, requiresGrad: true });
  const b = tensor([1, 1, 4], { device, requiresGrad: true });
  a.maximum(b).add(a.minimum(b).mul(10)).sum().backward();
  assertClose(await read(a.grad!), [5.5, 1, 10], {}, 'maximum + 10·minimum, a');
  assertClose(await read(b.grad!), [5.5, 10, 1], {}, 'maximum + 10·minimum, b');
});

add('autograd: a mask that broadcasts the input larger gives a gradient of the input shape', async ({ device }) => {
  // torch: x.masked_fill(m, 0).sum() → x.grad [0, 1, 2]; (where(c, a, b) * k).sum() → a.grad [1, 0, 9], b.grad [11]
  const x = tensor([1, 2, 3], { device, requiresGrad: true });
  x.maskedFill(tensor([[1, 0, 0], [1, 1, 0]], { device }), 0).sum().backward();
  assertShape(x.grad!, [3], 'maskedFill gradient');
  assertClose(await read(x.grad!), [0, 1, 2], {}, 'maskedFill gradient');
  const a = tensor([1, 2, 3], { device, requiresGrad: true });
  const b = tensor([5], { device, requiresGrad: true });
  where(tensor([[1, 0, 1], [0, 0, 1]], { device }), a, b).mul(tensor([[1, 2, 3], [4, 5, 6]], { device })).sum().backward();
  assertShape(a.grad!, [3], 'where gradient of a');
  assertShape(b.grad!, [1], 'where gradient of b');
  assertClose(await read(a.grad!), [1, 0, 9], {}, 'where gradient of a');
  assertClose(await read(b.grad!), [11], {}, 'where gradient of b');
});

add('autograd: backward refuses a changed saved output, a second pass without retainGraph, a gradient of another shape', async ({ device }) => {
  const w = tensor([1, 2], { device, requiresGrad: true });
  const e = w.exp();
  noGrad(() => e.mul_(2));
  assertThrows(() => e.sum().backward(), StateError, /backward/, /saved by exp as its output/, /in place/);
  if (w.grad !== null) throw new Error('a refused backward wrote w.grad');
  const loss = w.exp().sum();
  loss.backward({ retainGraph: true });
  loss.backward();
  assertThrows(() => loss.backward(), StateError, /second time/, /retainGraph: true/);
  assertClose(await read(w.grad!), [2 * Math.E, 2 * Math.E ** 2], { rtol: 1e-5 }, 'two backward passes with retainGraph');
  assertThrows(() => w.mul(2).backward(tensor([[1, 1]], { device })), ShapeError, /backward/, /\[1, 2\]/, /\[2\]/);
});

/** Every conformance case; run each on the device under test. */
export function conformanceCases(): readonly ConformanceCase[] {
  return cases;
}
