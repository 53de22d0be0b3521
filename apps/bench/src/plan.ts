import type { Args } from './args.js';
import { digitsData, digitsSteps, type DigitsData } from './digits.js';
import { loopData, loops, matmulData, type LoopData } from './workloads.js';

/** The seed of every workload's inputs (W4 uses SEED + 1). */
export const SEED = 0;

/** What one run measures and how long: steps, repetitions and the seeded inputs, the same for every peer. */
export interface Plan {
  /** Whether the command line asked for workload `w`. */
  want(w: string): boolean;
  quick: boolean;
  /** The asked workloads, comma-separated: the workload column of a peer skipped altogether. */
  asked: string;
  /** Steps of the full loops (fewer under --quick). */
  steps: { W1: number; W2: number; W3: number; W6: number };
  /** Steps the slow peers (plain-JS kernels) run; their time is extrapolated to `steps`. */
  slowSteps: { W1: number; W2: number; W3: number };
  /** Timed repetitions of the fast peers' loops, and of W4's product. */
  reps: number;
  w4Reps: number;
  /** Interleaved rounds of W1 and W5 on nn cpu. */
  w5Rounds: number;
  /** x, y and weights of W1–W3, made only for the workloads asked for (W5 runs on W1's). */
  data: Record<string, LoopData>;
  /** W4's two n×n factors, when asked for. */
  w4: { a: Float32Array; b: Float32Array } | null;
  /** W6's train split, batch order and initial weights, when asked for. */
  w6: DigitsData | null;
}

/** The plan of a run from its command line. */
export function makePlan(args: Args): Plan {
  const q = args.quick;
  const want = (w: string): boolean => args.only.has(w);
  const data: Record<string, LoopData> = {};
  const w6 = want('W6') ? digitsData(SEED) : null;
  for (const w of ['W1', 'W2', 'W3'] as const) if (want(w) || (w === 'W1' && want('W5'))) data[w] = loopData(loops[w], SEED);
  return {
    want,
    quick: q,
    asked: [...args.only].join(','),
    // W6 is one epoch even under --quick: 23 small steps.
    steps: { W1: q ? 100 : 500, W2: q ? 100 : 500, W3: q ? 5 : 50, W6: w6 ? digitsSteps(w6) : loops.W6.steps },
    slowSteps: { W1: q ? 10 : 50, W2: q ? 10 : 50, W3: q ? 0 : 1 },
    reps: q ? 1 : 3,
    w4Reps: q ? 3 : 10,
    w5Rounds: q ? 1 : 5,
    data,
    w4: want('W4') ? matmulData(SEED + 1) : null,
    w6,
  };
}
