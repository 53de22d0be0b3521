/** The command line of `--task digits|moons`: which flags apply, their defaults, and the run. */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseNpy } from '@nn/core';
import { exportOnnx } from '@nn/onnx';
import { UsageError, type RawArgs } from './args.js';
import { setupDevice } from './device.js';
import { Progress } from './progress.js';
import { TASKS, runTask, type TaskData, type TaskName, type TaskOptions, type TrainedHook } from './task.js';

// The seed program's flags that mean nothing for a task.
const SEED_ONLY = ['net', 'style', 'steps', 'log-every', 'explain', 'graph', 'plot'];
// What a --data directory for a task holds (scripts/make_digits_parity.py writes it).
const TASK_FILES = ['init.npz', 'train.npy', 'test.npy', 'orders.npy'];

/** Turn parsed flags into a task's options, refusing the seed program's flags. */
export function toTaskOptions(raw: RawArgs): TaskOptions {
  const task = raw.task as TaskName;
  for (const flag of SEED_ONLY) {
    if (raw[flag] !== undefined) throw new UsageError(`--${flag} is a flag of the seed program; --task ${task} does not take it (see --help)`);
  }
  if (raw['gpu-mode'] !== undefined && raw.device !== 'gpu') throw new UsageError('--gpu-mode only makes sense with --device gpu');
  if (raw['allow-fallback'] !== undefined && raw.device !== 'gpu') throw new UsageError('--allow-fallback only makes sense with --device gpu');
  const dir = raw.data as string | undefined;
  const epochs = (raw.epochs as number) ?? TASKS[task].epochs;
  let data: TaskData | undefined;
  if (dir !== undefined) {
    if (task !== 'digits') throw new UsageError(`--data with --task ${task}: only --task digits starts from files (scripts/make_digits_parity.py writes them)`);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--data ${dir}: no such directory`);
    const missing = TASK_FILES.filter((f) => !existsSync(join(dir, f)));
    if (missing.length) throw new UsageError(`--data ${dir}: missing ${missing.join(', ')} (scripts/make_digits_parity.py writes them)`);
    const read = (name: string): Uint8Array => readFileSync(join(dir, name));
    data = { dir, init: read('init.npz'), train: read('train.npy'), test: read('test.npy'), orders: read('orders.npy') };
    const held = parseNpy(data.orders).shape[0]!;
    if (epochs > held) throw new UsageError(`--data ${dir}: orders.npy holds ${held} epochs' orders, but --epochs is ${epochs}`);
  }
  return {
    task,
    device: (raw.device as TaskOptions['device']) ?? 'cpu',
    epochs,
    batchSize: (raw['batch-size'] as number) ?? 64,
    lr: (raw.lr as number) ?? TASKS[task].lr,
    seed: (raw.seed as number) ?? 0,
    data,
    json: (raw.json as boolean) ?? false,
  };
}

/** Run `--task …`: set up the device, train, print; resolves to the exit status (1 when the accuracy goal is missed). */
export async function mainTask(raw: RawArgs): Promise<number> {
  const opts = toTaskOptions(raw);
  const info = await setupDevice({
    device: opts.device,
    gpuMode: (raw['gpu-mode'] as 'auto') ?? 'auto',
    allowFallback: (raw['allow-fallback'] as boolean) ?? false,
  });
  if (!opts.json) {
    const note = info.note?.replace(/^FALLBACK:\s*/i, '');
    const fallback = info.fallback ? ` — a FALLBACK${note ? `: ${note}` : ''}` : '';
    process.stderr.write(`nn-example: device ${opts.device} runs ${info.name} (${info.runtime})${fallback}\n`);
  }
  const printer = opts.json
    ? null
    : { line: (text: string) => process.stdout.write(text + '\n'), progress: (total: number) => new Progress(total, Boolean(process.stderr.isTTY), 0) };
  const file = raw.export as string | undefined;
  if (file !== undefined && (!existsSync(dirname(resolve(file))) || (existsSync(file) && statSync(file).isDirectory()))) {
    // Checked before training, so a typo does not cost the run.
    throw new UsageError(`--export ${file}: ${existsSync(file) ? 'is a directory' : `no directory ${dirname(resolve(file))}`}; give a file path such as model.onnx`);
  }
  let exported: { path: string; bytes: number } | undefined;
  const onTrained: TrainedHook | undefined = file === undefined ? undefined : async (model, example) => {
    const bytes = await exportOnnx(model, example);
    writeFileSync(file, bytes);
    exported = { path: resolve(file), bytes: bytes.length };
    if (!opts.json) process.stdout.write(`exported the MLP as ONNX to ${exported.path} (${bytes.length} bytes); run it in ONNX Runtime: docs/models.md\n`);
  };
  const result = await runTask(opts, info, printer, onTrained);
  if (opts.json) process.stdout.write(JSON.stringify(exported ? { ...result, export: exported } : result) + '\n');
  const final = result.accuracies.at(-1) ?? 0;
  const goal = TASKS[opts.task].goal;
  // The goal holds for the default run (seed 0, default epochs and lr); a shorter or other run only reports.
  const isDefault = raw.epochs === undefined && raw.lr === undefined && raw['batch-size'] === undefined && opts.data === undefined;
  if (isDefault && final < goal) {
    process.stderr.write(`nn-example: --task ${opts.task} reached ${(100 * final).toFixed(1)} % test accuracy, below its goal of ${100 * goal} %\n`);
    return 1;
  }
  return 0;
}
