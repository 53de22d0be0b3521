import { scope, type BackendInfo, type Tensor } from '@nn/core';
import type { Options } from './args.js';
import { checkGradients, type GradCheck } from './check.js';
import { explainNet, type ExplainedWeight } from './explain-cli.js';
import { DEFAULT_LR, loadData, randomData, SIZES, N } from './data.js';
import { autogradStep, loss2, loss3 } from './nets/autograd.js';
import { layersStep, makeLayersNet } from './nets/layers.js';
import { manualStep2, manualStep3 } from './nets/manual.js';
import { Progress } from './progress.js';
import { pyFloat } from './format.js';
import { HealthMonitor, type HealthFinding } from '@nn/explain';
import { EARLY_STEPS, healthLines, measureHealth } from './health.js';

/** What one run reports (the --json object). */
export interface RunResult {
  device: string;
  /** What really ran: the backend's package, its runtime, and whether that is a fallback. */
  backend: { name: string; runtime: string; fallback: boolean; note?: string };
  net: 2 | 3;
  style: Options['style'];
  steps: number;
  lr: number;
  /** Seed of the random start, or null when the start came from --data. */
  seed: number | null;
  data: string | null;
  /** Manual gradients against autograd's, at the starting weights. */
  gradCheck: GradCheck;
  /** [t, loss] at every logged step (t % logEvery == logEvery - 1). */
  losses: [number, number][];
  /** Wall time of the training loop. */
  elapsedMs: number;
  /** With --explain: each weight's explained formula and its difference from autograd, at the starting weights. */
  explain?: ExplainedWeight[];
  /** With --plot: [t, loss] at every step. */
  curve?: [number, number][];
  /** Set when a loss read was NaN or ±Inf: the run stopped at that step (see divergenceMessage). */
  diverged?: { step: number; loss: number };
  /** What the health checks found (dead ReLU layers, vanishing or exploding gradients); absent when nothing. */
  health?: HealthFinding[];
}

/**
 * What a diverged run tells the user: the step, the value and the fix. The loss
 * is only read where it is printed (or every step with --plot) and after the
 * last step, so a NaN that appeared earlier is reported at the first read after it.
 */
export function divergenceMessage(r: Pick<RunResult, 'net' | 'lr' | 'diverged'>): string {
  const { step, loss } = r.diverged!;
  const what = Number.isNaN(loss) ? 'NaN' : `${loss > 0 ? '+' : '-'}Inf`;
  return (
    `the ${r.net === 2 ? 'two' : 'three'}-layer net diverged: its loss is ${what} at step ${step} ` +
    `(the loss is checked where it is read: at each printed step, every step with --plot, and after the last step). ` +
    `A learning rate of ${r.lr.toExponential()} is too large for this net and these inputs: each update overshoots and the weights grow until float32 overflows. ` +
    (r.lr > DEFAULT_LR[r.net]
      ? `Training stopped. Use a smaller --lr (this net trains at ${DEFAULT_LR[r.net].toExponential()} on the seed program's data)`
      : `Training stopped. Use a smaller --lr than ${r.lr.toExponential()} (larger or less centred --data needs a smaller rate than the seed program's)`)
  );
}

/** Where a run writes its text (nothing in --json mode). */
export interface Printer {
  line(text: string): void;
}

function describeNet(net: 2 | 3): string {
  return `${net === 2 ? 'two' : 'three'}-layer net ${N}×${SIZES[net].join(' → ')}`;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : String(Number(v.toPrecision(3)));
}

/**
 * The step function of `style` (each returns the loss of its step), the
 * weights as they are now ([in, out]; call inside a scope: layers' are
 * transposed views), and what frees the style's own state.
 */
function makeStep(style: Options['style'], x: Tensor, y: Tensor, ws: Tensor[], lr: number): { step: () => Tensor; weights: () => Tensor[]; dispose: () => void } {
  const [w1, w2, w3] = ws as [Tensor, Tensor, Tensor | undefined];
  const nothing = (): void => {};
  const same = (): Tensor[] => ws;
  switch (style) {
    case 'manual':
      return { step: w3 ? () => manualStep3(x, y, w1, w2, w3, lr) : () => manualStep2(x, y, w1, w2, lr), weights: same, dispose: nothing };
    case 'autograd':
      for (const w of ws) w.requiresGrad = true;
      return { step: w3 ? () => autogradStep(loss3(x, y, w1, w2, w3), ws, lr) : () => autogradStep(loss2(x, y, w1, w2), ws, lr), weights: same, dispose: nothing };
    case 'layers': {
      const net = makeLayersNet(ws, lr);
      // Linear stores weight [out, in]; the seed program's w is its transpose.
      const weights = (): Tensor[] => net.model.parameters().map((p) => p.detach().t());
      return { step: () => layersStep(net, x, y), weights, dispose: () => net.model.dispose() };
    }
  }
}

/** Train one net: check gradients at the start, then run the loop, one `scope()` per step so memory stays flat. */
export async function runNet(net: 2 | 3, opts: Options, info: BackendInfo, out: Printer | null, onLoaded?: () => void): Promise<RunResult> {
  const lr = opts.lr ?? DEFAULT_LR[net];
  const { x, y, ws } = opts.data ? loadData(opts.data, net) : randomData(net, opts.seed);
  onLoaded?.();
  const styleName = { manual: 'manual backprop', autograd: 'autograd', layers: '@nn/layers + SGD' }[opts.style];
  out?.line(`# ${describeNet(net)}, ${styleName}, lr ${lr.toExponential()}, ${opts.steps} step${opts.steps === 1 ? '' : 's'} on ${opts.device}${opts.data ? `, from ${opts.data}` : `, seed ${opts.seed}`}`);

  const gradCheck = await checkGradients(x, y, ws);
  const detail = gradCheck.weights.map((w) => `${w.name} ${fmt(w.maxAbsDiff)} (tolerance ${fmt(w.tolerance)})`).join(', ');
  out?.line(`# gradient check, manual vs autograd: max |difference| ${fmt(gradCheck.maxAbsDiff)}: ${detail}: ${gradCheck.ok ? 'ok' : 'FAILED'}`);
  // --explain/--graph work on copies of the starting weights; in --json mode their text goes to stderr.
  const explain = opts.explain || opts.graph
    ? await explainNet(net, x, y, ws, { explain: opts.explain, graphFile: opts.graph, bothNets: opts.nets.length > 1 }, (l) => (out ? out.line(l) : process.stderr.write(l + '\n')))
    : undefined;

  const { step, weights, dispose } = makeStep(opts.style, x, y, ws, lr);
  // Health: an overshooting rate kills ReLUs in the first steps, so those are all measured; later ones where the loss is read.
  const monitor = new HealthMonitor({ lr, suggestLr: lr > DEFAULT_LR[net] ? DEFAULT_LR[net] : lr / 100 });
  const progress = new Progress(opts.steps, process.stderr.isTTY === true);
  const losses: [number, number][] = [];
  const curve: [number, number][] = [];
  const start = performance.now();
  let last: number | undefined;
  let diverged: RunResult['diverged'];
  for (let t = 0; t < opts.steps; t++) {
    const logged = t % opts.logEvery === opts.logEvery - 1;
    const final = t === opts.steps - 1;
    if (t < EARLY_STEPS || logged || final) {
      const now = scope(() => weights().map((w) => w.clone()));
      try {
        monitor.record(await measureHealth(t, x, y, now));
      } finally {
        for (const w of now) w.dispose();
      }
    }
    const loss = scope(step);
    // Reading the loss is the only sync point with the device; the seed program
    // reads it every step (.item()), nn only where it prints or plots, once, and
    // after the last step. Each read value is checked: a NaN or Inf stops the run.
    const value = opts.plot || logged || final ? (await loss.data())[0]! : undefined;
    if (value !== undefined && !Number.isFinite(value)) diverged = { step: t, loss: value };
    if (opts.plot) curve.push([t, value!]);
    if (logged) {
      last = value!;
      losses.push([t, last]);
      if (out) {
        progress.done();
        out.line(`${t} ${pyFloat(last)}`);
      }
    }
    loss.dispose();
    if (diverged) break;
    progress.tick(t, last);
  }
  const elapsedMs = performance.now() - start;
  progress.done();
  // A diverged run has its own message (divergenceMessage), which names the rate; health adds nothing to it.
  const health = diverged ? [] : monitor.findings();
  for (const line of healthLines(monitor, health)) out?.line(line);

  dispose();
  for (const t of [x, y, ...ws]) {
    t.zeroGrad();
    t.dispose();
  }
  return {
    device: opts.device,
    backend: { name: info.name, runtime: info.runtime, fallback: info.fallback, ...(info.note ? { note: info.note } : {}) },
    net,
    style: opts.style,
    steps: opts.steps,
    lr,
    seed: opts.data ? null : opts.seed,
    data: opts.data ?? null,
    gradCheck,
    losses,
    elapsedMs: Math.round(elapsedMs),
    ...(opts.explain && explain ? { explain } : {}),
    ...(opts.plot ? { curve } : {}),
    ...(diverged ? { diverged } : {}),
    ...(health.length ? { health } : {}),
  };
}
