import { mkdtempSync, copyFileSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '@nn/core';
import { buildExample, cli, ROOT, type CliResult } from './cli.js';
import { checkAgainstReference } from './reference.js';
import { divergenceMessage } from '../src/run.js';

const fake = (name: string): string => pathToFileURL(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))).href;

interface Run {
  device: string;
  backend: { name: string; runtime: string; fallback: boolean };
  net: number;
  style: string;
  steps: number;
  lr: number;
  seed: number | null;
  data: string | null;
  losses: [number, number][];
  elapsedMs: number;
  gradCheck: { ok: boolean; maxAbsDiff: number; weights: { name: string; maxAbsDiff: number; tolerance: number }[] };
}

// One build for the whole file (two files building at once would race on dist/),
// then the two 500-step reference runs start in the background: they are separate
// processes, so they overlap with each other and with the quick tests below.
const reference: Record<string, Promise<CliResult>> = {};
beforeAll(() => {
  buildExample();
  reference.seed2 = cli(['--data', 'fixtures/seed2', '--json']);
  reference.seed3 = cli(['--data', 'fixtures/seed3', '--json']);
}, 240_000);

/** A usage error: exit 2, nothing on stdout, exactly one line on stderr that names the problem. */
async function expectUsageError(args: string[], pattern: RegExp, env: Record<string, string> = {}): Promise<void> {
  const r = await cli(args, env);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(r.stderr).toMatch(/^nn-example: /);
  expect(r.stderr).toMatch(pattern);
}

describe('text output', () => {
  it('with no --net runs the two- then the three-layer net, each with its gradient check and `t loss` lines', async () => {
    const r = await cli(['--steps', '20', '--log-every', '10']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^nn-example: device cpu runs @nn\/cpu \(\S+\)\n$/);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^# two-layer net 64×1000 → 100 → 10, manual backprop, lr 1e-6, 20 steps on cpu, seed 0$/);
    expect(lines[1]).toMatch(/^# gradient check, manual vs autograd: max \|difference\| \S+: w1 .*, w2 .*: ok$/);
    expect(lines.slice(2, 4).map((l) => l.split(' ')[0])).toEqual(['9', '19']);
    for (const l of [lines[2]!, lines[3]!]) expect(l).toMatch(/^\d+ \d+(\.\d+)?(e[+-]\d+)?$/);
    expect(lines[5]).toMatch(/^# three-layer net 64×1000 → 100 → 100 → 10, manual backprop, lr 1e-8/);
    expect(lines[6]).toMatch(/w3 .*: ok$/);
    expect(lines.slice(7)).toHaveLength(2);
    expect(Number(lines[8]!.split(' ')[1])).toBeLessThan(Number(lines[7]!.split(' ')[1]));
  }, 120_000);

  it('--help lists every flag and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const f of ['--net', '--style', '--device', '--gpu-mode', '--allow-fallback', '--steps', '--lr', '--seed', '--log-every', '--data', '--json']) expect(r.stdout).toContain(f);
  });
});

describe('--json', () => {
  it('prints one object with the run: device, backend really used, net, style, steps, lr, seed, losses, elapsedMs', async () => {
    const r = await cli(['--net', '2', '--steps', '30', '--log-every', '10', '--json', '--seed', '3', '--lr', '2e-6']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const o = JSON.parse(r.stdout) as Run;
    expect(Object.keys(o).sort()).toEqual(['backend', 'data', 'device', 'elapsedMs', 'gradCheck', 'losses', 'lr', 'net', 'seed', 'steps', 'style'].sort());
    expect(o).toMatchObject({ device: 'cpu', net: 2, style: 'manual', steps: 30, lr: 2e-6, seed: 3, data: null });
    expect(o.backend).toMatchObject({ name: '@nn/cpu', fallback: false });
    expect(o.backend.runtime).toMatch(/^(js|wasm)/);
    expect(o.losses.map(([t]) => t)).toEqual([9, 19, 29]);
    expect(o.losses[2]![1]).toBeLessThan(o.losses[0]![1]);
    expect(o.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(o.gradCheck.ok).toBe(true);
    expect(o.gradCheck.weights.map((w) => w.name)).toEqual(['w1', 'w2']);
  }, 60_000);

  it('wraps both nets in { runs: [...] } when --net is not given', async () => {
    const r = await cli(['--steps', '2', '--log-every', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout) as { runs: Run[] };
    expect(o.runs.map((x) => [x.net, x.lr, x.losses.length])).toEqual([[2, 1e-6, 2], [3, 1e-8, 2]]);
  }, 60_000);

  it('the same seed gives the same losses; another seed different ones', async () => {
    const a = JSON.parse((await cli(['--net', '2', '--steps', '5', '--log-every', '5', '--json', '--seed', '1'])).stdout) as Run;
    const b = JSON.parse((await cli(['--net', '2', '--steps', '5', '--log-every', '5', '--json', '--seed', '1'])).stdout) as Run;
    const c = JSON.parse((await cli(['--net', '2', '--steps', '5', '--log-every', '5', '--json', '--seed', '2'])).stdout) as Run;
    expect(a.losses).toEqual(b.losses);
    expect(a.losses).not.toEqual(c.losses);
  }, 60_000);
});

describe('styles agree: manual, autograd and layers from the same weights', () => {
  for (const net of ['2', '3']) {
    it(`--net ${net}`, async () => {
      const runs = await Promise.all(
        ['manual', 'autograd', 'layers'].map(async (style) => {
          const r = await cli(['--net', net, '--style', style, '--steps', '30', '--log-every', '10', '--seed', '4', '--json']);
          expect(r.code, r.stderr).toBe(0);
          return JSON.parse(r.stdout) as Run;
        }),
      );
      const [manual, autograd, layers] = runs as [Run, Run, Run];
      expect(manual.losses[2]![1]).toBeLessThan(manual.losses[0]![1]);
      // Same float32 arithmetic in a different order at most: 1e-4 relative over 30 steps.
      for (const other of [autograd, layers]) {
        other.losses.forEach(([t, l], i) => {
          expect(t).toBe(manual.losses[i]![0]);
          expect(Math.abs(l - manual.losses[i]![1])).toBeLessThanOrEqual(1e-4 * manual.losses[i]![1]);
        });
      }
      expect(layers.style).toBe('layers');
    }, 120_000);
  }

  it('--style layers --data sets the Linear weights from the files (weight = w1ᵀ)', async () => {
    const [m, l] = await Promise.all(
      ['manual', 'layers'].map(async (style) => JSON.parse((await cli(['--data', 'fixtures/seed2', '--style', style, '--steps', '10', '--log-every', '5', '--json'])).stdout) as Run),
    );
    expect(l.data).toBe('fixtures/seed2');
    l.losses.forEach(([, v], i) => expect(Math.abs(v - m!.losses[i]![1])).toBeLessThanOrEqual(1e-4 * m!.losses[i]![1]));
  }, 60_000);
});

describe('a diverging run stops at the first non-finite loss read and exits 1', () => {
  it('--lr 1e-4: prints `99 nan`, then names the step, the value and the fix; no later step, no second net', async () => {
    const r = await cli(['--lr', '1e-4', '--steps', '300']);
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(2)).toEqual(['99 nan']);
    expect(r.stdout).not.toMatch(/three-layer/);
    const msg = r.stderr.split('\n').find((l) => /diverged/.test(l));
    expect(msg).toMatch(/^nn-example: the two-layer net diverged: its loss is NaN at step 99 /);
    expect(msg).toMatch(/A learning rate of 1e-4 is too large/);
    expect(msg).toMatch(/Use a smaller --lr \(this net trains at 1e-6 on the seed program's data\)/);
  }, 120_000);
  it('at the default rate (other --data), the message asks for a rate below the one used, not for the default', () => {
    const msg = divergenceMessage({ net: 2, lr: 1e-6, diverged: { step: 9, loss: Infinity } });
    expect(msg).toMatch(/loss is \+Inf at step 9/);
    expect(msg).toMatch(/Use a smaller --lr than 1e-6 \(larger or less centred --data/);
    expect(msg).not.toMatch(/this net trains at/);
  });
  it('a run shorter than the log interval is still checked after its last step; --json carries the step and value', async () => {
    const r = await cli(['--net', '2', '--lr', '1e-4', '--steps', '30', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const run = JSON.parse(r.stdout) as Run & { diverged: { step: number; loss: number | null } };
    expect(run.losses).toEqual([]);
    // JSON has no NaN: JSON.stringify writes it as null.
    expect(run.diverged).toEqual({ step: 29, loss: null });
    expect(r.stderr).toMatch(/diverged: its loss is NaN at step 29 .*--lr/);
  }, 120_000);
  it('a run that trains exits 0 and has no `diverged` field', async () => {
    const r = await cli(['--net', '2', '--steps', '30', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).not.toHaveProperty('diverged');
  }, 120_000);
});

describe('usage errors print one clear line and exit 2', () => {
  it('bad flags and values', async () => {
    await expectUsageError(['--bogus'], /unknown flag --bogus/);
    await expectUsageError(['--stesp', '3'], /did you mean --steps\?/);
    await expectUsageError(['--net', '4'], /--net "4": expected one of 2, 3/);
    await expectUsageError(['--style', 'keras'], /expected one of manual, autograd, layers/);
    await expectUsageError(['--steps', '1.5'], /--steps "1.5": expected a whole number/);
    await expectUsageError(['--steps', '0'], /expected a number >= 1/);
    await expectUsageError(['--lr', '0'], /--lr "0": expected a number > 0/);
    await expectUsageError(['--lr', 'fast'], /expected a number/);
    await expectUsageError(['--steps'], /--steps needs a value/);
    await expectUsageError(['--seed', '--json'], /--seed needs a value/);
    await expectUsageError(['2'], /unexpected argument "2"/);
    await expectUsageError(['--json', '--json'], /given twice/);
    await expectUsageError(['--gpu-mode', 'webgl2'], /only makes sense with --device gpu/);
  }, 60_000);

  it('--data: missing directory, missing file, malformed .npy, shapes that do not chain, wrong --net', async () => {
    await expectUsageError(['--data', 'no/such/dir'], /--data no\/such\/dir: no such directory/);
    const dir = mkdtempSync(join(tmpdir(), 'nn-example-'));
    copyFileSync(join(ROOT, 'fixtures/seed2/x.npy'), join(dir, 'x.npy'));
    await expectUsageError(['--data', dir], /y\.npy is missing/);
    copyFileSync(join(ROOT, 'fixtures/seed2/y.npy'), join(dir, 'y.npy'));
    copyFileSync(join(ROOT, 'fixtures/seed2/w2.npy'), join(dir, 'w2.npy'));
    writeFileSync(join(dir, 'w1.npy'), 'this is not numpy');
    await expectUsageError(['--data', dir], /w1\.npy: loadNpy: not a \.npy file/);
    const w1 = readFileSync(join(ROOT, 'fixtures/seed2/w1.npy'));
    writeFileSync(join(dir, 'w1.npy'), w1.subarray(0, 1000));
    await expectUsageError(['--data', dir], /w1\.npy: .*truncated data/);
    writeFileSync(join(dir, 'w1.npy'), encodeNpy(new Float32Array(999 * 100), [999, 100]));
    await expectUsageError(['--data', dir], /shapes do not chain: w1\.npy \[999, 100\] needs 1000 rows/);
    await expectUsageError(['--data', 'fixtures/seed2', '--net', '3'], /--net 3 but --data fixtures\/seed2 holds the weights of a 2-layer net/);
  }, 60_000);
});

describe('--device gpu', () => {
  it('without @nn/gpu: a clear message naming what to install, exit 2', async () => {
    await expectUsageError(['--device', 'gpu'], /@nn\/not-installed \(the GPU backend package\) is not installed.*npm install gpu\.js.*--device cpu/, {
      NN_EXAMPLE_GPU_MODULE: '@nn/not-installed',
    });
  });

  it('without gpu.js: the message names gpu.js', async () => {
    await expectUsageError(['--device', 'gpu'], /gpu\.js \(the peer dependency of @nn\/gpu\) is not installed/, { NN_EXAMPLE_GPU_MODULE: fake('broken-gpu.mjs') });
  });

  it('reports the backend that really ran, fallback included, and passes --gpu-mode through', async () => {
    const env = { NN_EXAMPLE_GPU_MODULE: fake('fake-gpu.mjs') };
    const r = await cli(['--device', 'gpu', '--gpu-mode', 'webgl2', '--net', '2', '--steps', '3', '--log-every', '1', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout) as Run;
    expect(o.device).toBe('gpu');
    expect(o.backend).toEqual({ name: 'fake-gpu', runtime: 'js (asked for webgl2)', fallback: true, note: 'test stand-in' });
    const text = await cli(['--device', 'gpu', '--net', '2', '--steps', '1'], env);
    expect(text.stderr).toMatch(/device gpu runs fake-gpu \(js \(asked for auto\)\) — a FALLBACK: test stand-in/);
    // @nn/gpu's own note starts with "FALLBACK: …": the line says the word once.
    const gpuNote = await cli(['--device', 'gpu', '--net', '2', '--steps', '1'], { ...env, FAKE_GPU_NOTE: 'FALLBACK: asked for webgl2, which is not available; runs cpu instead' });
    expect(gpuNote.stderr).toMatch(/— a FALLBACK: asked for webgl2, which is not available; runs cpu instead\n/);
    expect(gpuNote.stderr).not.toContain('FALLBACK: FALLBACK');
    await expectUsageError(['--device', 'gpu', '--gpu-mode', 'webgpu'], /could not start the GPU backend \(mode webgpu\): fake: webgpu is not available here.*--allow-fallback/, env);
    const allowed = await cli(['--device', 'gpu', '--gpu-mode', 'webgpu', '--allow-fallback', '--net', '2', '--steps', '1', '--json'], env);
    expect(allowed.code, allowed.stderr).toBe(0);
  }, 60_000);

  it('with the real @nn/gpu on headless-gl: trains the seed loop, says so, and agrees with cpu', async () => {
    // headless-gl needs a display: `npm test` runs under xvfb-run; alone, this test starts one.
    const wrapper = process.env.DISPLAY ? [] : ['xvfb-run', '-a'];
    const args = ['--net', '2', '--steps', '100', '--log-every', '50', '--json'];
    const [gpu, cpu] = await Promise.all([cli(['--device', 'gpu', ...args], {}, wrapper), cli(args)]);
    expect(gpu.code, gpu.stderr).toBe(0);
    const g = JSON.parse(gpu.stdout) as Run;
    const c = JSON.parse(cpu.stdout) as Run;
    expect(g.backend).toMatchObject({ name: '@nn/gpu', runtime: 'headlessgl', fallback: false });
    expect(g.gradCheck.ok).toBe(true);
    // Different kernels (shaders vs wasm) sum in different orders: 1e-3 relative, as for float64 vs float32.
    g.losses.forEach(([t, l], i) => {
      expect(t).toBe(c.losses[i]![0]);
      expect(Math.abs(l - c.losses[i]![1])).toBeLessThanOrEqual(1e-3 * c.losses[i]![1]);
    });
  }, 180_000);

  it('a wrong kernel makes the gradient check fail: exit 1, and the check names the weight', async () => {
    const r = await cli(['--device', 'gpu', '--net', '2', '--steps', '1'], { NN_EXAMPLE_GPU_MODULE: fake('fake-gpu.mjs'), FAKE_GPU_BUG: 'transB' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/gradient check.*FAILED/);
    expect(r.stderr).toMatch(/manual gradients differ from autograd's/);
  }, 60_000);
});

describe('the example reproduces the float64 reference losses (fixtures/, made by scripts/make_fixtures.py)', () => {
  it('two-layer net (the seed program, lr 1e-6) from fixtures/seed2', async () => {
    checkAgainstReference(await reference.seed2!, join(ROOT, 'fixtures/seed2'));
  }, 300_000);

  it('three-layer net (lr 1e-8) from fixtures/seed3', async () => {
    checkAgainstReference(await reference.seed3!, join(ROOT, 'fixtures/seed3'));
  }, 300_000);

  it("the docs' tables quote what the CLI prints for fixtures/seed2, digit for digit", async () => {
    const r = JSON.parse((await reference.seed2!).stdout) as Run & { backend: { runtime: string } };
    // Node 20 runs wasm-simd; Node ≥ 22 wasm-relaxed-simd, whose fused multiply-adds move the last digits.
    const column = r.backend.runtime === 'wasm-simd' ? 'nn, Node 20' : 'nn, Node ≥ 22 (fma)';
    for (const doc of ['README.md', 'docs/example.md']) {
      const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
      const at = lines.findIndex((l) => l.startsWith('| t |') && l.includes(column));
      expect(at, `${doc} has a fixture table with a '${column}' column`).toBeGreaterThan(0);
      const col = lines[at]!.split('|').map((c) => c.trim()).indexOf(column);
      const rows = lines.slice(at + 2, at + 7).map((l) => l.split('|').map((c) => c.trim()));
      expect(rows.map((c) => Number(c[1]))).toEqual(r.losses.map(([t]) => t));
      rows.forEach((c, i) => {
        const quoted = c[col]!;
        // As many significant digits as the table shows: 232.98065 → 8, 2.23e-3 → 3.
        const digits = quoted.split('e')[0]!.replace(/^[0.]+/, '').replace('.', '').length;
        expect(Number(r.losses[i]![1].toPrecision(digits)), `${doc} t=${c[1]}`).toBe(Number(quoted));
      });
    }
  }, 300_000);
});
