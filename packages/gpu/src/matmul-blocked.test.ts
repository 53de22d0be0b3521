import { describe, expect, it } from 'vitest';
import { BLOCKED_MIN_WORK, blockedMatmulSource, blockedPlan, packSource, type BlockedOperand } from './matmul-blocked.js';
import type { Read } from './sources.js';

// The blocked matmul's plan and sources as text (their values are checked on
// headless-gl and Dawn by matmul-blocked.gl/.dawn.test.ts).
const read = (strides: number[], firstArg = 0): Read => ({ strides, offset: 0, chain: [], firstArg, flat: false });
const operands = (m: number, k: number, n: number): [BlockedOperand, BlockedOperand] => [
  { read: read([k, 1]), args: [], key: 'a' },
  { read: read([1, n]), args: [], key: 'b' },
];

describe('blocked matmul plan', () => {
  it('GL: pack A, pack B, the packed product, unpack; thread counts from the padded sizes', () => {
    const plan = blockedPlan('headlessgl', { batch: [2], m: 256, k: 131, n: 128 }, ...operands(256, 131, 128))!;
    expect(plan.map((s) => s.key.split('|')[0])).toEqual(['packA', 'packB', 'mm4packed', 'unpack']);
    // k = 131 packs into 33 texels a row; B gets 4·33 = 132 rows, the last one zeros.
    expect(plan.map((s) => s.threads)).toEqual([2 * 256 * 33, 2 * 132 * 32, (2 * 256 * 128) / 4, 2 * 256 * 128]);
    expect(plan.map((s) => s.reads)).toEqual([['a'], ['b'], [0, 1], [2]]);
    expect(plan.some((s) => s.flatten)).toBe(false);
  });

  it('WebGPU: one kernel on the operands in place, its vec4 result flattened', () => {
    const plan = blockedPlan('webgpu', { batch: [], m: 64, k: 64, n: 64 }, ...operands(64, 64, 64))!;
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({ reads: ['a', 'b'], threads: 64 * 16, flatten: true });
  });

  it('the plain kernel (null) for columns not a multiple of 4, products under the path threshold, packed buffers past the device limit, host runtimes', () => {
    expect(blockedPlan('webgpu', { batch: [], m: 64, k: 64, n: 66 }, ...operands(64, 64, 66))).toBeNull();
    expect(blockedPlan('headlessgl', { batch: [], m: 64, k: 1000, n: 100 }, ...operands(64, 1000, 100))).toBeNull(); // the seed step's 6.4M: one launch
    expect(64 * 1000 * 100).toBeLessThan(BLOCKED_MIN_WORK.headlessgl!);
    expect(blockedPlan('webgpu', { batch: [], m: 32, k: 32, n: 32 }, ...operands(32, 32, 32))).toBeNull();
    // A [2048, 2048] operand broadcast over 8 entries would pack into 8·2048·512 texels, past a 2^22 limit.
    const wide: BlockedOperand = { read: read([0, 2048, 1]), args: [], key: 'a' };
    const narrow: BlockedOperand = { read: read([4 * 2048, 1, 4]), args: [], key: 'b' };
    expect(blockedPlan('headlessgl', { batch: [8], m: 2048, k: 2048, n: 4 }, wide, narrow)).not.toBeNull();
    expect(blockedPlan('headlessgl', { batch: [8], m: 2048, k: 2048, n: 4 }, wide, narrow, 2 ** 22)).toBeNull();
    for (const r of ['webasm', 'cpu'] as const) expect(blockedPlan(r, { batch: [], m: 512, k: 512, n: 512 }, ...operands(512, 512, 512))).toBeNull();
  });

  it('sources: an unrolled inner loop and its tail, chains applied once per A value, padding in the pack', () => {
    const relu: Read = { strides: [7, 1], offset: 3, chain: [{ op: 'relu', scalar: false }], firstArg: 0, flat: false };
    const s = blockedMatmulSource({ batch: [], m: 8, k: 7, n: 8 }, relu, read([1, 8]), 0);
    expect(s).toContain('for (let q = 0; q < 1; q++)');
    expect(s).toContain('for (let p = 0; p < 3; p++)');
    expect(s.match(/nnMax/g)).toHaveLength(4 + 1); // one relu per A read: 4 unrolled steps, 1 in the tail
    expect(s).toContain('return [acc0, acc1, acc2, acc3];');
    const p = packSource([], 8, 7, 10, read([10, 1]), 0);
    expect(p).toContain('if (cc3 > 9) {\n    cc3 = 9;'); // the last real column (integer index arithmetic)
    expect(p).toContain('row > 6'); // rows past the real 7 are zeros
  });
});
