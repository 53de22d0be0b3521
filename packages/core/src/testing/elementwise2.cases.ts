import type { Device } from '../backend.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { tensor } from '../creation.js';
import type { Tensor } from '../tensor.js';
import { assertClose, assertShape, assertThrows, type Tolerance } from './assert.js';
import * as F from './elementwise2.generated.js';
import type { ConformanceCase } from './conformance.js';

// Conformance cases of the elementwise and along-a-dim ops of issue 11 (log1p … softplus,
// softmax, logSoftmax, logsumexp, var, std, cumsum): PyTorch's float32 values at their edges
// and their gradients, from scripts/make_elementwise2.py (elementwise2.generated.ts).

type Add = (name: string, run: ConformanceCase['run']) => void;

async function read(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

// Values (and the gradient of their sum) of one unary op at UNARY_X against PyTorch's.
async function unaryCase(device: Device, f: (x: Tensor) => Tensor, want: readonly number[], wantGrad: readonly number[], tol: Tolerance, what: string): Promise<void> {
  const x = tensor(F.UNARY_X as number[], { device, requiresGrad: true });
  const y = f(x);
  assertClose(await read(y), want as number[], tol, what);
  y.sum().backward();
  assertClose(await read(x.grad!), wantGrad as number[], tol, `d sum(${what})/dx`);
}

// A leaf of `shape` holding `data` (a reshape of a leaf would not be one: its .grad stays null).
function leaf(data: readonly number[], shape: number[], device: Device): Tensor {
  return tensor(new Float32Array(data), { shape, device, requiresGrad: true });
}

// Is each value −0 (true) or +0 (false)? Only the zeros' signs are compared.
async function zeroSigns(t: Tensor): Promise<boolean[]> {
  return (await read(t)).map((v) => Object.is(v, -0));
}

/** Register the cases with the conformance suite's `add`. */
export function addElementwise2Cases(add: Add): void {
  // Finite results within a few float32 ulps (GPU exp/log are a few ulps off); special values exact.
  const tol = { atol: 0, rtol: 1e-5 };
  add('elementwise: log1p, expm1 and erf at NaN, ±Inf, ±0, 1e-30, −1 and large values, with gradients, as PyTorch', async ({ device }) => {
    await unaryCase(device, (x) => x.log1p(), F.UNARY_log1p, F.UNARY_log1p_GRAD, tol, 'log1p');
    await unaryCase(device, (x) => x.expm1(), F.UNARY_expm1, F.UNARY_expm1_GRAD, tol, 'expm1');
    // torch's erf is within 0.8 ulp of the true one (checked by the script's author); so is nn's.
    await unaryCase(device, (x) => x.erf(), F.UNARY_erf, F.UNARY_erf_GRAD, { atol: 1e-7, rtol: 1e-5 }, 'erf');
  });

  add('elementwise: sign, floor, ceil, round (ties to even) with zero gradients, as PyTorch', async ({ device }) => {
    const exact = { atol: 0, rtol: 0 };
    await unaryCase(device, (x) => x.sign(), F.UNARY_sign, F.UNARY_sign_GRAD, exact, 'sign');
    await unaryCase(device, (x) => x.floor(), F.UNARY_floor, F.UNARY_floor_GRAD, exact, 'floor');
    await unaryCase(device, (x) => x.ceil(), F.UNARY_ceil, F.UNARY_ceil_GRAD, exact, 'ceil');
    await unaryCase(device, (x) => x.round(), F.UNARY_round, F.UNARY_round_GRAD, exact, 'round');
  });

  add('elementwise: the sign of zero of log1p, expm1, erf, floor, ceil and round, as PyTorch', async ({ device }) => {
    // torch: log1p/expm1/erf/floor(−0) = −0, ceil(−0.5) = −0, round(−0.4) = round(−0.5) = −0, round(0.5) = +0.
    const x = tensor([-0, 0], { device });
    for (const op of ['log1p', 'expm1', 'erf', 'floor', 'ceil', 'round'] as const) {
      assertClose((await zeroSigns(x[op]())).map(Number), [1, 0], { atol: 0, rtol: 0 }, `${op}(−0), ${op}(+0) are −0, +0`);
    }
    const r = tensor([-0.5, -0.4, 0.5, -0.25], { device });
    assertClose((await zeroSigns(r.round())).map(Number), [1, 1, 0, 1], { atol: 0, rtol: 0 }, 'round(−0.5), round(−0.4), round(0.5), round(−0.25) signs');
    assertClose((await zeroSigns(r.ceil())).map(Number), [1, 1, 0, 1], { atol: 0, rtol: 0 }, 'ceil(−0.5), ceil(−0.4), ceil(0.5)=1, ceil(−0.25) signs');
  });

  add('elementwise: reciprocal, rsqrt and square at NaN, ±Inf, ±0 and tiny values, with gradients, as PyTorch', async ({ device }) => {
    await unaryCase(device, (x) => x.reciprocal(), F.UNARY_reciprocal, F.UNARY_reciprocal_GRAD, tol, 'reciprocal');
    await unaryCase(device, (x) => x.rsqrt(), F.UNARY_rsqrt, F.UNARY_rsqrt_GRAD, tol, 'rsqrt');
    await unaryCase(device, (x) => x.square(), F.UNARY_square, F.UNARY_square_GRAD, tol, 'square');
  });

  add('elementwise: leakyRelu, elu, gelu (exact and tanh) and softplus at their edges, with gradients, as PyTorch', async ({ device }) => {
    await unaryCase(device, (x) => x.leakyRelu(), F.UNARY_leakyRelu, F.UNARY_leakyRelu_GRAD, tol, 'leakyRelu');
    await unaryCase(device, (x) => x.leakyRelu(0.2), F.UNARY_leakyRelu02, F.UNARY_leakyRelu02_GRAD, tol, 'leakyRelu(0.2)');
    // torch's vectorised elu computes e^x − 1 near 0 with absolute accuracy only (elu(−1e-7) is
    // −1.19e-7 there); nn's uses expm1, so the two agree to 2e-7 absolute near 0.
    await unaryCase(device, (x) => x.elu(), F.UNARY_elu, F.UNARY_elu_GRAD, { atol: 2e-7, rtol: 1e-5 }, 'elu');
    await unaryCase(device, (x) => x.elu(0.5), F.UNARY_elu05, F.UNARY_elu05_GRAD, { atol: 2e-7, rtol: 1e-5 }, 'elu(0.5)');
    // gelu of large negative x is x·0.5·(1 + erf(x/√2)): 1 + erf cancels in torch as in nn, so an
    // erf one ulp apart (6e-8) moves gelu(−5) by 1.5e-7.
    await unaryCase(device, (x) => x.gelu(), F.UNARY_gelu, F.UNARY_gelu_GRAD, { atol: 3e-7, rtol: 1e-5 }, 'gelu');
    // The tanh form's gradient has 1 − tanh² near tanh = ±1: a tanh within a float32 ulp of
    // torch's moves it by 1e-6 at x = −5 (torch's own is that far from the exact one).
    await unaryCase(device, (x) => x.gelu({ approximate: 'tanh' }), F.UNARY_geluTanh, F.UNARY_geluTanh_GRAD, { atol: 2e-6, rtol: 1e-5 }, "gelu({ approximate: 'tanh' })");
    await unaryCase(device, (x) => x.softplus(), F.UNARY_softplus, F.UNARY_softplus_GRAD, tol, 'softplus');
    await unaryCase(device, (x) => x.softplus(2, 5), F.UNARY_softplus2_5, F.UNARY_softplus2_5_GRAD, tol, 'softplus(2, 5)');
  });

  add('along a dim: softmax, logSoftmax and logsumexp of ±1e4, −Inf, all −Inf, +Inf and NaN rows, as PyTorch', async ({ device }) => {
    const x = tensor(F.ALONG_X as number[], { device }).reshape(8, 3);
    const t = { atol: 1e-7, rtol: 1e-5 };
    assertClose(await read(x.softmax(-1)), F.SOFTMAX as number[], t, 'softmax(-1)');
    assertClose(await read(x.softmax(0)), F.SOFTMAX_0 as number[], t, 'softmax(0)');
    assertClose(await read(x.logSoftmax(-1)), F.LOG_SOFTMAX as number[], t, 'logSoftmax(-1)');
    assertClose(await read(x.logSoftmax(0)), F.LOG_SOFTMAX_0 as number[], t, 'logSoftmax(0)');
    const l = x.logsumexp(-1);
    assertShape(l, [8], 'logsumexp(-1)');
    assertClose(await read(l), F.LOGSUMEXP as number[], t, 'logsumexp(-1)');
    const l0 = x.logsumexp(0, true);
    assertShape(l0, [1, 3], 'logsumexp(0, keepdim)');
    assertClose(await read(l0), F.LOGSUMEXP_0 as number[], t, 'logsumexp(0, keepdim)');
    const rows = tensor([...F.ALONG_X.slice(0, 3), ...F.ALONG_X.slice(18, 21)], { device }).reshape(2, 3);
    const all = rows.logsumexp([0, 1]);
    assertShape(all, [], 'logsumexp over both dims');
    assertClose(await read(all), F.LOGSUMEXP_ALL as number[], t, 'logsumexp over both dims');
    // A 0-d tensor has dim 0, as in PyTorch: softmax 1, logSoftmax 0, logsumexp itself.
    const s = tensor(3, { device });
    assertClose([...(await read(s.softmax(0))), ...(await read(s.logSoftmax(-1))), ...(await read(s.logsumexp(0)))], [1, 0, 3], {}, '0-d');
  });

  add('along a dim: the gradients of softmax, logSoftmax and logsumexp, as PyTorch', async ({ device }) => {
    const w = tensor(F.GRAD_W as number[], { device }).reshape(3, 3);
    const w0 = tensor([F.GRAD_W[0]!, F.GRAD_W[3]!, F.GRAD_W[6]!], { device }).reshape(3, 1);
    const cases: [string, (x: Tensor) => Tensor, readonly number[]][] = [
      ['softmax(-1)', (x) => x.softmax(-1).mul(w), F.SOFTMAX_GRAD],
      ['logSoftmax(0)', (x) => x.logSoftmax(0).mul(w), F.LOG_SOFTMAX_GRAD],
      ['logsumexp(1, keepdim)', (x) => x.logsumexp(1, true).mul(w0), F.LOGSUMEXP_GRAD],
    ];
    for (const [what, f, want] of cases) {
      const x = leaf(F.GRAD_X, [3, 3], device);
      f(x).sum().backward();
      assertClose(await read(x.grad!), want as number[], { atol: 1e-6, rtol: 1e-5 }, `d ${what}`);
    }
  });

  add('along a dim: var and std with correction and keepdim, and their gradients, as PyTorch', async ({ device }) => {
    const t = { atol: 1e-6, rtol: 1e-5 };
    const v = () => leaf(F.VAR_X, [3, 4], device);
    assertClose(await read(v().var(1)), F.VAR_1 as number[], t, 'var(1)');
    const v0 = v().var(0, { correction: 0, keepdim: true });
    assertShape(v0, [1, 4], 'var(0, keepdim)');
    assertClose(await read(v0), F.VAR_0_C0 as number[], t, 'var(0, { correction: 0, keepdim: true })');
    assertClose(await read(v().var(undefined, { correction: 2 })), F.VAR_ALL_C2 as number[], t, 'var({ correction: 2 })');
    assertClose(await read(v().std(1)), F.STD_1 as number[], t, 'std(1)');
    assertClose(await read(v().std()), F.STD_ALL as number[], t, 'std()');
    const one = tensor([5], { device });
    assertClose([...(await read(one.var())), ...(await read(one.var(0, { correction: 0 })))], F.VAR_ONE as number[], t, 'var of one element');
    const a = v();
    a.var(1).sum().backward();
    assertClose(await read(a.grad!), F.VAR_1_GRAD as number[], t, 'd var(1)');
    const b = v();
    b.std(1).sum().backward();
    assertClose(await read(b.grad!), F.STD_1_GRAD as number[], t, 'd std(1) (0 where std is 0)');
  });

  add('along a dim: cumsum along either dim, through ±Inf and cancelling terms, and its gradient, as PyTorch', async ({ device }) => {
    const x = tensor(F.CUMSUM_X as number[], { device }).reshape(3, 4);
    assertClose(await read(x.cumsum(1)), F.CUMSUM_1 as number[], { atol: 0, rtol: 1e-6 }, 'cumsum(1)');
    assertClose(await read(x.cumsum(0)), F.CUMSUM_0 as number[], { atol: 0, rtol: 1e-6 }, 'cumsum(0)');
    assertClose(await read(tensor(2, { device }).cumsum(0)), [2], {}, 'cumsum of a 0-d tensor');
    const g = leaf(F.CUMSUM_X.slice(0, 8), [2, 4], device);
    g.cumsum(1).mul(tensor(F.CUMSUM_GRAD_W as number[], { device }).reshape(2, 4)).sum().backward();
    assertClose(await read(g.grad!), F.CUMSUM_1_GRAD as number[], {}, 'd cumsum(1)');
  });

  add('errors: the new elementwise and along-dim ops name the op and the fix', ({ device }) => {
    const x = tensor([[1, 2], [3, 4]], { device });
    assertThrows(() => x.softmax(2), ShapeError, /softmax/, /out of range/);
    assertThrows(() => x.softmax(undefined as unknown as number), ArgumentError, /softmax/, /dim/);
    assertThrows(() => x.logsumexp(undefined as unknown as number), ArgumentError, /logsumexp/, /dim/);
    assertThrows(() => x.cumsum(-3), ShapeError, /cumsum/);
    assertThrows(() => x.var(0, { correction: -1 }), ArgumentError, /var/, /correction/);
    assertThrows(() => x.gelu('tanh' as never), ArgumentError, /gelu/, /approximate: 'tanh'/);
    assertThrows(() => x.leakyRelu(NaN), ArgumentError, /leakyRelu/, /negativeSlope/);
    assertThrows(() => x.softplus(0), ArgumentError, /softplus/, /beta/);
  });
}
