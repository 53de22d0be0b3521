#!/usr/bin/env node
/**
 * nn's example: the PyTorch seed program (two-layer net, hand-written backprop)
 * and its three-layer extension, in manual, autograd and @nn/layers styles.
 * Run `node apps/example/dist/main.js --help`.
 */
import { NNError } from '@nn/core';
import { helpText, parseArgs, toOptions, UsageError } from './args.js';
import { detectDataNet } from './data.js';
import { setupDevice } from './device.js';
import { divergenceMessage, runNet, type RunResult } from './run.js';
import { writeLossPlot } from './explain-cli.js';
import { mainTask } from './task-cli.js';

/** Run the example with `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const raw = parseArgs(argv);
    if (raw.help) {
      process.stdout.write(helpText() + '\n');
      return 0;
    }
    // --task digits|moons: a classifier on a real data set (task-cli.ts), not the seed program.
    if (raw.task !== undefined) return await mainTask(raw);
    const dataNet = typeof raw.data === 'string' ? detectDataNet(raw.data) : undefined;
    const opts = toOptions(raw, dataNet);
    const info = await setupDevice(opts);
    // Said once the inputs have loaded, so that a bad --data file gives a one-line error.
    const announce = (): void => {
      if (opts.json) return;
      // @nn/gpu's note already starts with "FALLBACK: …"; say the word once.
      const note = info.note?.replace(/^FALLBACK:\s*/i, '');
      const fallback = info.fallback ? ` — a FALLBACK${note ? `: ${note}` : ''}` : '';
      process.stderr.write(`nn-example: device ${opts.device} runs ${info.name} (${info.runtime})${fallback}\n`);
    };
    const printer = opts.json ? null : { line: (text: string) => process.stdout.write(text + '\n') };
    const results: RunResult[] = [];
    for (const net of opts.nets) {
      if (printer && results.length > 0) printer.line('');
      results.push(await runNet(net, opts, info, printer, results.length === 0 ? announce : undefined));
      // A diverged net stops the program: the next net would run with the same mistake.
      if (results.at(-1)!.diverged) break;
    }
    if (opts.plot) {
      writeLossPlot(opts.plot, results.map((r) => ({ net: r.net, style: r.style, device: r.device, lr: r.lr, losses: r.curve ?? r.losses })));
      const note = `# wrote the loss plot to ${opts.plot}`;
      if (printer) printer.line(note);
      else process.stderr.write(note + '\n');
    }
    if (opts.json) {
      // One object: the run itself, or { runs: [...] } when both nets ran.
      const body = results.length === 1 ? results[0] : { runs: results };
      process.stdout.write(JSON.stringify(body) + '\n');
    }
    const failed = results.filter((r) => !r.gradCheck.ok);
    for (const r of failed) {
      process.stderr.write(`nn-example: the ${r.net}-layer net's manual gradients differ from autograd's by ${r.gradCheck.maxAbsDiff}, beyond the float32 tolerance\n`);
    }
    const unexplained = results.flatMap((r) => (r.explain ?? []).filter((e) => !e.ok).map((e) => ({ net: r.net, ...e })));
    for (const e of unexplained) {
      process.stderr.write(`nn-example: the explained formula for the ${e.net}-layer net's ${e.name} differs from autograd by ${e.maxAbsDiff}, beyond the float32 tolerance\n`);
    }
    const diverged = results.filter((r) => r.diverged);
    for (const r of diverged) process.stderr.write(`nn-example: ${divergenceMessage(r)}\n`);
    return failed.length || unexplained.length || diverged.length ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`nn-example: ${e.message}\n`);
      return 2;
    }
    if (e instanceof NNError) {
      process.stderr.write(`nn-example: ${e.name}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
