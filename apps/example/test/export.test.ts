import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { noGrad, registerBackend, tensor } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { digits } from '@nn/data';
import { exportOnnx } from '@nn/onnx';
import { assertClose } from '@nn/core/testing';
import { runTask } from '../src/task.js';
import { ROOT, buildExample, cli } from './cli.js';

// `--task digits --export FILE`: the trained MLP leaves as ONNX, and ONNX Runtime (Node, CPU provider) runs it
// with nn's numbers. The in-process run checks the logits exactly; the CLI run checks the flag, the file and
// what it prints.

const work = mkdtempSync(join(tmpdir(), 'nn-export-test-'));
const backend = createCpuBackend();
registerBackend(backend);

/** All 1,797 digits as the task feeds them (pixels / 16), and their labels. */
function allDigits(): { x: Float32Array; y: number[] } {
  const ds = digits();
  const x = ds.tensors[0]!.div(16);
  const out = { x: x.dataSync() as Float32Array, y: Array.from(ds.tensors[1]!.dataSync()) };
  [x, ...ds.tensors].forEach((t) => t.dispose());
  return out;
}

/** ONNX Runtime's logits for `x` ([n, 64]) from the model's bytes. */
async function ortLogits(model: Uint8Array, x: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  try {
    expect(session.inputNames).toEqual(['input']);
    const out = await session.run({ input: new ort.Tensor('float32', x, [x.length / 64, 64]) });
    return out[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

function accuracy(logits: Float32Array, y: number[]): number {
  let right = 0;
  y.forEach((label, i) => {
    const row = Array.from(logits.subarray(10 * i, 10 * i + 10));
    if (row.indexOf(Math.max(...row)) === label) right++;
  });
  return right / y.length;
}

beforeAll(() => buildExample(), 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('--task digits --export FILE', () => {
  it("exports the trained MLP; ONNX Runtime's logits on all 1,797 digits match nn's", async () => {
    const { x, y } = allDigits();
    let bytes: Uint8Array = new Uint8Array();
    let ours: Float32Array = new Float32Array();
    await runTask({ task: 'digits', device: 'cpu', epochs: 1, batchSize: 64, lr: 1e-2, seed: 0, data: undefined, json: true }, backend.info, null, async (model, example) => {
      expect(example.shape).toEqual([1, 64]);
      bytes = await exportOnnx(model, example);
      ours = noGrad(() => model.forward(tensor(x, { shape: [y.length, 64] })).dataSync() as Float32Array);
    });
    const theirs = await ortLogits(bytes, x);
    expect(theirs.length).toBe(y.length * 10);
    assertClose(theirs, ours, { atol: 1e-5, rtol: 1e-5 }, 'ONNX Runtime vs nn');
    // One epoch already classifies most digits: the model is the trained one, not the initial weights.
    expect(accuracy(theirs, y)).toBeGreaterThan(0.85);
  }, 120_000);

  it('the CLI writes the file, prints its path and size, and adds them to --json', async () => {
    const file = join(work, 'model.onnx');
    const r = await cli(['--task', 'digits', '--epochs', '1', '--export', file]);
    expect(r.code, r.stderr).toBe(0);
    const size = statSync(file).size;
    expect(r.stdout).toContain(`exported the MLP as ONNX to ${file} (${size} bytes); run it in ONNX Runtime: docs/models.md`);
    // 64·64 + 64 + 64·10 + 10 float32 parameters, plus the graph.
    expect(size).toBeGreaterThan(4 * (64 * 64 + 64 + 64 * 10 + 10));
    const { x, y } = allDigits();
    expect(accuracy(await ortLogits(readFileSync(file), x), y)).toBeGreaterThan(0.85);

    const jsonFile = join(work, 'json.onnx');
    const j = await cli(['--task', 'moons', '--epochs', '1', '--export', jsonFile, '--json']);
    expect(j.code, j.stderr).toBe(0);
    const result = JSON.parse(j.stdout) as { export: { path: string; bytes: number } };
    expect(result.export).toEqual({ path: jsonFile, bytes: statSync(jsonFile).size });
  }, 180_000);

  it('refuses --export without --task, and a path in a missing directory before training (exit 2)', async () => {
    const without = await cli(['--export', join(work, 'x.onnx')]);
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/--export only makes sense with --task digits or --task moons/);
    const missing = await cli(['--task', 'digits', '--export', join(work, 'no/such/dir/m.onnx')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--export .*no directory .*no\/such\/dir; give a file path such as model\.onnx/);
    expect(missing.stdout).not.toMatch(/epoch/);
  }, 60_000);
});

describe("docs/models.md's PyTorch → nn → ONNX block, on PyTorch 1.13's file", () => {
  // doc-blocks.test.ts runs every block in an empty folder; this one needs the model.onnx that the page's Python
  // block writes, so it carries a not-run marker naming this test, which runs it with the committed torch export.
  const doc = readFileSync(join(ROOT, 'docs/models.md'), 'utf8');
  const block = /<!-- not-run: [^\n]*export\.test\.ts[^\n]*-->\n```ts\n([\s\S]*?)```/.exec(doc)?.[1];

  it('fine-tunes the imported model, prints PyTorch\'s keys and writes finetuned.onnx, which ONNX Runtime runs', async () => {
    expect(block, 'the block with the not-run marker naming export.test.ts').toBeDefined();
    const cwd = mkdtempSync(join(work, 'doc-'));
    copyFileSync(join(ROOT, 'packages/onnx/fixtures/torch/digits_mlp.onnx'), join(cwd, 'model.onnx'));
    // Placed in the repository so that '@nn/*' resolve to the workspace builds, as doc-blocks.test.ts does.
    const file = join(ROOT, 'apps/example/test', '.doc-block-models-finetune.tmp.mjs');
    writeFileSync(file, transformSync(block!, { loader: 'ts', format: 'esm', target: 'node20' }).code);
    let out = '';
    try {
      out = execFileSync(process.execPath, [file], { cwd, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
    } finally {
      rmSync(file, { force: true });
    }
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe("[ '0.weight', '0.bias', '2.weight', '2.bias' ]");
    const [, before, after] = /^accuracy (\d\.\d\d) → (\d\.\d\d)$/.exec(lines[1]!) ?? [];
    expect(Number(before)).toBeLessThan(0.3);
    expect(Number(after)).toBeGreaterThan(0.9);
    expect(existsSync(join(cwd, 'finetuned.onnx'))).toBe(true);
    const { x, y } = allDigits();
    const session = await ort.InferenceSession.create(readFileSync(join(cwd, 'finetuned.onnx')));
    // PyTorch's graph names are kept.
    expect([session.inputNames, session.outputNames]).toEqual([['x'], ['logits']]);
    const logits = (await session.run({ x: new ort.Tensor('float32', x, [y.length, 64]) })).logits!.data as Float32Array;
    expect(Math.abs(accuracy(logits, y) - Number(after))).toBeLessThanOrEqual(0.006);
    await session.release();
  }, 180_000);
});
