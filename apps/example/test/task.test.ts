import { beforeAll, describe, expect, it } from 'vitest';
import { swiftshaderIcd } from '../../../packages/gpu/test/dawn.js';
import { buildExample, cli, type CliResult } from './cli.js';
import { expectParity, parity } from './parity.js';

// --task digits and --task moons: an MLP trained with @nn/data, CrossEntropyLoss and Adam, run through the CLI.
// PyTorch parity: scripts/make_digits_parity.py trained the same MLP from the same initial weights in the
// same batch order (fixtures/digits-parity); `--data` makes nn start from those files.

interface TaskRun {
  task: string;
  device: string;
  backend: { name: string; runtime: string; fallback: boolean };
  sizes: number[];
  epochs: { epoch: number; loss: number; trainAccuracy: number; testAccuracy: number }[];
  losses: number[];
  accuracies: number[];
  batchSize: number;
  lr: number;
  seed: number | null;
  trainSize: number;
  testSize: number;
}

// headless-gl needs a display: `npm test` runs under xvfb-run; alone, this file starts one.
const gl = process.env.DISPLAY ? [] : ['xvfb-run', '-a'];
// WebGPU in Node: Dawn (npm `webgpu`) on SwiftShader's Vulkan unless VK_ICD_FILENAMES names a driver, as the gpu-dawn suites.
const dawn = { VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? swiftshaderIcd };

const runs: Record<string, Promise<CliResult>> = {};
const json = (r: CliResult): TaskRun => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as TaskRun;
};

// One build, then every run starts at once (separate processes; the gpu ones are the slow part).
beforeAll(() => {
  buildExample();
  runs.digits = cli(['--task', 'digits', '--json']);
  runs.moons = cli(['--task', 'moons', '--json']);
  runs.parityCpu = cli(['--task', 'digits', '--data', 'fixtures/digits-parity', '--epochs', String(parity.epochs), '--json']);
  runs.parityGl = cli(['--task', 'digits', '--device', 'gpu', '--gpu-mode', 'headlessgl', '--data', 'fixtures/digits-parity', '--epochs', '2', '--json'], {}, gl);
  runs.parityDawn = cli(['--task', 'digits', '--device', 'gpu', '--gpu-mode', 'webgpu', '--data', 'fixtures/digits-parity', '--epochs', '1', '--json'], dawn);
  runs.moonsGl = cli(['--task', 'moons', '--device', 'gpu', '--gpu-mode', 'headlessgl', '--epochs', '3', '--json'], {}, gl);
  runs.moonsCpu3 = cli(['--task', 'moons', '--epochs', '3', '--json']);
}, 240_000);

describe('--task digits', () => {
  it('reaches ≥ 95 % test accuracy on the held-out 20 % (1,438 / 359, seed 0), with per-epoch losses and accuracies in --json', async () => {
    const r = json(await runs.digits!);
    expect(r).toMatchObject({ task: 'digits', device: 'cpu', sizes: [64, 64, 10], batchSize: 64, lr: 1e-2, seed: 0, trainSize: 1438, testSize: 359 });
    expect(r.epochs).toHaveLength(15);
    expect(r.losses).toEqual(r.epochs.map((e) => e.loss));
    expect(r.accuracies).toEqual(r.epochs.map((e) => e.testAccuracy));
    expect(r.accuracies.at(-1)).toBeGreaterThanOrEqual(0.95);
    expect(r.losses.at(-1)).toBeLessThan(r.losses[0]! / 10);
    expect(r.epochs.at(-1)!.trainAccuracy).toBeGreaterThan(0.97);
  });

  it('prints a header, then loss and accuracies per epoch; a progress bar only on a terminal', async () => {
    const r = await cli(['--task', 'digits', '--epochs', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('nn-example: device cpu runs @nn/cpu (' + r.stderr.split('(')[1]!.split(')')[0] + ')\n');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^# digits: 8×8 handwritten digits \(UCI\), 1,797 images, 10 classes; MLP 64 → 64 → 10 \(ReLU\), CrossEntropyLoss, Adam lr 0\.01, batches of 64, 1438 train \/ 359 test, 2 epochs on cpu, seed 0$/);
    expect(lines.slice(1)).toHaveLength(2);
    for (const l of lines.slice(1)) expect(l).toMatch(/^epoch +\d+ {2}loss \d\.\d{4} {2}train \d+\.\d % {2}test \d+\.\d %$/);
  });

  it("matches PyTorch's float32 losses epoch by epoch from the same weights and batch order (cpu)", async () => {
    const r = json(await runs.parityCpu!);
    expectParity(r, parity.epochs);
  });

  it("matches PyTorch's losses on headless-gl too (2 epochs)", async () => {
    const r = json(await runs.parityGl!);
    expect(r.backend).toMatchObject({ name: '@nn/gpu', runtime: 'headlessgl', fallback: false });
    expectParity(r, 2);
  });

  it("matches PyTorch's losses on WebGPU (Dawn) too (1 epoch; every read asynchronous)", async () => {
    const r = json(await runs.parityDawn!);
    expect(r.backend).toMatchObject({ name: '@nn/gpu', runtime: 'webgpu', fallback: false });
    expectParity(r, 1);
  });
});

describe('--task moons', () => {
  it('reaches ≥ 97 % test accuracy', async () => {
    const r = json(await runs.moons!);
    expect(r).toMatchObject({ task: 'moons', sizes: [2, 64, 2], trainSize: 800, testSize: 200 });
    expect(r.accuracies.at(-1)).toBeGreaterThanOrEqual(0.97);
  });

  it('trains on headless-gl as on cpu: same seeded data, split and batches, losses within float32 rounding', async () => {
    const [g, c] = [json(await runs.moonsGl!), json(await runs.moonsCpu3!)];
    expect(g.backend.runtime).toBe('headlessgl');
    // GL's exp and log are a few ulps less exact than the cpu's; three epochs of Adam keep that near 1e-6.
    g.losses.forEach((l, i) => expect(Math.abs(l - c.losses[i]!), `epoch ${i + 1}`).toBeLessThan(1e-4));
    g.accuracies.forEach((a, i) => expect(Math.abs(a - c.accuracies[i]!)).toBeLessThanOrEqual(1 / 200));
  });
});

describe('--task: flags', () => {
  it("refuses the seed program's flags, --epochs without --task, and --data for moons, each on one line (exit 2)", async () => {
    for (const [args, pattern] of [
      [['--task', 'digits', '--net', '2'], /--net is a flag of the seed program; --task digits does not take it/],
      [['--task', 'moons', '--steps', '3'], /--steps is a flag of the seed program/],
      [['--epochs', '3'], /--epochs only makes sense with --task digits or --task moons/],
      [['--task', 'moons', '--data', 'fixtures/digits-parity'], /only --task digits starts from files/],
      [['--task', 'digits', '--data', 'fixtures/seed2'], /missing init\.npz, train\.npy, test\.npy, orders\.npy/],
      [['--task', 'digits', '--data', 'fixtures/digits-parity', '--epochs', '6'], /orders\.npy holds 5 epochs' orders, but --epochs is 6/],
      [['--task', 'digits', '--gpu-mode', 'webgl2'], /--gpu-mode only makes sense with --device gpu/],
      [['--task', 'mnist'], /expected one of digits, moons/],
    ] as const) {
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
