import { describe, expect, it } from 'vitest';
import { memory, registerBackend } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { parseArgs } from './args.js';
import { gpuMarkdown, makeGpuPlan, measureGpuRows, TWINS, twinRatios, type GpuPath } from './gpu-rows.js';
import { manualLoop } from './nn.js';
import { makePlan } from './plan.js';
import { markdown, type Results } from './report.js';
import { loops } from './workloads.js';

registerBackend(createCpuBackend());
// Stand-ins for gpu paths (the node project has no GPU context): the section's code is device-generic.
registerBackend(createCpuBackend({ device: 'cpu-path', engine: 'js' }));
registerBackend(createCpuBackend({ device: 'cpu-path-twin', engine: 'js' }));
registerBackend(createCpuBackend({ device: 'cpu-path-plain', engine: 'js' }));

describe('bench: the nn gpu rows', () => {
  const args = parseArgs(['--only', 'W1,W4', '--quick']);
  const plan = makePlan(args);

  it('are planned with W1 (few steps) and 256³/512³ products, and left out with --no-gpu-rows', () => {
    const gp = makeGpuPlan(plan, args.gpuRows, 1)!;
    expect(gp.steps).toBe(5);
    expect(gp.sizes).toEqual([256, 512]);
    expect(gp.products[512]!.a.length).toBe(512 * 512);
    expect(gp.w1).toBe(plan.data.W1);
    expect(parseArgs(['--no-gpu-rows']).gpuRows).toBe(false);
    expect(makeGpuPlan(plan, false, 1)).toBeNull();
    expect(makeGpuPlan(makePlan(parseArgs(['--only', 'W6'])), true, 1)).toBeNull();
  });

  it('twin each path with the older fusion (on W1) and the plain matmul kernel (on the products)', () => {
    expect(TWINS).toEqual([
      { options: { fuse: 'chains' }, runs: 'W1' },
      { options: { matmul: 'plain' }, runs: 'matmul' },
    ]);
  });

  it('measure launches per step, the ratios to nn cpu and of each twin to its path, and check losses against nn cpu', async () => {
    const gp = makeGpuPlan(plan, true, 1)!;
    gp.sizes = [256];
    const paths: GpuPath[] = [
      { device: 'cpu-path', peer: 'path', runtime: 'js' },
      { device: 'cpu-path-twin', peer: 'path, fuse: chains', runtime: 'js', twinOf: 'path', runs: 'W1' },
      { device: 'cpu-path-plain', peer: 'path, matmul: plain', runtime: 'js', twinOf: 'path', runs: 'matmul' },
    ];
    const rows = await measureGpuRows(gp, paths, [{ peer: 'nn gpu, Dawn', why: 'no adapter' }]);
    // The launches the bench's own W1 loop makes per step on the cpu backend.
    const k0 = memory().cpu!.kernels;
    const losses = manualLoop(plan.data.W1!, 'cpu', loops.W1.lr, gp.steps);
    const perStep = (memory().cpu!.kernels - k0) / gp.steps;

    const w1 = rows.filter((r) => r.what === 'W1, 5 steps');
    expect(w1.map((r) => r.peer)).toEqual(['nn cpu', 'path', 'path, fuse: chains']);
    for (const r of w1) {
      expect(r.launchesPerStep).toBe(perStep);
      // The js kernels sum in another order than wasm's gemm: the same loss to float32 rounding.
      expect(Math.abs(r.check! - losses[gp.steps - 1]!) / losses[gp.steps - 1]!).toBeLessThan(1e-5);
      expect(r.vsCpu).toBeGreaterThan(0);
    }
    expect(w1[0]!.checkOk).toBeNull();
    expect(w1[1]!.checkOk).toBe(true);
    expect(w1[1]!.vsDefault).toBeUndefined();
    expect(w1[2]!.vsDefault).toBeCloseTo(w1[2]!.ms! / w1[1]!.ms!, 9);

    const mm = rows.filter((r) => r.what === 'matmul 256³');
    expect(mm.map((r) => r.peer)).toEqual(['nn cpu', 'path', 'path, matmul: plain']);
    expect(mm.every((r) => r.launchesPerStep === 1 && r.checkOk !== false)).toBe(true);
    expect(mm[1]!.vsDefault).toBeUndefined();
    expect(mm[2]).toMatchObject({ twinOf: 'path' });
    expect(mm[2]!.vsDefault).toBeCloseTo(mm[2]!.ms! / mm[1]!.ms!, 9);
    // One same-run ratio a twin row, the matmul's named as the blocked kernel against the plain one.
    const ratios = twinRatios(rows);
    expect(ratios).toEqual([
      `W1, 5 steps, path: default (fuse: trees) ${w1[2]!.vsDefault!.toFixed(2)}x the speed of fuse: chains`,
      `matmul 256³, path: default (blocked) ${mm[2]!.vsDefault!.toFixed(2)}x the speed of matmul: plain`,
    ]);
    expect(rows.at(-1)).toMatchObject({ peer: 'nn gpu, Dawn', skipped: 'no adapter' });

    const md = gpuMarkdown(rows);
    expect(md).toMatch(/\| launches per step \|/);
    expect(md).toMatch(/skipped: no adapter/);
    expect(md).toContain(`- ${ratios[1]}`);
    const results: Results = {
      date: '2026-01-01T00:00:00Z', command: 'npm run bench', machine: { cpu: 'c', cores: 2, memoryGiB: 1, node: '20', os: 'Linux' },
      quick: true, lossTolerance: 1e-3, residualTolerance: 1e-5, rows: [], notes: [],
      gpu: [...rows, { ...w1[1]!, check: 1, checkOk: false }],
    };
    expect(markdown(results)).toMatch(/nn gpu rows[\s\S]*MISMATCH/);
  });
});
