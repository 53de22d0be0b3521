import type { Plan } from './plan.js';
import type { Timing } from './timing.js';
import { loopFlops, type LoopSpec } from './workloads.js';

/** One peer on one workload: its timing (null when skipped), steps run and the full workload's steps and flops. */
export interface Measure {
  workload: string;
  peer: string;
  runtime: string;
  t: Timing | null;
  stepsRun: number;
  stepsFull: number;
  flopsFull: number;
  skipped?: string;
}

/** What a run measured, in the order it measured it. */
export class Measurements {
  readonly list: Measure[] = [];
  constructor(private readonly plan: Plan) {}

  /** Time a loop workload (`run`), or record it as skipped and why; slow peers run part of it. */
  loop(workload: string, peer: string, runtime: string, spec: LoopSpec, stepsRun: number, run: () => Timing | null, skipped?: string): void {
    // The full workload of this run (fewer steps under --quick).
    const key = workload.startsWith('W5') ? 'W1' : workload;
    const stepsFull = (this.plan.steps as Record<string, number>)[key] ?? spec.steps;
    if (skipped) {
      this.list.push({ workload, peer, runtime, t: null, stepsRun: 0, stepsFull, flopsFull: 0, skipped });
      return;
    }
    progress(`${workload} ${peer} (${stepsRun} steps)...`);
    const t = run();
    this.list.push({ workload, peer, runtime, t, stepsRun, stepsFull, flopsFull: loopFlops(spec) * stepsFull });
  }

  /** A peer that could not run at all: one row for every workload asked for, saying why. */
  skip(peer: string, why: string): void {
    this.list.push({ workload: this.plan.asked, peer, runtime: '', t: null, stepsRun: 0, stepsFull: 0, flopsFull: 0, skipped: why });
  }

  /** Any other measure (W4, the Python peers' runs). */
  add(m: Measure): void {
    this.list.push(m);
  }
}

/** A progress line on stderr (stdout carries the table). */
export function progress(msg: string): void {
  process.stderr.write(`${msg}\n`);
}
