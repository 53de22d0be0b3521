import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ArgumentError, DeviceError, NumericError, ShapeError, StateError, memory, registerBackend, scope, tensor, zeros, type Tensor } from '@nn/core';
import { assertClose } from '@nn/core/testing';
import { createCpuBackend } from '@nn/cpu';
import {
  Adam, AdamW, CosineAnnealingLR, ExponentialLR, LambdaLR, SGD, StepLR, clipGradNorm_, clipGradValue_, type LRScheduler, type Optimizer,
} from './index.js';

registerBackend(createCpuBackend());
registerBackend(createCpuBackend({ device: 'cpu2' }));

const revive = (_: string, v: unknown): unknown => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
const load = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../../fixtures/layers2/${name}`, import.meta.url), 'utf8'), revive) as T;

interface OptimFixture {
  w0: number[][];
  target: number[][];
  cases: Record<string, { optimizer: 'SGD' | 'Adam' | 'AdamW'; options: Record<string, unknown>; weights_after_each_step: number[][][] }>;
  clip: {
    grads: [number[][], number[]];
    norm: { maxNorm: number; normType: number; total: number; grads: [number[][], number[]] }[];
    value: { clipValue: number; grads: [number[][], number[]] }[];
  };
}
const fixture = load<OptimFixture>('optim.json');
const schedules = load<{ base_lr: number; steps: number; cases: { scheduler: string; args: (number | string)[]; lrs: number[] }[] }>('schedulers.json');

const classes = { SGD, Adam, AdamW } as const;
const make = (kind: keyof typeof classes, params: Tensor[], options: Record<string, unknown>): Optimizer =>
  new (classes[kind] as new (p: Tensor[], o: Record<string, unknown>) => Optimizer)(params, options);

/** `steps` steps of loss sum((w·w − target)²) from w0, the weights after each. */
function trajectory(opt: (w: Tensor) => Optimizer, steps: number, w = tensor(fixture.w0, { requiresGrad: true })): { traj: number[][]; opt: Optimizer; w: Tensor } {
  const target = tensor(fixture.target);
  const o = opt(w);
  const traj: number[][] = [];
  for (let i = 0; i < steps; i++) {
    scope(() => {
      o.zeroGrad();
      w.mul(w).sub(target).pow(2).sum().backward();
      o.step();
    });
    traj.push(Array.from(w.dataSync()));
  }
  target.dispose();
  return { traj, opt: o, w };
}

// float32 steps against torch.optim's float64 trajectory (as optim.test.ts): 1e-5 is far below
// what a wrong rule moves (a coupled instead of decoupled decay changes step 1 by ~1e-3).
const tol = { atol: 1e-5, rtol: 1e-5 };

describe('SGD and Adam options, and AdamW, match torch.optim (fixtures/layers2/optim.json)', () => {
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(`${name}: ${c.optimizer}(${JSON.stringify(c.options)})`, () => {
      const { traj, opt, w } = trajectory((ww) => make(c.optimizer, [ww], c.options), 5);
      traj.forEach((got, i) => assertClose(got, c.weights_after_each_step[i]!.flat(), tol, `${name} step ${i + 1}`));
      opt.dispose();
      w.zeroGrad();
      w.dispose();
    });
  }

  it('refuses Nesterov without momentum or with dampening, as PyTorch', () => {
    const w = zeros([2], { requiresGrad: true });
    expect(() => new SGD([w], { lr: 0.1, nesterov: true })).toThrow(/SGD: Nesterov momentum requires a momentum > 0 and zero dampening \(got momentum 0, dampening 0\)/);
    expect(() => new SGD([w], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(ArgumentError);
    expect(() => new SGD([w], { lr: 0.1, weightDecay: -1 })).toThrow(/SGD: option weightDecay must be a finite number ≥ 0, got -1/);
    expect(() => new AdamW([w], { weightDecay: 'big' as unknown as number })).toThrow(/AdamW: option weightDecay must be/);
    expect(new AdamW([w]).weightDecay).toBe(0.01);
    expect(new Adam([w]).weightDecay).toBe(0);
  });
});

describe('optimizer.stateDict() and loadStateDict()', () => {
  for (const [kind, options] of [['SGD', { lr: 0.05, momentum: 0.9, nesterov: true }], ['Adam', { lr: 0.05, weightDecay: 0.1 }], ['AdamW', { lr: 0.05 }]] as const) {
    it(`${kind}: 3 steps, save, load into a fresh optimiser, 2 more steps equal 5 straight steps`, () => {
      const straight = trajectory((w) => make(kind, [w], options), 5);
      const first = trajectory((w) => make(kind, [w], options), 3);
      const sd = first.opt.stateDict();
      expect(sd.paramGroups).toEqual([{ ...options, ...sd.paramGroups[0], params: [0] }]);
      expect([...sd.state.keys()]).toEqual([0]);
      expect(Object.keys(sd.state.get(0)!)).toEqual(kind === 'SGD' ? ['momentumBuffer'] : ['step', 'expAvg', 'expAvgSq']);
      if (kind !== 'SGD') expect(sd.state.get(0)!['step']).toBe(3);
      const fresh = make(kind, [first.w], { lr: 1 });
      fresh.loadStateDict(sd);
      // the dict's tensors stay the caller's: freeing them leaves the optimiser's state intact
      for (const s of sd.state.values()) for (const v of Object.values(s)) if (typeof v !== 'number') v.dispose();
      first.opt.dispose();
      const target = tensor(fixture.target);
      for (let i = 0; i < 2; i++) {
        scope(() => {
          fresh.zeroGrad();
          first.w.mul(first.w).sub(target).pow(2).sum().backward();
          fresh.step();
        });
      }
      expect(Array.from(first.w.dataSync())).toEqual(straight.traj[4]);
      for (const x of [fresh, straight.opt]) x.dispose();
      for (const w of [first.w, straight.w, target]) {
        w.zeroGrad();
        w.dispose();
      }
    });
  }

  it('names every mismatch and changes nothing on failure', () => {
    const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const sgd = new SGD([w], { lr: 0.1, momentum: 0.9 });
    scope(() => {
      w.sum().backward();
      sgd.step();
    });
    const adam = new Adam([w]);
    expect(() => adam.loadStateDict(sgd.stateDict())).toThrow(StateError);
    expect(() => adam.loadStateDict(sgd.stateDict())).toThrow(/Adam\.loadStateDict: .*hyperparameter 'betas' is missing.*unknown hyperparameter 'momentum'.*parameter 0 has an unknown state 'momentumBuffer'/);
    const other = new SGD([tensor([1, 2, 3], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
    expect(() => other.loadStateDict(sgd.stateDict())).toThrow(ShapeError);
    expect(() => other.loadStateDict(sgd.stateDict())).toThrow(/parameter 0's 'momentumBuffer' has shape \[2, 2\], the parameter \[3\]/);
    expect(other.lr).toBe(0.1);
    const moved = sgd.stateDict();
    const onCpu2 = { state: new Map([[0, { momentumBuffer: moved.state.get(0)!['momentumBuffer'] as Tensor }]]), paramGroups: moved.paramGroups };
    onCpu2.state.get(0)!.momentumBuffer = (onCpu2.state.get(0)!.momentumBuffer).to('cpu2');
    expect(() => sgd.loadStateDict(onCpu2)).toThrow(DeviceError);
    expect(() => sgd.loadStateDict({} as never)).toThrow(/SGD\.loadStateDict: expected \{ state: Map, paramGroups: \[\.\.\.\] \}/);
  });
});

describe('clipGradNorm_ and clipGradValue_ match torch.nn.utils', () => {
  const withGrads = (): Tensor[] => {
    const a = zeros([2, 3], { requiresGrad: true });
    const b = zeros([2], { requiresGrad: true });
    scope(() => a.mul(tensor(fixture.clip.grads[0])).sum().add(b.mul(tensor(fixture.clip.grads[1])).sum()).backward());
    return [a, b];
  };

  for (const c of fixture.clip.norm) {
    it(`clipGradNorm_(maxNorm ${c.maxNorm}, normType ${c.normType}) returns the total norm as a tensor and scales the gradients`, () => {
      const [a, b] = withGrads();
      const total = clipGradNorm_([a!, b!], c.maxNorm, c.normType);
      expect(total.shape).toEqual([]);
      assertClose([total.item()], [c.total], { atol: 0, rtol: 1e-6 }, 'total norm');
      assertClose(a!.grad!.dataSync(), c.grads[0].flat(), { atol: 1e-7, rtol: 1e-6 }, 'first gradient');
      assertClose(b!.grad!.dataSync(), c.grads[1], { atol: 1e-7, rtol: 1e-6 }, 'second gradient');
    });
  }

  for (const c of fixture.clip.value) {
    it(`clipGradValue_(${c.clipValue}) clamps every gradient in place`, () => {
      const [a, b] = withGrads();
      clipGradValue_([a!, b!], c.clipValue);
      expect(Array.from(a!.grad!.dataSync())).toEqual(c.grads[0].flat());
      expect(Array.from(b!.grad!.dataSync())).toEqual(c.grads[1]);
    });
  }

  it('skips parameters without a gradient, leaves no buffer behind, and checks its arguments', () => {
    const [a, b] = withGrads();
    const none = zeros([3], { requiresGrad: true });
    const before = memory().cpu!.buffers;
    scope(() => {
      clipGradNorm_([a!, b!, none], 1);
    });
    expect(memory().cpu!.buffers).toBe(before);
    expect(none.grad).toBeNull();
    expect(clipGradNorm_(none, 1).item()).toBe(0);
    expect(() => clipGradNorm_([a!], -1)).toThrow(/clipGradNorm_: maxNorm must be a number ≥ 0, e\.g\. 1\.0, got -1/);
    expect(() => clipGradNorm_([a!], 1, 0)).toThrow(/normType must be a number > 0 or Infinity/);
    expect(() => clipGradNorm_(5 as unknown as Tensor[], 1)).toThrow(/clipGradNorm_: expected the parameters \(a tensor or an iterable of tensors/);
    expect(() => clipGradValue_([a!], Number.NaN)).toThrow(/clipGradValue_: clipValue must be a number ≥ 0/);
    const c = zeros([1], { device: 'cpu2', requiresGrad: true });
    scope(() => c.sum().backward());
    expect(() => clipGradNorm_([a!, c], 1)).toThrow(DeviceError);
    scope(() => a!.mul(Number.NaN).sum().backward());
    expect(() => clipGradNorm_([a!], 1, 2, { errorIfNonfinite: true })).toThrow(NumericError);
  });
});

describe('schedulers match torch.optim.lr_scheduler (fixtures/layers2/schedulers.json)', () => {
  const lambdas: Record<string, (e: number) => number> = { 'epoch => 1 / (1 + epoch)': (e) => 1 / (1 + e) };
  for (const c of schedules.cases) {
    it(`${c.scheduler}(${c.args.join(', ')}): getLastLr() after each of ${schedules.steps} steps, and the optimiser's lr`, () => {
      const w = zeros([1], { requiresGrad: true });
      const opt = new SGD([w], { lr: schedules.base_lr });
      let s: LRScheduler;
      if (c.scheduler === 'StepLR') s = new StepLR(opt, ...(c.args as [number, number]));
      else if (c.scheduler === 'ExponentialLR') s = new ExponentialLR(opt, c.args[0] as number);
      else if (c.scheduler === 'CosineAnnealingLR') s = new CosineAnnealingLR(opt, ...(c.args as [number, number]));
      else s = new LambdaLR(opt, lambdas[c.args[0] as string]!);
      const got = [s.getLastLr()[0]!];
      for (let i = 0; i < schedules.steps; i++) {
        opt.step();
        s.step();
        got.push(s.getLastLr()[0]!);
        expect(opt.lr).toBe(got[got.length - 1]);
      }
      // closed forms against PyTorch's recursive ones: equal up to float64 rounding
      assertClose(got, c.lrs, { atol: 1e-15, rtol: 1e-12 }, c.scheduler);
    });
  }

  it('checks its arguments', () => {
    const opt = new SGD([zeros([1], { requiresGrad: true })], { lr: 0.1 });
    expect(() => new StepLR(opt, 0)).toThrow(/StepLR: stepSize must be a whole number ≥ 1, got 0/);
    expect(() => new CosineAnnealingLR(opt, 2.5)).toThrow(/CosineAnnealingLR: tMax must be a whole number/);
    expect(() => new ExponentialLR({} as never, 0.9)).toThrow(/ExponentialLR: expected an optimiser with a learning rate/);
    expect(() => new LambdaLR(opt, 0.5 as never)).toThrow(/LambdaLR: lrLambda must be a function of the epoch/);
    expect(() => new LambdaLR(opt, () => 'x' as never)).toThrow(/LambdaLR: lrLambda\(0\) returned 'x'/);
  });
});
