import { manualSeed, matmulT, mul, noGrad, rand, scope, sum, tensor, where, type Device, type Tensor } from '@nn/core';

// core's gradcheck reads with dataSync(), which WebGPU cannot do (its readback
// is only asynchronous). This is the same check — autograd against central
// finite differences of f(x) = Σ fn(x)·r, evaluated on the device — reading
// with `await t.data()`, over the same functions as core's conformance suite.

/** The functions core's conformance suite gradchecks, with their input shapes. */
export const gradFunctions: [string, number[][], (...x: Tensor[]) => Tensor][] = [
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
  ['relu', [[3, 4]], (a) => a.relu()],
  ['clamp min', [[3, 4]], (a) => a.clamp({ min: 0 })],
  ['clamp min max', [[3, 4]], (a) => a.clamp({ min: -0.5, max: 0.5 })],
  ['maximum minimum', [[3, 4], [3, 4]], (a, b) => a.maximum(b).add(a.minimum(b).mul(2))],
  ['mm', [[3, 4], [4, 2]], (a, b) => a.mm(b)],
  ['mm transposed operands', [[4, 3], [2, 4]], (a, b) => matmulT(a, b, true, true)],
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
];

/** Host values in ±[0.2, 1.5), away from kinks, from nn's seeded generator (read from the cpu device). */
async function awayFromZero(shape: number[], host: Device, seed: number): Promise<Float64Array> {
  manualSeed(seed);
  const r = await rand(shape, { device: host, low: 0.2, high: 1.5 }).data();
  const s = await rand(shape, { device: host }).data();
  return Float64Array.from(r, (v, i) => (s[i]! > 0.5 ? v : -v));
}

/** Throw with the first element where autograd and finite differences disagree. */
export async function assertGradcheckAsync(fn: (...x: Tensor[]) => Tensor, shapes: number[][], device: Device, host: Device, seed: number): Promise<number> {
  const eps = 1e-3;
  const atol = 1e-2;
  const rtol = 1e-2;
  const hostInputs = await Promise.all(shapes.map((s, i) => awayFromZero(s, host, seed + i)));
  const make = (which = -1, idx = -1, delta = 0): Tensor[] =>
    hostInputs.map((h, i) => {
      const d = Float32Array.from(h);
      if (i === which) d[idx] = h[idx]! + delta;
      return tensor(d, { shape: shapes[i]!, device });
    });
  const leaves = make().map((t) => t.requiresGrad_());
  const out0 = noGrad(() => fn(...leaves));
  let lcg = 12345;
  const weights = tensor(
    Float32Array.from({ length: out0.size }, () => ((lcg = (Math.imul(lcg, 1664525) + 1013904223) >>> 0) / 4294967296) - 0.5),
    { shape: out0.shape, device },
  );
  out0.dispose();
  const project = (xs: Tensor[]): Tensor => sum(mul(fn(...xs), weights));
  scope(() => project(leaves).backward());
  const analytic = await Promise.all(leaves.map(async (l, i) => (l.grad ? Array.from(await l.grad.data()) : new Array<number>(hostInputs[i]!.length).fill(0))));
  let worst = 0;
  for (let i = 0; i < hostInputs.length; i++) {
    for (let idx = 0; idx < hostInputs[i]!.length; idx++) {
      const x = hostInputs[i]![idx]!;
      const up = Math.fround(x + eps) - x;
      const down = x - Math.fround(x - eps);
      const at = async (delta: number): Promise<number> => {
        const y = scope(() => noGrad(() => project(make(i, idx, delta))));
        const v = (await y.data())[0]!;
        y.dispose();
        return v;
      };
      const numeric = ((await at(up)) - (await at(-down))) / (up + down);
      const a = analytic[i]![idx]!;
      const err = Math.abs(a - numeric);
      worst = Math.max(worst, err);
      if (!(err <= atol + rtol * Math.abs(numeric))) {
        throw new Error(`gradcheck failed: input ${i} [${shapes[i]!.join(', ')}], element ${idx}: autograd ${a}, finite differences ${numeric} (|diff| ${err})`);
      }
    }
  }
  leaves.forEach((l) => {
    l.zeroGrad();
    l.dispose();
  });
  weights.dispose();
  return worst;
}
