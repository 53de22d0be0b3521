import { getBackend, listDevices, memory, registerBackend } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { beforeAll, describe, expect, test } from 'vitest';
import { defaultLr } from '../src/config.js';
import { makeTrainer } from '../src/nets/index.js';

// The page's training loops, in Node on the cpu backend: each style trains at
// its default learning rate, manual gradients equal autograd's, and a step
// leaves no tensor behind.

beforeAll(() => {
  if (!listDevices().includes('cpu')) registerBackend(createCpuBackend());
});

function losses(net: 'two' | 'three', style: 'manual' | 'autograd' | 'layers', steps: number): number[] {
  const tr = makeTrainer(net, style, 0, 'cpu', defaultLr(net, style));
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const l = tr.step();
    out.push(l.item());
    l.dispose();
  }
  tr.dispose();
  return out;
}

describe('playground nets', () => {
  for (const net of ['two', 'three'] as const) {
    test(`${net}-layer: manual gradients give autograd's losses, and every style trains`, () => {
      const manual = losses(net, 'manual', 30);
      const auto = losses(net, 'autograd', 30);
      // Same ops in the same order but 2·(y_pred − y) against pow's backward: float32 rounding only.
      manual.forEach((m, i) => expect(Math.abs(m - auto[i]!) / Math.abs(auto[i]!)).toBeLessThan(1e-4));
      expect(manual[29]!).toBeLessThan(manual[0]! / 10);
      const layers = losses(net, 'layers', 30);
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
});
