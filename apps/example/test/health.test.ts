import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendInfo } from '@nn/core';
import { parseArgs, toOptions } from '../src/args.js';
import { setupDevice } from '../src/device.js';
import { runNet } from '../src/run.js';

// In-process, as explain-flags.test.ts: the CLI's health checks reach the run's text and JSON.
describe('dead ReLUs and gradient health in the example', () => {
  let info: BackendInfo;
  beforeAll(async () => {
    info = await setupDevice({ device: 'cpu', gpuMode: 'auto', allowFallback: false });
  });

  it('the three-layer net at lr 1e-6: names the dead layer, the step it died and the rate to use', async () => {
    const opts = toOptions(parseArgs(['--net', '3', '--lr', '1e-6', '--steps', '12', '--log-every', '6']));
    const lines: string[] = [];
    const r = await runNet(3, opts, info, { line: (l) => lines.push(l) });
    const dead = r.health!.filter((f) => f.kind === 'dead-relu');
    expect(dead.map((f) => f.name)).toEqual(['h2_relu']);
    expect(dead[0]!.since).toBeGreaterThan(0);
    expect(dead[0]!.since).toBeLessThan(10);
    const text = lines.join('\n');
    expect(text).toMatch(/# dead ReLU layer: all 100 units of h2_relu are inactive since step \d: the learning rate is too high for this init; try 1e-8 /);
    // Every weight's gradient is then exactly 0: one line for the three, with the norms.
    expect(r.health!.filter((f) => f.kind === 'vanishing-gradient').map((f) => f.name)).toEqual(['w1', 'w2', 'w3']);
    expect(text).toMatch(/# vanishing gradients: w1, w2, w3 are 0 or nearly since step \d .*the dead h2_relu outputs only zeros/);
    expect(text).toMatch(/# gradient norms per weight, step 0 → 11: w1 \S+ → 0, w2 \S+ → 0, w3 \S+ → 0; active units: h1_relu \d+ → \d+ of 100, h2_relu 100 → 0 of 100/);
    // The loss is frozen at Σy² once nothing moves.
    expect(r.losses[0]![1]).toBe(r.losses[1]![1]);
  }, 60_000);

  it('the same in the layers style, which keeps its weights in Linear modules', async () => {
    const opts = toOptions(parseArgs(['--net', '3', '--lr', '1e-6', '--steps', '8', '--style', 'layers']));
    const r = await runNet(3, opts, info, null);
    expect(r.health!.find((f) => f.kind === 'dead-relu')?.name).toBe('h2_relu');
  }, 60_000);

  it('a healthy run reports nothing (the three-layer net at its default 1e-8)', async () => {
    const opts = toOptions(parseArgs(['--net', '3', '--steps', '12', '--log-every', '6']));
    const lines: string[] = [];
    const r = await runNet(3, opts, info, { line: (l) => lines.push(l) });
    expect(r.health).toBeUndefined();
    expect(lines.join('\n')).not.toMatch(/dead ReLU|vanishing|exploding/);
  }, 60_000);
});
