// Formatting of the results: the terminal table, Markdown and JSON.
import { gpuMarkdown, type GpuRow } from './gpu-rows.js';

/** One measured (or skipped) peer on one workload. */
export interface Row {
  workload: string;
  peer: string;
  /** What really ran (backend, BLAS, threads). */
  runtime: string;
  /** Best time of the full workload in seconds (extrapolated from stepsRun when fewer steps ran). */
  seconds: number | null;
  /** Median time, same basis. */
  median: number | null;
  /** Timed repetitions. */
  reps: number;
  stepsRun: number;
  stepsFull: number;
  /** Matmul GFLOP/s (elementwise work not counted). */
  gflops: number | null;
  /** This peer's time over nn cpu's (>1: nn is faster). */
  ratio: number | null;
  /** Loss after stepsRun steps (or W4's check value). */
  loss: number | null;
  /** Relative difference from nn cpu's value at the same step. */
  lossDiff: number | null;
  /** Whether lossDiff is within the tolerance. */
  lossOk: boolean | null;
  /** Why the peer did not run, when it did not. */
  skipped?: string;
}

/** Everything one run of the benchmark produced. */
export interface Results {
  date: string;
  command: string;
  /** The machine; loadBefore/After: 1-minute load average when the run started and ended (other processes skew the times). */
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; os: string; loadBefore?: number; loadAfter?: number };
  quick: boolean;
  lossTolerance: number;
  /** Absolute tolerance on the residual norm √loss, times ‖y‖. */
  residualTolerance: number;
  rows: Row[];
  notes: string[];
  /** Per-op overhead: W1 at tiny sizes. */
  overhead?: { peer: string; stepMicros: number; opsPerStep: number; opMicros: number }[];
  /** The nn gpu rows: W1 and small products on each gpu path, as ratios to nn cpu and launches per step. */
  gpu?: GpuRow[];
}

function fmtS(s: number | null): string {
  if (s === null) return '—';
  return s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s >= 1 ? s.toFixed(2) : s.toFixed(3);
}

function fmtG(g: number | null): string {
  return g === null ? '—' : g >= 10 ? g.toFixed(0) : g.toFixed(1);
}

function fmtRatio(r: number | null): string {
  return r === null ? '—' : r >= 10 ? `${r.toFixed(0)}x` : `${r.toFixed(2)}x`;
}

function fmtLoss(r: Row): string {
  if (r.loss === null) return '—';
  const v = r.loss.toPrecision(6);
  if (r.lossDiff === null) return `${v} (reference)`;
  return `${v} (${r.lossDiff.toExponential(1)} ${r.lossOk ? 'ok' : 'MISMATCH'})`;
}

function tableRows(results: Results): string[][] {
  return results.rows.map((r) => [
    r.workload,
    r.peer,
    r.skipped ? `skipped: ${r.skipped}` : r.runtime,
    r.skipped ? '—' : `${fmtS(r.seconds)}${r.stepsRun < r.stepsFull ? '*' : ''}`,
    r.skipped ? '—' : fmtS(r.median),
    r.skipped ? '—' : fmtG(r.gflops),
    r.skipped ? '—' : fmtRatio(r.ratio),
    r.skipped ? '—' : fmtLoss(r),
  ]);
}

const HEAD = ['workload', 'peer', 'runtime', 'best s', 'median s', 'GFLOP/s', 'time vs nn cpu', 'final loss (rel. diff vs nn cpu)'];

/** A plain-text table for the terminal. */
export function textTable(results: Results): string {
  const rows = [HEAD, ...tableRows(results)];
  const widths = HEAD.map((_, i) => Math.min(60, Math.max(...rows.map((r) => r[i]!.length))));
  const line = (r: string[]): string => r.map((c, i) => (c.length > widths[i]! ? c.slice(0, widths[i]! - 1) + '…' : c.padEnd(widths[i]!))).join('  ');
  return [line(HEAD), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The Markdown report (docs/bench.md embeds it). */
export function markdown(results: Results): string {
  const m = results.machine;
  const out: string[] = [];
  out.push(`Measured ${results.date} on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}${results.quick ? ' (--quick: fewer steps and repetitions)' : ''}.`);
  if (m.loadBefore !== undefined) {
    out.push('');
    out.push(
      `Load average (1 min) ${m.loadBefore} when the run started and ${m.loadAfter} when it ended, on ${m.cores} cores: ` +
        `above ~1, other processes shared the cores and every time here is slower than on an idle machine, the threaded rows most.`,
    );
  }
  out.push('');
  out.push(`Command: \`${results.command}\``);
  out.push('');
  out.push(`| ${HEAD.join(' | ')} |`);
  out.push(`|${HEAD.map(() => '---').join('|')}|`);
  for (const r of tableRows(results)) out.push(`| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  out.push('');
  if (results.overhead?.length) {
    out.push('Per-op overhead (W1 at N=4, D_in=8, H=8, D_out=2: the kernels do almost nothing, so the time is the cost of the ops themselves):');
    out.push('');
    out.push('| peer | µs per step | ops per step | µs per op |');
    out.push('|---|---|---|---|');
    for (const o of results.overhead) out.push(`| ${o.peer} | ${o.stepMicros.toFixed(1)} | ${o.opsPerStep} | ${o.opMicros.toFixed(2)} |`);
    out.push('');
  }
  if (results.gpu?.length) out.push(gpuMarkdown(results.gpu));
  for (const n of results.notes) out.push(`- ${n}`);
  return out.join('\n') + '\n';
}
