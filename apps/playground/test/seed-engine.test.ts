import { getBackend, listDevices, registerBackend } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { beforeAll, describe, expect, test } from 'vitest';
import { defaultLr } from '../src/config.js';
import { trainerLosses } from './trainer-losses.js';
import { GpuUnavailable, SeedEngine, type Opener } from '../src/seed-worker/engine.js';
import type { FromSeed, ToSeed } from '../src/seed-worker/protocol.js';

// The seed worker's engine in Node, fed messages as the worker feeds it: the
// losses it posts are the page's own trainers' (nets/), step for step, and
// everything it posts survives structured clone (what postMessage does).

beforeAll(() => {
  if (!listDevices().includes('cpu')) registerBackend(createCpuBackend());
});

/** The worker's opener in Node: the cpu backend; a gpu mode is handed back, as a worker without it does. */
const open: Opener = async (choice) => {
  if (choice !== 'cpu') throw new GpuUnavailable(`gpu.js cannot run ${choice} in a Web Worker here (Node)`);
  const b = getBackend('cpu');
  return { device: 'cpu', runtime: b.info.runtime, note: b.info.note ?? '', fallback: false, asyncRead: false };
};

/** An engine whose posts land in `out` (cloned, with the transfer list applied, as postMessage would). */
function engine(sliceMs = 5): { send(m: ToSeed): void; out: FromSeed[]; next(type: FromSeed['type']): Promise<FromSeed> } {
  const out: FromSeed[] = [];
  const waiting: { type: FromSeed['type']; resolve: (m: FromSeed) => void; reject: (e: Error) => void }[] = [];
  const e = new SeedEngine(
    (m, transfer) => {
      const copy = structuredClone(m, { transfer });
      out.push(copy);
      // An error answers whatever is awaited, so a failing command fails the test at once with its message.
      const w = waiting.findIndex((x) => x.type === copy.type || copy.type === 'error');
      if (w >= 0) {
        const x = waiting.splice(w, 1)[0]!;
        if (copy.type === 'error' && x.type !== 'error') x.reject(new Error(copy.message));
        else x.resolve(copy);
      }
    },
    open,
    { sliceMs, snapshotMs: 20, restMs: 1 },
    (ms) => new Promise((r) => setTimeout(r, ms)),
  );
  return {
    out,
    send: (m) => e.handle(m),
    next: (type) => new Promise((resolve, reject) => waiting.push({ type, resolve, reject })),
  };
}

describe('seed worker engine', () => {
  for (const [net, style] of [['two', 'manual'], ['three', 'autograd'], ['three', 'layers']] as const) {
    test(`${net}-layer ${style}: the posted losses are the trainer's, step for step, with heatmaps and health readings`, { timeout: 20_000 }, async () => {
      const w = engine();
      const built = w.next('built');
      w.send({ type: 'build', net, style, device: 'cpu', seed: 0, lr: defaultLr(net, style) });
      const b = (await built) as Extract<FromSeed, { type: 'built' }>;
      expect(b.weights.map((x) => x.shape.length)).toEqual(net === 'two' ? [2, 2] : [2, 2, 2]);
      expect(b.heat.every((h) => h.grad === null && h.value.length === b.weights[h.index]!.shape[0]! * b.weights[h.index]!.shape[1]!)).toBe(true);
      const stopped = w.next('stopped');
      w.send({ type: 'train', target: 40 });
      expect(((await stopped) as { t: number }).t).toBe(40);
      const posted = w.out.filter((m): m is Extract<FromSeed, { type: 'losses' }> => m.type === 'losses');
      // Slices in order, none missing; steps 1–9 one per slice (measured one by one, as the page does; step 10 opens the first full slice).
      expect(posted.map((m) => m.from)).toEqual(posted.map((_, i) => posted.slice(0, i).reduce((n, p) => n + p.losses.length, 0)));
      expect(posted.slice(0, 9).every((m) => m.losses.length === 1)).toBe(true);
      expect(posted.flatMap((m) => m.losses)).toEqual(trainerLosses(net, style, 40));
      const health = w.out.filter((m) => m.type === 'health');
      expect(health.length).toBeGreaterThanOrEqual(9);
      const lastHeat = w.out.filter((m): m is Extract<FromSeed, { type: 'heat' }> => m.type === 'heat').slice(-b.weights.length);
      expect(lastHeat.every((m) => m.heat.grad !== null && m.heat.grad.some((v) => v !== 0))).toBe(true);
      // The explanation crosses structured clone too.
      const explained = w.next('explained');
      w.send({ type: 'explain', weight: b.weights[0]!.name });
      const ex = ((await explained) as Extract<FromSeed, { type: 'explained' }>).explained;
      expect(ex.ex.leaf).toBe(b.weights[0]!.name);
      expect(ex.fwd.nodes.length).toBeGreaterThan(4);
    });
  }

  test('a pause stops a long run between slices; a diverging run stops at its first non-finite loss', async () => {
    const w = engine(2);
    const built = w.next('built');
    w.send({ type: 'build', net: 'two', style: 'manual', device: 'cpu', seed: 0, lr: 1e-6 });
    await built;
    const stopped = w.next('stopped');
    w.send({ type: 'train', target: 100000 });
    await new Promise((r) => setTimeout(r, 300));
    w.send({ type: 'pause' });
    const t = ((await stopped) as { t: number }).t;
    expect(t).toBeGreaterThan(10);
    expect(t).toBeLessThan(100000);

    const w2 = engine();
    const built2 = w2.next('built');
    w2.send({ type: 'build', net: 'two', style: 'manual', device: 'cpu', seed: 0, lr: 1 });
    await built2;
    const stopped2 = w2.next('stopped');
    w2.send({ type: 'train', target: 200 });
    const at = ((await stopped2) as { t: number }).t;
    const all = w2.out.flatMap((m) => (m.type === 'losses' ? m.losses : []));
    expect(all).toHaveLength(at);
    expect(at).toBeLessThan(200);
    expect(Number.isFinite(all.at(-1)!)).toBe(false);
    expect(all.slice(0, -1).every(Number.isFinite)).toBe(true);
  });

  test('a gpu mode the worker cannot open is answered with gpu-unavailable and the reason (the page then trains it)', async () => {
    const w = engine();
    const answer = w.next('gpu-unavailable');
    w.send({ type: 'build', net: 'two', style: 'manual', device: 'webgpu', seed: 0, lr: 1e-6 });
    expect(((await answer) as { reason: string }).reason).toMatch(/cannot run webgpu in a Web Worker/);
  });

  test('a command before any build is answered with an error that says what to do', async () => {
    const w = engine();
    const err = w.next('error');
    w.send({ type: 'train', target: 5 });
    expect(((await err) as { message: string }).message).toMatch(/before any 'build': build a net first/);
  });
});
