#!/usr/bin/env node
// nn's benchmark: the workloads of docs/bench.md on nn (cpu with both kernel
// sets, gpu when it can start), TensorFlow.js (wasm and cpu), PyTorch and
// NumPy, one after another in one process tree, from the same seeded inputs.
// Prints a table and writes results/latest.{json,md} (partial.* for --only/--quick).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBackend } from '@nn/core';
import { ALL, parseArgs, type Args } from './args.js';
import { machine } from './machine.js';
import { measureNn, measureOverhead, startNn } from './measure-nn.js';
import { measurePython, measureTfjs } from './measure-peers.js';
import { Measurements } from './measurements.js';
import { makePlan, SEED } from './plan.js';
import { closeGpuPaths, gpuMarkdown, makeGpuPlan, measureGpuRows, openGpuPaths, type GpuRow } from './gpu-rows.js';
import { markdown, textTable, type Results } from './report.js';
import { LOSS_TOL, notesFor, RESIDUAL_TOL, toRows } from './rows.js';

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The steps of a run: plan it, measure nn and its peers, build the table, then print and write it. */
async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Other processes skew every time here: record how busy the machine was.
  const loadBefore = loadavg()[0]!;
  // nn's backends first: W6's inputs (the digits split, nn's initial weights) are made on nn cpu.
  const nn = await startNn();
  const plan = makePlan(args);
  const m = new Measurements(plan);

  measureNn(plan, nn.peers, m);
  if (nn.gpuSkip) m.skip('nn gpu', nn.gpuSkip);
  const overhead = measureOverhead(plan, nn.peers);
  // The nn gpu rows: W1 and small products on headless-gl and Dawn, against nn cpu in the same run.
  const gp = makeGpuPlan(plan, args.gpuRows, SEED + 1);
  let gpu: GpuRow[] | undefined;
  if (gp) {
    const { paths, skipped } = await openGpuPaths();
    gpu = await measureGpuRows(gp, paths, skipped);
    closeGpuPaths(paths);
  }
  await measureTfjs(plan, m);
  measurePython(plan, m);

  const rows = toRows(m.list, plan);
  const results: Results = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
    machine: { ...machine(), loadBefore: round2(loadBefore), loadAfter: round2(loadavg()[0]!) },
    quick: plan.quick,
    lossTolerance: LOSS_TOL,
    residualTolerance: RESIDUAL_TOL,
    rows,
    notes: notesFor(rows, plan),
    overhead,
    ...(gpu ? { gpu } : {}),
  };
  report(results, args);
  for (const p of nn.peers) getBackend(p.device).dispose?.();
  const bad = rows.filter((r) => r.lossOk === false);
  if (bad.length) {
    console.error(`final losses differ beyond ${LOSS_TOL}: ${bad.map((r) => `${r.workload} ${r.peer}`).join(', ')}`);
    process.exitCode = 1;
  }
}

/** Print the table, the per-op overhead and the notes; write results/{latest,partial}.{json,md}, and docs/bench.md's table after a full run. */
function report(results: Results, args: Args): void {
  console.log(textTable(results));
  for (const o of results.overhead ?? []) console.log(`per-op overhead, ${o.peer}: ${o.opMicros.toFixed(2)} µs/op (${o.opsPerStep} ops, ${o.stepMicros.toFixed(1)} µs per tiny step)`);
  if (results.gpu?.length) console.log(gpuMarkdown(results.gpu));
  for (const n of results.notes) console.log(`- ${n}`);
  mkdirSync(args.out, { recursive: true });
  const base = args.quick || args.only.size < ALL.length ? 'partial' : 'latest';
  writeFileSync(join(args.out, `${base}.json`), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(args.out, `${base}.md`), markdown(results));
  console.log(`wrote ${join(args.out, base)}.{json,md}`);
  if (base === 'latest') refreshDocs(markdown(results));
}

/** Put the latest table into docs/bench.md between its bench:start/bench:end markers. */
function refreshDocs(table: string): void {
  const file = fileURLToPath(new URL('../../../docs/bench.md', import.meta.url));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return;
  writeFileSync(file, `${text.slice(0, i + start.length)}\n${table}${text.slice(j)}`);
  console.log(`updated ${file}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
