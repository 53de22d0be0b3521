import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { manualSeed, memory, noGrad, randn, registerBackend, scope, tensor, type Tensor } from '@nn/core';
import { assertClose } from '@nn/core/testing';
import { createCpuBackend } from '@nn/cpu';
import { Adam, Linear, MSELoss, ReLU, SGD, Sequential } from './index.js';

registerBackend(createCpuBackend());

// torch.optim trajectories in float64, made by scripts/make_fixtures.py.
interface OptimFixture {
  w0: number[][];
  target: number[][];
  steps: number;
  cases: Record<string, { options: { lr: number; momentum?: number; betas?: [number, number]; eps?: number }; weights_after_each_step: number[][][] }>;
}
const fixture = JSON.parse(readFileSync(new URL('../../../fixtures/optim/expected.json', import.meta.url), 'utf8')) as OptimFixture;

function run(make: (params: Tensor[]) => SGD | Adam, steps: number): number[][] {
  const w = tensor(fixture.w0, { requiresGrad: true });
  const target = tensor(fixture.target);
  const opt = make([w]);
  const out: number[][] = [];
  for (let i = 0; i < steps; i++) {
    scope(() => {
      opt.zeroGrad();
      w.mul(w).sub(target).pow(2).sum().backward();
      opt.step();
    });
    out.push(Array.from(w.dataSync()));
  }
  opt.zeroGrad();
  opt.dispose();
  w.dispose();
  target.dispose();
  return out;
}

// Five float32 steps against PyTorch's float64 trajectory: the weights are O(1), so
// each step adds ~1e-7 relative rounding; 1e-5 leaves a wide margin yet catches any
// wrong rule (a missing bias correction or momentum term moves step 1 by >1e-3).
const tol = { atol: 1e-5, rtol: 1e-5 };

describe('SGD', () => {
  it('plain steps match torch.optim.SGD and a hand computation', () => {
    const c = fixture.cases.sgd!;
    const got = run((p) => new SGD(p, { lr: c.options.lr }), fixture.steps);
    // by hand, step 1 for w = 0.5, target 1: dL/dw = 4w(w² - t) = -1.5 → w = 0.5 + 0.1·1.5 = 0.65
    expect(got[0]![0]).toBeCloseTo(0.65, 6);
    got.forEach((w, i) => assertClose(w, c.weights_after_each_step[i]!.flat(), tol, `SGD step ${i + 1}`));
  });

  it('momentum steps match torch.optim.SGD (buffer starts as the first gradient)', () => {
    const c = fixture.cases.sgd_momentum!;
    const got = run((p) => new SGD(p, { lr: c.options.lr, momentum: c.options.momentum! }), fixture.steps);
    got.forEach((w, i) => assertClose(w, c.weights_after_each_step[i]!.flat(), tol, `SGD momentum step ${i + 1}`));
  });
});

describe('Adam', () => {
  it('steps match torch.optim.Adam with default betas; step 1 moves each weight by lr·sign(g)', () => {
    const c = fixture.cases.adam!;
    const got = run((p) => new Adam(p, { lr: c.options.lr }), fixture.steps);
    // With bias correction, m̂/√v̂ = g/|g| on the first step.
    assertClose(got[0]!, fixture.w0.flat().map((w, i) => w - 0.1 * Math.sign(4 * w * (w * w - fixture.target.flat()[i]!))), { atol: 1e-6 });
    got.forEach((w, i) => assertClose(w, c.weights_after_each_step[i]!.flat(), tol, `Adam step ${i + 1}`));
  });

  it('steps match torch.optim.Adam with custom betas and eps', () => {
    const c = fixture.cases.adam_betas!;
    const [b1, b2] = c.options.betas!;
    const got = run((p) => new Adam(p, { lr: c.options.lr, betas: [b1, b2], eps: c.options.eps! }), fixture.steps);
    got.forEach((w, i) => assertClose(w, c.weights_after_each_step[i]!.flat(), tol, `Adam(betas) step ${i + 1}`));
  });

  it('keeps memory flat over many steps (state is updated in place)', () => {
    manualSeed(1);
    const model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 1));
    const opt = new Adam(model.parameters(), { lr: 1e-2 });
    const x = randn([16, 4]);
    const y = randn([16, 1]);
    const loss = new MSELoss();
    const step = (): number =>
      scope(() => {
        opt.zeroGrad();
        const l = loss.forward(model.forward(x), y);
        l.backward();
        opt.step();
        return l.item();
      });
    const first = step();
    const buffers = memory().cpu!.buffers;
    let last = first;
    for (let i = 0; i < 50; i++) last = step();
    expect(memory().cpu!.buffers).toBe(buffers);
    expect(last).toBeLessThan(first);
  });

  it('rejects bad settings with a clear message', () => {
    const w = tensor([1], { requiresGrad: true });
    expect(() => new Adam([w], { betas: [1, 0.9] })).toThrow(/^Adam: option betas must be two numbers in \[0, 1\).*got \[1, 0\.9\]/);
    expect(() => new SGD([w], { lr: -1 })).toThrow(/^SGD: option lr must be a finite number ≥ 0, got -1/);
    expect(() => new SGD([], { lr: 1 })).toThrow(/empty parameter list/);
    expect(() => new SGD([noGrad(() => w.mul(2))], { lr: 1 })).not.toThrow();
    expect(() => new SGD([w.mul(2)], { lr: 1 })).toThrow(/not a leaf/);
    // The same tensor twice would take two steps per step().
    const v = tensor([2], { requiresGrad: true });
    expect(() => new SGD([w, v, w], { lr: 1 })).toThrow(/^SGD: parameter 2 is parameter 0 again \(.*\); each parameter once/);
    expect(() => new Adam([v, v])).toThrow(/^Adam: parameter 1 is parameter 0 again/);
  });
});
