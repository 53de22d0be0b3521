/** Best and median of the timed repetitions (seconds), with the losses of the last one. */
export interface Timing {
  best: number;
  median: number;
  reps: number;
  losses: number[];
}

/** Best and median of the timed repetitions (seconds). */
export function summarize(times: number[], losses: number[]): Timing {
  const t = [...times].sort((a, b) => a - b);
  return { best: t[0]!, median: t[Math.floor((t.length - 1) / 2)]!, reps: t.length, losses };
}

/** One short warm-up run (JIT, caches), then `reps` timed runs of `steps` steps. */
export function timeLoop(fn: (steps: number) => number[], steps: number, reps: number, warmSteps: number): Timing {
  fn(Math.min(steps, warmSteps));
  const times: number[] = [];
  let losses: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    losses = fn(steps);
    times.push((performance.now() - t0) / 1000);
  }
  return summarize(times, losses);
}

/** W4: one warm-up product, then `reps` timed ones; the check value is the product's squared norm. */
export function timeProduct(run: () => { seconds: number; check: number }, reps: number): Timing {
  run();
  const times: number[] = [];
  let check = 0;
  for (let i = 0; i < reps; i++) {
    const m = run();
    times.push(m.seconds);
    check = m.check;
  }
  return summarize(times, [check]);
}

/** Like timeLoop for several loops at once, one repetition of each per round, so that other processes disturb them alike. */
export function timeInterleaved(fns: Record<string, (steps: number) => number[]>, steps: number, reps: number, warmSteps: number): Record<string, Timing> {
  const times: Record<string, number[]> = {};
  const losses: Record<string, number[]> = {};
  for (const [k, fn] of Object.entries(fns)) {
    fn(Math.min(steps, warmSteps));
    times[k] = [];
  }
  for (let r = 0; r < reps; r++) {
    for (const [k, fn] of Object.entries(fns)) {
      const t0 = performance.now();
      losses[k] = fn(steps);
      times[k]!.push((performance.now() - t0) / 1000);
    }
  }
  const out: Record<string, Timing> = {};
  for (const k of Object.keys(fns)) out[k] = summarize(times[k]!, losses[k]!);
  return out;
}

/** Timed repetitions and warm-up steps of a loop workload: W3 is long, the slow peers run once. */
export function loopReps(w: 'W1' | 'W2' | 'W3', slow: boolean, reps: number): { reps: number; warm: number } {
  if (slow) return { reps: 1, warm: 1 };
  return w === 'W3' ? { reps: 1, warm: 2 } : { reps, warm: 20 };
}
