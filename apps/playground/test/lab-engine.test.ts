import { getBackend, listDevices, manualSeed, randn, registerBackend } from '@nn/core';
import { GELU, Linear, Sequential } from '@nn/layers';
import { exportOnnx } from '@nn/onnx';
import * as ort from 'onnxruntime-node';
import { createCpuBackend } from '@nn/cpu';
import { beforeAll, describe, expect, test } from 'vitest';
import { gridPoints } from '../src/lab/data.js';
import { GRID, LabEngine } from '../src/lab/engine.js';
import { PRESETS, PRESET_TARGETS } from '../src/lab/presets.js';
import type { Built, FromTrainer, LabConfig, LabLive, Snapshot } from '../src/lab/protocol.js';
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

  describe('.onnx out and in', () => {
    /** A trainer on moons (hidden 5, 3, tanh) that keeps every message; `until` waits for the next one of a type. */
    async function lab() {
      const msgs: FromTrainer[] = [];
      const waiting: { type: string; resolve: (m: FromTrainer) => void }[] = [];
      const e = new LabEngine(
        (m) => {
          msgs.push(m);
          // Every waiter for this type (a race leaves its loser waiting: it resolves too, unheard).
          for (const w of waiting.filter((w) => w.type === m.type)) {
            waiting.splice(waiting.indexOf(w), 1);
            w.resolve(m);
          }
        },
        cpu,
        'test',
        { sliceMs: 20, snapshotMs: 100 },
      );
      const until = <T extends FromTrainer['type']>(type: T): Promise<Extract<FromTrainer, { type: T }>> =>
        new Promise((resolve) => waiting.push({ type, resolve: resolve as (m: FromTrainer) => void }));
      const snap = (): Snapshot => (msgs.filter((m) => m.type === 'snapshot').at(-1) as { snapshot: Snapshot }).snapshot;
      const built = (): Built => (msgs.filter((m) => m.type === 'built').at(-1) as { built: Built }).built;
      const step = async (n: number): Promise<void> => {
        for (let i = 0; i < n; i++) {
          const done = until('state');
          e.handle({ type: 'step' });
          await done;
        }
      };
      const ready = until('state');
      e.handle({ type: 'build', config: { ...PRESETS.moons.config, hidden: [5, 3], activation: 'tanh', seed: 2, device: 'cpu' }, live: PRESETS.moons.live });
      await ready;
      const load = async (bytes: Uint8Array, name: string): Promise<FromTrainer> => {
        const next = Promise.race([until('built'), until('onnx-error')]);
        e.handle({ type: 'import', bytes, name });
        const m = await next;
        if (m.type === 'built') await until('state');
        return m;
      };
      const save = async (): Promise<Uint8Array> => {
        const done = until('exported');
        e.handle({ type: 'export' });
        return (await done).bytes;
      };
      return { e, msgs, snap, built, step, load, save };
    }

    test('the exported net runs in ONNX Runtime as the lab predicts, imports back with the same predictions, and trains on', async () => {
      const l = await lab();
      await l.step(60);
      const before = l.snap();
      const bytes = await l.save();
      expect(l.msgs.find((m) => m.type === 'exported')).toMatchObject({ data: 'moons' });
      // ONNX Runtime on the grid the boundary is drawn from gives the posted P(class 1).
      const grid = gridPoints(l.built().bounds, GRID);
      const session = await ort.InferenceSession.create(bytes);
      const { output } = await session.run({ input: new ort.Tensor('float32', grid, [GRID * GRID, 2]) });
      expect(output!.dims).toEqual([GRID * GRID, 1]);
      const logits = output!.data as Float32Array;
      let worst = 0;
      logits.forEach((z, i) => (worst = Math.max(worst, Math.abs(1 / (1 + Math.exp(-z)) - before.grid[i]!))));
      expect(worst).toBeLessThan(1e-5);

      // Back in: the same boundary, accuracies and units, drawn as a chain of 2 → 5 → 3 → 1.
      const m = await l.load(bytes, 'nn-lab-moons.onnx');
      expect(m.type).toBe('built');
      const b = l.built();
      expect(b.imported).toEqual({ name: 'nn-lab-moons.onnx', ops: 'Gemm, Tanh, Gemm, Tanh, Gemm', chain: true, why: '' });
      expect(b.hidden).toEqual([5, 3]);
      const after = l.snap();
      expect(after.step).toBe(0);
      let gap = 0;
      after.grid.forEach((p, i) => (gap = Math.max(gap, Math.abs(p - before.grid[i]!))));
      expect(gap).toBeLessThan(1e-6);
      expect(after.trainAcc).toBe(before.trainAcc);
      expect(after.testAcc).toBe(before.testAcc);
      expect(after.neurons.map((n) => n.length)).toEqual([5, 3]);
      expect(after.weights).toEqual(before.weights);

      // It trains on: the units are measured, the weights move, and the accuracy reaches the preset's target.
      await l.step(1);
      expect(l.snap().nodes.map((n) => n.length)).toEqual([5, 3, 1]);
      expect(l.snap().weights).not.toEqual(after.weights);
      const done = new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (l.snap().step >= 600) {
            clearInterval(t);
            resolve();
          }
        }, 20);
      });
      l.e.handle({ type: 'train' });
      await done;
      l.e.handle({ type: 'pause' });
      console.log(`imported net: test accuracy ${before.testAcc} at import → ${l.snap().testAcc} after ${l.snap().step} more steps`);
      expect(l.snap().testAcc).toBeGreaterThanOrEqual(0.9);
      // And out again, with the trained weights: ONNX Runtime follows.
      const again = await l.save();
      const s2 = await ort.InferenceSession.create(again);
      const z2 = (await s2.run({ input: new ort.Tensor('float32', grid.subarray(0, 2), [1, 2]) })).output!.data as Float32Array;
      expect(z2[0]).not.toBe(logits[0]);
      l.e.dispose();
      expect(l.msgs.filter((m) => m.type === 'error' || m.type === 'onnx-error')).toEqual([]);
    }, 120_000);

    test('a graph that is not a Linear chain trains with its boundary only; wrong sizes and bad bytes are refused by name', async () => {
      const l = await lab();
      manualSeed(3);
      // At opset 17 GELU is spelt out (Constant, Div, Erf, Add, Mul, …): not a chain of single activations.
      const gelu = await exportOnnx(new Sequential(new Linear(2, 6), new GELU(), new Linear(6, 1)), randn([1, 2]), { opset: 17 });
      expect((await l.load(gelu, 'gelu17.onnx')).type).toBe('built');
      const b = l.built();
      expect(b.imported?.chain).toBe(false);
      expect(b.imported?.why).toMatch(/^node 1 is (Constant|Div), not an activation/);
      expect(b.hidden).toEqual([]);
      const s0 = l.snap();
      expect(s0.neurons).toEqual([]);
      await l.step(20);
      const s1 = l.snap();
      expect(s1.step).toBe(20);
      expect(Number.isFinite(s1.loss)).toBe(true);
      expect([...s1.grid]).not.toEqual([...s0.grid]);

      const three = await exportOnnx(new Sequential(new Linear(3, 1)), randn([1, 3]));
      const m3 = await l.load(three, 'three.onnx');
      expect(m3).toMatchObject({ type: 'onnx-error', action: 'import' });
      expect((m3 as { message: string }).message).toMatch(/^three\.onnx: .*input \[batch, 2\].*float32 \[batch, 3\]/);
      const two = await exportOnnx(new Sequential(new Linear(2, 2)), randn([1, 2]));
      expect(((await l.load(two, 'two.onnx')) as { message: string }).message).toMatch(/output \[batch, 1\].*maps \[1, 2\] to \[1, 2\]/);
      const junk = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(((await l.load(junk, 'junk.onnx')) as { message: string }).message).toMatch(/^junk\.onnx: importOnnx: .*not an ONNX model/);
      // The refused files left the GELU graph training.
      await l.step(1);
      expect(l.snap().step).toBe(21);
      l.e.dispose();
      expect(l.msgs.filter((m) => m.type === 'error')).toEqual([]);
    }, 60_000);
  });
});
