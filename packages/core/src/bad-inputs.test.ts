import { describe, it, expect, beforeAll } from 'vitest';
import { createCpuBackend } from '@nn/cpu';
import {
  NNError, dispose, getDefaultDevice, isCheckingNumerics, isGradEnabled, keep, memory, ones, registerBackend, scope,
  tensor, where, type Tensor,
} from './index.js';
import { badInputs, type BadInput } from '../test/bad-inputs.cases.js';

// Two cpu backends under different names stand in for two devices (as in devices.test.ts).
registerBackend(createCpuBackend());
registerBackend(createCpuBackend({ device: 'cpu2' }));

let older: Tensor;

const liveBuffers = (): Record<string, number> => Object.fromEntries(Object.entries(memory()).map(([d, m]) => [d, m.buffers]));

beforeAll(() => {
  older = keep(tensor([[1, 2, 3], [4, 5, 6]]));
  // Warm-up: ops that make a per-backend constant on first use do it here, not inside a counted case.
  for (const device of ['cpu', 'cpu2']) {
    scope(() => {
      const x = tensor([1, -2], { device });
      where(x.gt(0), x, 0).maskedFill(x.lt(0), 0).clamp({ min: 0 }).zero_();
    });
  }
});

// Run the bad call as a user would, inside scope(): the tensors the call itself made
// before it threw are the scope's to free; a buffer that outlives the scope is a leak
// in nn. A promise is awaited outside the scope (which refuses async functions).
async function failureOf(c: BadInput, f: Record<string, Tensor>): Promise<unknown> {
  let pending: PromiseLike<unknown> | undefined;
  try {
    scope(() => {
      const r = c.run(f);
      if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function') pending = r as PromiseLike<unknown>;
    });
  } catch (e) {
    return e;
  }
  if (!pending) return undefined;
  try {
    await pending;
  } catch (e) {
    return e;
  }
  return undefined;
}

const all = Object.entries(badInputs);
const count = all.reduce((n, [, cases]) => n + cases.length, 0);

describe('bad inputs: a named nn error that names the op, and nothing corrupted', () => {
  it(`has at least 120 cases (has ${count})`, () => {
    console.log(`bad-input cases: ${count}`);
    expect(count).toBeGreaterThanOrEqual(120);
  });

  for (const [group, cases] of all) {
    describe(group, () => {
      for (const c of cases) {
        it(`${c.name} → ${c.error.name} from ${c.op}${c.awaits ? ` (needs ${c.awaits})` : ''}`, async () => {
          const f = c.setup ? scope(() => c.setup!()) : {};
          const before = liveBuffers();
          const err = await failureOf(c, f);
          const after = liveBuffers();
          dispose(f);

          expect(err, 'no error was thrown').toBeInstanceOf(NNError);
          expect(err, `${(err as Error).name}: ${(err as Error).message}`).toBeInstanceOf(c.error);
          expect((err as NNError).op).toBe(c.op);
          expect((err as Error).message.startsWith(`${c.op}: `)).toBe(true);

          // The library state is intact: an older tensor still reads, the next op computes, nothing leaked,
          // and no mode was left switched.
          expect(older.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
          expect(scope(() => ones([2, 3]).add(older).sum(1).toArray())).toEqual([9, 18]);
          expect(after, 'live buffers per device before and after the case').toEqual(before);
          expect(isGradEnabled()).toBe(true);
          expect(isCheckingNumerics()).toBe(false);
          expect(getDefaultDevice()).toBe('cpu');
        });
      }
    });
  }
});
