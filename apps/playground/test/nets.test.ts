import { getBackend, listDevices, memory, registerBackend } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { graph, HealthMonitor } from '@nn/explain';
import { beforeAll, describe, expect, test } from 'vitest';
import { defaultLr } from '../src/config.js';
import { measureHealth } from '../src/nets/health.js';
import { makeTrainer } from '../src/nets/index.js';
import { trainerLosses } from './trainer-losses.js';

// The page's training loops, in Node on the cpu backend: each style trains at
// its default learning rate, manual gradients equal autograd's, and a step
// leaves no tensor behind.

beforeAll(() => {
  if (!listDevices().includes('cpu')) registerBackend(createCpuBackend());
});

describe('playground nets', () => {
  for (const net of ['two', 'three'] as const) {
    test(`${net}-layer: manual gradients give autograd's losses, and every style trains`, () => {
      const manual = trainerLosses(net, 'manual', 30);
      const auto = trainerLosses(net, 'autograd', 30);
      // Same ops in the same order but 2·(y_pred − y) against pow's backward: float32 rounding only.
      manual.forEach((m, i) => expect(Math.abs(m - auto[i]!) / Math.abs(auto[i]!)).toBeLessThan(1e-4));
      expect(manual[29]!).toBeLessThan(manual[0]! / 10);
      const layers = trainerLosses(net, 'layers', 30);
      expect(layers[29]!).toBeLessThan(layers[0]!);
    });
  }

  test('the seed decides the numbers: same seed, same run; another seed, another run', () => {
    const run = (seed: number): number[] => {
      const tr = makeTrainer('two', 'manual', seed, 'cpu', 1e-6);
      const out = [0, 1, 2].map(() => {
        const l = tr.step();
        const v = l.item();
        l.dispose();
        return v;
      });
      tr.dispose();
      return out;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(8)[0]).not.toBe(run(7)[0]);
  });

  test('steps, explanations and dispose leave no live buffer behind', () => {
    const before = memory().cpu!.buffers;
    for (const style of ['manual', 'autograd', 'layers'] as const) {
      const tr = makeTrainer('three', style, 1, 'cpu', defaultLr('three', style));
      for (let i = 0; i < 3; i++) tr.step().dispose();
      const mid = getBackend('cpu').stats().buffers;
      for (let i = 0; i < 3; i++) tr.step().dispose();
      // Flat across steps: the last step's gradients replace the previous ones.
      expect(getBackend('cpu').stats().buffers).toBe(mid);
      const ex = tr.explain();
      ex.loss.backward();
      ex.dispose();
      expect(getBackend('cpu').stats().buffers).toBe(mid);
      tr.dispose();
    }
    expect(memory().cpu!.buffers).toBe(before);
  });

  /** Train `steps` steps, measuring health as the page does (every one of the first ten steps, then every tenth). */
  async function healthRun(net: 'two' | 'three', style: 'manual' | 'autograd' | 'layers', lr: number, steps: number) {
    const tr = makeTrainer(net, style, 0, 'cpu', lr);
    const def = defaultLr(net, style);
    const monitor = new HealthMonitor({ lr, suggestLr: lr > def ? def : lr / 100 });
    let loss = NaN;
    for (let t = 1; t <= steps; t++) {
      const l = tr.step();
      loss = l.item();
      l.dispose();
      if (t <= 10 || t % 10 === 0) monitor.record((await measureHealth(tr, t))!.sample);
    }
    tr.dispose();
    return { loss, findings: monitor.findings(), last: monitor.history.at(-1)! };
  }

  test("the three-layer net at lr 1e-6 sits at 673.30 with every gradient 0: the health check names the dead ReLU layer and the fix", async () => {
    for (const style of ['manual', 'autograd'] as const) {
      const { loss, findings, last } = await healthRun('three', style, 1e-6, 30);
      // The loss is sum(y²): y_pred is 0 for every example.
      expect(loss).toBeCloseTo(673.3, 1);
      expect(last.gradients.map((g) => g.norm)).toEqual([0, 0, 0]);
      expect(last.layers.find((l) => l.name === 'h2_relu')!.active).toBe(0);
      const dead = findings.find((f) => f.kind === 'dead-relu')!;
      expect(dead.name).toBe('h2_relu');
      expect(dead.message).toMatch(/^all 100 units of h2_relu are inactive since step \d: the learning rate is too high for this init; try 1e-8/);
      expect(findings.filter((f) => f.kind === 'vanishing-gradient').map((f) => f.name)).toEqual(['w1', 'w2', 'w3']);
    }
  });

  test('healthy runs at the default rates report nothing; a diverging one reports exploding gradients', async () => {
    for (const [net, style] of [['two', 'manual'], ['three', 'autograd'], ['three', 'layers']] as const) {
      const { findings, last } = await healthRun(net, style, defaultLr(net, style), 40);
      expect(findings, `${net}/${style}`).toEqual([]);
      expect(last.layers.every((l) => l.active > 0)).toBe(true);
    }
    const { findings } = await healthRun('three', 'manual', 1e-4, 12);
    expect(findings.some((f) => f.kind === 'exploding-gradient' && /lower the learning rate \(try 1e-8\)/.test(f.message))).toBe(true);
  });

  test('the layers style is explained through its named code: h1 = x·Wᵀ + b, h1_relu, y_pred, no unnamed add or relu', () => {
    const tr = makeTrainer('three', 'layers', 0, 'cpu', 1e-4);
    tr.step().dispose();
    const ex = tr.explain();
    const g = graph(ex.loss, { view: 'forward' });
    const byName = new Map(g.nodes.map((n) => [n.name, n]));
    expect(byName.get('h1')?.formula).toBe('x · 0.weightᵀ + 0.bias');
    expect(byName.get('h1_relu')?.formula).toBe('relu(h1)');
    expect(byName.get('h2')?.formula).toBe('h1_relu · 2.weightᵀ + 2.bias');
    expect(byName.get('y_pred')?.formula).toBe('h2_relu · 4.weightᵀ + 4.bias');
    expect(g.nodes.filter((n) => n.op === 'add' || n.op === 'relu').every((n) => n.named)).toBe(true);
    ex.dispose();
    tr.dispose();
  });

  test('health measurements leave no live buffer behind', async () => {
    const tr = makeTrainer('three', 'layers', 0, 'cpu', 1e-4);
    expect(await measureHealth(tr, 0)).toBeNull();
    tr.step().dispose();
    const before = getBackend('cpu').stats().buffers;
    const r = (await measureHealth(tr, 1))!;
    expect(getBackend('cpu').stats().buffers).toBe(before);
    expect(r.masks.map((m) => [m.name, m.rows, m.cols])).toEqual([['h1_relu', 64, 100], ['h2_relu', 64, 100]]);
    expect(r.sample.gradients.map((g) => g.name)).toEqual(['0.weight', '2.weight', '4.weight']);
    tr.dispose();
  });
});
