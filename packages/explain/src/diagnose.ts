import { ArgumentError, showValue } from '@nn/core';

/**
 * Training health, from numbers a training loop already has: how many units
 * of each ReLU layer are active, and each weight's gradient norm. A ReLU
 * layer whose units are all inactive (output 0 for every example) passes no
 * gradient, so it never recovers: the net stops learning with no error, the
 * loss frozen. This names it, with the step it died and the usual cause; and
 * it flags gradients that vanish or explode. Plain data in, plain data out,
 * so a CLI prints it and a page draws it.
 */

/** One step's measurements. */
export interface HealthSample {
  /** Training step. */
  step: number;
  /** ReLU layers, input side first: units, and how many are active (output > 0) for at least one example of the batch. */
  layers: { name: string; units: number; active: number }[];
  /** Each weight's gradient norm ‖grad‖₂ at this step. */
  gradients: { name: string; norm: number }[];
}

/** Something wrong with the training, named. */
export interface HealthFinding {
  /** What kind: a dead ReLU layer, or gradients that vanished or exploded. */
  kind: 'dead-relu' | 'vanishing-gradient' | 'exploding-gradient';
  /** The layer or weight it concerns (`h2_relu`, `w1`). */
  name: string;
  /** First step of the measurements where it holds, continuously since. */
  since: number;
  /** One sentence for the user, with the fix. */
  message: string;
  /** The cause, where one finding explains another (`the dead h2_relu outputs only zeros and passes no gradient`). */
  cause?: string;
}

/** Options of `HealthMonitor`. */
export interface HealthOptions {
  /** The learning rate of the run (named in the advice). */
  lr: number;
  /** A rate to suggest when updates overshoot; lr/100 unless given (the CLI knows the rate each net trains at). */
  suggestLr?: number;
}

// A gradient norm this many times its first value has exploded (the seed nets' norms only fall as they train).
const EXPLODE = 1e4;
// A layer's norm this many times smaller, relative to the output layer's, than it was at the start has vanished.
const VANISH = 1e-4;

const fmt = (v: number): string => (v === 0 ? '0' : Number.isFinite(v) ? v.toExponential(1).replace('e+', 'e') : String(v));

/**
 * Follows a run's health step by step: `record()` each measured step,
 * `findings()` says what is wrong now (dead ReLU layers, vanishing or
 * exploding gradients), `history` keeps every sample for plots.
 */
export class HealthMonitor {
  /** Every recorded sample, in order. */
  readonly history: HealthSample[] = [];
  private readonly lr: number;
  private readonly suggestLr: number;

  constructor(opts: HealthOptions) {
    if (opts === null || typeof opts !== 'object' || typeof opts.lr !== 'number' || !(opts.lr > 0)) {
      throw new ArgumentError('HealthMonitor', `expected { lr: number > 0 }, got ${showValue(opts)}; write new HealthMonitor({ lr: 1e-6 })`);
    }
    this.lr = opts.lr;
    this.suggestLr = opts.suggestLr ?? opts.lr / 100;
  }

  /** Add one step's measurements (steps in increasing order). */
  record(sample: HealthSample): void {
    const last = this.history.at(-1);
    if (last && sample.step <= last.step) {
      throw new ArgumentError('HealthMonitor.record', `step ${sample.step} comes after step ${last.step}; record steps in increasing order`);
    }
    this.history.push(sample);
  }

  /** What is wrong at the last recorded step, causes first: dead layers, then the gradients they stop. */
  findings(): HealthFinding[] {
    const last = this.history.at(-1);
    if (!last) return [];
    const first = this.history[0]!;
    const out: HealthFinding[] = [];
    const lrText = this.lr.toExponential().replace('e+', 'e');
    const suggest = this.suggestLr.toExponential().replace('e+', 'e');

    // Dead ReLU layers: no unit active for any example, since some step. Not where the numbers
    // are no longer finite: a NaN counts as inactive, and the gradients' explosion is the news.
    const finite = last.gradients.every((g) => Number.isFinite(g.norm));
    const dead: string[] = [];
    for (const layer of finite ? last.layers : []) {
      if (layer.active > 0 || layer.units === 0) continue;
      const since = this.since((s) => s.layers.find((l) => l.name === layer.name)?.active === 0);
      const before = dead.length ? ` (it gets only ${dead.at(-1)}'s zeros)` : '';
      const why =
        since > first.step
          ? `the learning rate is too high for this init; try ${suggest} (an update at lr ${lrText} pushed every unit's input below 0 for every example, and a ReLU that outputs 0 everywhere passes no gradient, so it never recovers)`
          : 'the initial weights put every unit\'s input below 0 for every example; draw them again (another seed) or scale them down';
      out.push({
        kind: 'dead-relu',
        name: layer.name,
        since,
        message: `all ${layer.units} units of ${layer.name} are inactive since step ${since}${before}: ${dead.length ? 'a layer fed only zeros stays dead' : why}`,
      });
      dead.push(layer.name);
    }

    // Gradients: exactly 0 or out of proportion to the output layer's, or exploded.
    const outName = last.gradients.at(-1)?.name;
    for (const g of last.gradients) {
      const g0 = first.gradients.find((x) => x.name === g.name)?.norm ?? NaN;
      // A first norm of exactly 0 (a zero-initialised layer behind) gives no scale: only a
      // non-finite norm counts then, or any growth from 0 would read as an explosion.
      const exploded = (n: number): boolean => !Number.isFinite(n) || (g0 > 0 && n > EXPLODE * g0);
      if (exploded(g.norm)) {
        const since = this.since((s) => exploded(s.gradients.find((x) => x.name === g.name)?.norm ?? 0));
        out.push({
          kind: 'exploding-gradient',
          name: g.name,
          since,
          message: `the gradient of ${g.name} exploded: its norm went from ${fmt(g0)} at step ${first.step} to ${fmt(g.norm)} at step ${last.step}; the updates overshoot: lower the learning rate (try ${suggest})`,
        });
        continue;
      }
      const ratio = (s: HealthSample): number => {
        const n = s.gradients.find((x) => x.name === g.name)?.norm ?? 0;
        const o = s.gradients.find((x) => x.name === outName)?.norm ?? 0;
        return n === 0 ? 0 : o === 0 ? Infinity : n / o;
      };
      const vanished = (s: HealthSample): boolean => {
        const n = s.gradients.find((x) => x.name === g.name)?.norm ?? 0;
        return g0 > 0 && (n === 0 || ratio(s) < VANISH * ratio(first));
      };
      if (!vanished(last)) continue;
      const since = this.since(vanished);
      const cause = dead.length
        ? `the dead ${dead[0]} outputs only zeros and passes no gradient`
        : "it is tiny beside the output layer's, so this layer barely learns; a smaller init scale or fewer layers helps";
      out.push({
        kind: 'vanishing-gradient',
        name: g.name,
        since,
        message: `the gradient of ${g.name} vanished since step ${since}: its norm fell from ${fmt(g0)} at step ${first.step} to ${fmt(g.norm)} at step ${last.step}: ${cause}`,
        cause,
      });
    }
    return out;
  }

  // The first step of the run of samples, ending at the last, for which `holds` is true.
  private since(holds: (s: HealthSample) => boolean): number {
    let i = this.history.length - 1;
    while (i > 0 && holds(this.history[i - 1]!)) i--;
    return this.history[i]!.step;
  }
}
