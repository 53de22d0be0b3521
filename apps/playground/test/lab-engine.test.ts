import { getBackend, listDevices, registerBackend } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { beforeAll, describe, expect, test } from 'vitest';
import { LabEngine } from '../src/lab/engine.js';
import { PRESETS, PRESET_TARGETS } from '../src/lab/presets.js';
import type { FromTrainer, LabConfig, LabLive, Snapshot } from '../src/lab/protocol.js';
import { recomputeNodes } from './lab-reference.js';

// The lab's trainer in Node on the cpu backend, fed messages as the worker feeds it.

beforeAll(() => {
  if (!listDevices().includes('cpu')) registerBackend(createCpuBackend());
});

const cpu = async () => {
  const b = getBackend('cpu');
  return { device: 'cpu', runtime: b.info.runtime, note: b.info.note ?? '', fallback: false };
};

/** A trainer fed messages; `wait()` resolves at the next state other than training. */
function engine(snaps: Snapshot[], errors: string[]) {
  let settle: () => void = () => {};
  const e = new LabEngine(
    (m: FromTrainer) => {
      if (m.type === 'snapshot') snaps.push(m.snapshot);
      if (m.type === 'error') errors.push(m.message);
      if (m.type === 'state' && m.state !== 'training') settle();
    },
    cpu,
    'test',
    { sliceMs: 20, snapshotMs: 100 },
  );
  return { e, wait: () => new Promise<void>((r) => (settle = r)) };
}

/** Build, Train until step `steps` at least, Pause, then one measured Step; returns every snapshot. */
async function trainTo(config: LabConfig, live: LabLive, steps: number): Promise<Snapshot[]> {
  const snaps: Snapshot[] = [];
  const errors: string[] = [];
  const { e, wait } = engine(snaps, errors);
  e.handle({ type: 'build', config, live });
  await wait();
  e.handle({ type: 'train' });
  while (!(snaps.at(-1)!.step >= steps)) await new Promise((r) => setTimeout(r, 20));
  e.handle({ type: 'pause' });
  await wait();
  e.handle({ type: 'step' });
  await wait();
  e.dispose();
  expect(errors).toEqual([]);
  return snaps;
}

/** Build, then run `steps` measured steps; returns every snapshot. */
async function run(config: Partial<LabConfig>, live: Partial<LabLive>, steps: number): Promise<Snapshot[]> {
  const snaps: Snapshot[] = [];
  const errors: string[] = [];
  const { e, wait } = engine(snaps, errors);
  const cfg: LabConfig = { ...PRESETS.moons.config, seed: 1, device: 'cpu', ...config };
  e.handle({ type: 'build', config: cfg, live: { ...PRESETS.moons.live, ...live } });
  await wait();
  for (let i = 0; i < steps; i++) {
    e.handle({ type: 'step' });
    await wait();
  }
  e.dispose();
  expect(errors).toEqual([]);
  return snaps;
}

describe('lab engine (cpu, Node)', () => {
  test('each data set trains to its preset target (train in slices, then pause)', async () => {
    for (const data of ['moons', 'circles', 'spirals', 'xor'] as const) {
      const { config, live } = PRESETS[data];
      const target = PRESET_TARGETS[data];
      const s = await trainTo({ ...config, seed: 1, device: 'cpu' }, live, target.steps);
      const last = s.at(-1)!;
      console.log(`${data}: test accuracy ${last.testAcc} at step ${last.step}`);
      expect(last.step).toBeGreaterThanOrEqual(target.steps);
      expect(last.testAcc).toBeGreaterThanOrEqual(target.testAcc);
      // Before training it is no better than a coin (the classes are balanced).
      expect(s[0]!.testAcc).toBeLessThan(0.8);
    }
  }, 240_000);

  test('node values and gradients match a float64 recomputation', async () => {
    for (const activation of ['relu', 'tanh', 'sigmoid', 'gelu', 'leakyrelu'] as const) {
      const s = await run({ activation, hidden: [5, 3] }, {}, 3);
      const last = s.at(-1)!;
      const ref = recomputeNodes(last, activation);
      expect(last.nodes.map((l) => l.length)).toEqual([5, 3, 1]);
      expect(last.loss).toBeCloseTo(ref.loss, 5);
      last.nodes.forEach((layer, l) =>
        layer.forEach((n, j) => {
          expect(Math.abs(n.value - ref.nodes[l]![j]!.value)).toBeLessThan(1e-5 + 1e-4 * Math.abs(ref.nodes[l]![j]!.value));
          expect(Math.abs(n.grad - ref.nodes[l]![j]!.grad)).toBeLessThan(1e-6 + 1e-4 * Math.abs(ref.nodes[l]![j]!.grad));
        }),
      );
    }
  });

  test('lr 10 with ReLU (SGD): HealthMonitor names the dead layer', async () => {
    // Seeds 0–3 all kill a whole layer within 21 steps at this rate (measured).
    const s = await run({ seed: 0 }, { lr: 10, optimizer: 'sgd' }, 30);
    const dead = s.at(-1)!.health.filter((h) => h.kind === 'dead-relu');
    expect(dead.length).toBeGreaterThan(0);
    expect(dead[0]!.message).toMatch(/^all 8 units of h[12] are inactive since step \d+/);
    // At the preset's rate the same net stays healthy.
    expect((await run({ seed: 0 }, { lr: 0.03, optimizer: 'sgd' }, 30)).at(-1)!.health).toEqual([]);
  });
});
