import { describe, expect, it } from 'vitest';
import { memory } from '@nn/core';
import { toOptions, parseArgs } from '../src/args.js';
import { setupDevice } from '../src/device.js';
import { runNet } from '../src/run.js';

// In process, so the cpu backend's live-buffer count is visible.
describe('the training loop keeps memory flat (one scope() per step)', () => {
  for (const style of ['manual', 'autograd', 'layers']) {
    it(`--style ${style}: 30 steps leave exactly what 3 steps leave`, async () => {
      const info = await setupDevice({ device: 'cpu', gpuMode: 'auto', allowFallback: false });
      const before = memory().cpu!.buffers;
      const run = async (steps: number): Promise<number> => {
        const opts = toOptions(parseArgs(['--net', '2', '--style', style, '--steps', String(steps), '--log-every', '3']));
        const r = await runNet(2, opts, info, null);
        expect(r.losses).toHaveLength(steps / 3);
        return memory().cpu!.buffers;
      };
      const after3 = await run(3);
      // What stays is core's cache of scalar constants (the 0 of maskedFill...), made once per device.
      expect(after3 - before).toBeLessThanOrEqual(2);
      // A per-step leak would show here: 27 more steps, ~10 tensors a step.
      expect(await run(30)).toBe(after3);
    }, 60_000);
  }
});
