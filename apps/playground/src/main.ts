import { memory, type Tensor } from '@nn/core';
import { lossPlotSvg, type HealthFinding } from '@nn/explain';
import { fillLossTable, fmtLoss, LossChart, type Run } from './chart.js';
import { defaultLr, fmtLr, NET_LABEL, type DeviceChoice, type NetKind, type Style } from './config.js';
import { browserOffers, describeDevice, useDevice, type DeviceReport } from './devices.js';
import { ExplainPanel } from './explain-panel.js';
import { FrameMeter } from './frame-meter.js';
import { HealthPanel } from './health-panel.js';
import { HeatmapPanel } from './heatmap-panel.js';
import { startLab } from './lab/index.js';
import { makeTrainer, type Trainer } from './nets/index.js';
import { SeedWorker } from './seed-worker/client.js';
import type { HealthReading } from './nets/health.js';
import type { FromSeed, HeatData, Traffic, WeightInfo } from './seed-worker/protocol.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

/** What the form asks for. */
interface Settings {
  net: NetKind;
  style: Style;
  device: DeviceChoice;
  lr: number;
  steps: number;
  seed: number;
}

type State = 'loading' | 'ready' | 'training' | 'paused' | 'done' | 'diverged' | 'error';

const form = {
  net: $<HTMLSelectElement>('net'),
  style: $<HTMLSelectElement>('style'),
  device: $<HTMLSelectElement>('device'),
  lr: $<HTMLInputElement>('lr'),
  steps: $<HTMLInputElement>('steps'),
  seed: $<HTMLInputElement>('seed'),
};
const buttons = {
  train: $<HTMLButtonElement>('train'),
  pause: $<HTMLButtonElement>('pause'),
  step: $<HTMLButtonElement>('step'),
  reset: $<HTMLButtonElement>('reset'),
  clear: $<HTMLButtonElement>('clear'),
};
const lossValues = $<HTMLDetailsElement>('loss-values');
const chart = new LossChart($<HTMLCanvasElement>('chart'), $('legend'));
const heatmaps = new HeatmapPanel($('heatmaps'));
const explain = new ExplainPanel($('explain'));
const health = new HealthPanel($('heatmaps-panel'));
const frames = new FrameMeter(statRow('Longest frame gap', 'frame-gap', 'The longest the page stood still between two frames while this run trained'));

/** Add a row to the Run panel's figures (made here, so index.html stays as it is). */
function statRow(label: string, id: string, title: string): HTMLElement {
  const dt = document.createElement('dt');
  dt.textContent = label;
  dt.title = title;
  const dd = document.createElement('dd');
  dd.id = id;
  dd.textContent = '—';
  document.querySelector('#status .stats')!.append(dt, dd);
  return dd;
}

/** Steps measured one by one at the start of a run, where an overshooting rate kills ReLUs (the CLI measures these too). */
const EARLY_STEPS = 10;
/** A cpu slice runs steps for at most this long (at least one step), so a frame is painted between slices. */
const SLICE_MS = 12;

/** The trainer on this thread: only for a gpu mode the seed worker could not open (null while the worker trains). */
let trainer: Trainer | null = null;
/** Training runs in this Web Worker (cpu, and gpu.js where it opens there), so the page only draws; made on first use. */
let seedWorker: SeedWorker | null = null;
/** Device choices the seed worker could not open (gpu.js without that mode in a worker), with why: the page trains those. */
const notInWorker = new Map<DeviceChoice, string>();
/** The weights of the net the seed worker has built, or null when the run is on this thread. */
let workerWeights: WeightInfo[] | null = null;
/** The worker's memory counters, from its last slice. */
let workerTraffic: Traffic | null = null;
/** What a worker run needs while its messages come in: the settings, whether every loss was finite, and the sps samples. */
let workerRun: { s: Settings; ok: boolean; samples: { time: number; t: number }[] } | null = null;
let report: DeviceReport | null = null;
let run: Run | null = null;
/** The settings the current trainer was built with (all but steps). */
let builtKey = '';
let t = 0;
let firstLoss: number | null = null;
let state: State = 'loading';
let stopRequested = false;
let busy: Promise<void> = Promise.resolve();
let pending = 0;
/** A reset is queued and has not started yet (several changes in a row make one). */
let resetQueued = false;

/** Read and check the form; a problem comes back as a sentence. */
function readSettings(): Settings | string {
  const lr = Number(form.lr.value.trim());
  if (!Number.isFinite(lr) || lr <= 0) return `The learning rate must be a positive number such as 1e-6; got "${form.lr.value}".`;
  const steps = Number(form.steps.value);
  if (!Number.isInteger(steps) || steps < 1) return `Steps must be a whole number of at least 1; got "${form.steps.value}".`;
  const seed = Number(form.seed.value);
  if (!Number.isInteger(seed) || seed < 0) return `The seed must be a whole number, 0 or more; got "${form.seed.value}".`;
  return { net: form.net.value as NetKind, style: form.style.value as Style, device: form.device.value as DeviceChoice, lr, steps, seed };
}

const keyOf = (s: Settings): string => `${s.net}|${s.style}|${s.device}|${s.lr}|${s.seed}`;

function setState(s: State): void {
  state = s;
  // The table is rebuilt when a run settles, not on every step of training.
  if (s !== 'training' && s !== 'loading' && lossValues.open) fillLossTable($('loss-table'), run);
  const el = $('state');
  el.textContent = s;
  el.dataset.state = s;
  const training = s === 'training';
  // While a run is built (in the seed worker: a few messages away) Train and Step stay enabled: a
  // click queues behind the build. A field's change on blur starts that build as the click lands.
  const stuck = s === 'diverged';
  buttons.train.disabled = training || stuck;
  buttons.step.disabled = training || stuck;
  buttons.pause.disabled = !training;
  buttons.reset.disabled = s === 'loading';
  for (const c of Object.values(form)) c.disabled = training && c !== form.steps;
}

function message(text: string): void {
  $('message').textContent = text;
  delete $('message').dataset.kind;
}

/** Queue an action after the running one, so clicks never interleave. Errors land on the page. */
function serial(fn: () => Promise<void>): Promise<void> {
  // data-busy on <body> tells scripts (and the end-to-end tests) when the page has settled.
  pending++;
  document.body.dataset.busy = '1';
  const next = busy
    .then(fn)
    .catch((e: unknown) => {
      setState('error');
      message(`Error: ${(e as Error).message ?? String(e)}`);
      console.warn(e);
    })
    .finally(() => {
      if (--pending === 0) document.body.dataset.busy = '0';
    });
  busy = next;
  return next;
}

/** Throw away the current run's tensors and build a fresh trainer from the settings. */
async function rebuild(s: Settings): Promise<void> {
  setState('loading');
  message('');
  if (trainer) {
    trainer.dispose();
    trainer = null;
  }
  if (run && run.points.length === 0) chart.removeRun(run);
  run = null;
  builtKey = '';
  workerWeights = null;
  workerTraffic = null;
  let built: (FromSeed & { type: 'built' }) | null = null;
  if (!notInWorker.has(s.device)) {
    // Training runs in the seed worker (the same trainers, nets/): the page's thread only draws.
    seedWorker ??= new SeedWorker(onWorkerEvent);
    const answer = await seedWorker.request({ type: 'build', net: s.net, style: s.style, device: s.device, seed: s.seed, lr: s.lr }, 'built');
    if (answer.type === 'built') {
      built = answer;
      workerWeights = built.weights;
      report = describeDevice(s.device, built.device, built);
    } else notInWorker.set(s.device, answer.reason);
  }
  if (!built) {
    // gpu.js could not open this mode in a worker: it runs on this thread, in slices between frames.
    report = await useDevice(s.device);
    trainer = makeTrainer(s.net, s.style, s.seed, report.device, s.lr);
  }
  showBackend(report!);
  builtKey = keyOf(s);
  t = 0;
  firstLoss = null;
  run = chart.startRun(`${NET_LABEL[s.net]}, ${s.style}, ${report!.kind === 'cpu' ? 'cpu' : `gpu ${report!.runtime}`}, lr ${fmtLr(s.lr)}, seed ${s.seed}`);
  // The loss table never shows another run's rows, even for a moment (it refills when opened).
  fillLossTable($('loss-table'), run);
  showStep(null);
  $('first-loss').textContent = '—';
  $('sps').textContent = '—';
  const shapes = trainer ?? { weights: workerWeights!.map((w) => ({ name: w.name, value: { shape: w.shape } })) };
  heatmaps.layout(shapes);
  const defLr = defaultLr(s.net, s.style);
  health.reset(shapes, s.lr, s.lr > defLr ? defLr : s.lr / 100);
  $('frame-gap').textContent = '—';
  explain.setWeights(shapes.weights.map((w) => w.name));
  if (trainer) await heatmaps.refresh(trainer);
  else for (const h of built!.heat) drawHeat(h.index, h.value, h.grad);
  setState('ready');
  await explainNow();
}

/** Draw weight `i`'s heatmap pair from the seed worker's read-back. */
function drawHeat(i: number, value: Float32Array, grad: Float32Array | null): void {
  const w = workerWeights?.[i];
  if (w) heatmaps.draw(i, w.name, w.shape, value, grad);
}

/** Explain the current weights: here for a gpu run, in the seed worker for a cpu run. */
async function explainNow(): Promise<void> {
  if (trainer) return explain.update(trainer);
  if (!seedWorker || !workerWeights) return;
  explain.begin();
  try {
    explain.show((await seedWorker.request({ type: 'explain', weight: explain.select.value }, 'explained')).explained);
  } catch (e) {
    explain.fail((e as Error).message);
  }
}

/** Pictures the seed worker posted and the page has not drawn yet: the latest heatmap pair per weight, health readings in order. */
const toDraw = { heat: new Map<number, HeatData>(), health: [] as HealthReading[], frame: 0, figures: null as number | null, samples: null as { time: number; t: number }[] | null };

/**
 * Draw one picture per animation frame (a weight's heatmap pair, or the
 * health panel), so that no frame waits for all of them; what is left waits
 * for the next frame.
 */
function drawTurn(): void {
  toDraw.frame = 0;
  showFigures();
  const [i, h] = toDraw.heat.entries().next().value ?? [];
  if (h) {
    toDraw.heat.delete(i!);
    drawHeat(h.index, h.value, h.grad);
  } else if (toDraw.health.length) drawHealth();
  if (toDraw.heat.size || toDraw.health.length) toDraw.frame = requestAnimationFrame(drawTurn);
}

/** The step, loss, steps/s and traffic of the last slice received (set once per frame, not per message: each change costs a layout and a paint). */
function showFigures(): void {
  if (toDraw.figures !== null) showStep(toDraw.figures);
  if (toDraw.samples) showSps(toDraw.samples);
  toDraw.figures = null;
  toDraw.samples = null;
}

/** Record every pending health reading (the monitor needs each), drawing the last. */
function drawHealth(): void {
  const readings = toDraw.health.splice(0);
  readings.forEach((r, k) => {
    const found = health.accept(r, k === readings.length - 1);
    if (k === readings.length - 1) showHealth(found);
  });
}

/** Draw everything pending now (a run has stopped: the page must show its last state before it settles). */
function flushDraws(): void {
  if (toDraw.frame) cancelAnimationFrame(toDraw.frame);
  toDraw.frame = 0;
  showFigures();
  for (const h of toDraw.heat.values()) drawHeat(h.index, h.value, h.grad);
  toDraw.heat.clear();
  if (toDraw.health.length) drawHealth();
}

/** What the seed worker posts while it trains: each slice's losses (shown at once), the heatmaps and health readings (drawn in turns). */
function onWorkerEvent(m: FromSeed): void {
  const r = workerRun;
  if (m.type === 'heat') toDraw.heat.set(m.heat.index, m.heat);
  else if (m.type === 'health') toDraw.health.push(m.reading);
  else if (m.type === 'losses' && r) {
    workerTraffic = m.traffic ?? workerTraffic;
    t = m.from;
    let last: number | null = null;
    for (const v of m.losses) {
      if (!r.ok) break;
      t++;
      // The chart draws once per frame however many points come; the figures are set once per slice.
      r.ok = record(v, r.s, false);
      last = v;
    }
    if (last !== null) toDraw.figures = last;
    toDraw.samples = r.samples;
  }
  if (!toDraw.frame && (toDraw.heat.size || toDraw.health.length || toDraw.samples)) toDraw.frame = requestAnimationFrame(drawTurn);
}

/** Steps per second over the last 1.5 s, from (time, step) samples taken after each slice. */
function showSps(samples: { time: number; t: number }[]): void {
  const now = performance.now();
  samples.push({ time: now, t });
  while (samples.length > 2 && now - samples[1]!.time > 1500) samples.shift();
  const first = samples[0]!;
  if (now > first.time) $('sps').textContent = ((t - first.t) / ((now - first.time) / 1000)).toFixed(1);
}

function showBackend(r: DeviceReport): void {
  const b = $('backend');
  b.textContent = r.kind === 'cpu' ? `cpu (${r.runtime})` : `${r.device} — gpu.js ${r.runtime}`;
  b.dataset.runtime = r.runtime;
  b.dataset.device = r.kind;
  const inWorker = workerWeights !== null;
  b.dataset.thread = inWorker ? 'worker' : 'main thread';
  const why = notInWorker.get(r.kind === 'cpu' ? 'cpu' : (form.device.value as DeviceChoice));
  $('backend-note').textContent =
    r.note +
    (r.asyncRead ? ' Reads back with await t.data().' : '') +
    (inWorker ? ' Trains in a Web Worker: the page only draws.' : ` Trains on the page's main thread, in slices between frames (the page may stutter): ${why ?? 'not in the worker'}.`);
  const w = $('device-warning');
  w.hidden = r.warning === null;
  w.textContent = r.warning ?? '';
}

function showStep(loss: number | null): void {
  $('step-count').textContent = String(t);
  const l = $('loss');
  l.textContent = loss === null ? '—' : fmtLoss(loss);
  l.dataset.value = loss === null ? '' : String(loss);
  if (report) {
    const m = workerWeights ? workerTraffic : memory()[report.device];
    const el = $('traffic');
    if (m) {
      el.textContent = `${m.buffers} live buffers, ${m.kernels} kernel runs, ${m.compiles} compiles, ${m.readbacks} readbacks`;
      el.dataset.readbacks = String(m.readbacks);
      el.dataset.compiles = String(m.compiles);
    }
  }
}

/** Put one read loss on the page; returns false when it is NaN/Inf (the run has diverged). */
function record(loss: number, s: Settings, show = true): boolean {
  if (firstLoss === null) {
    firstLoss = loss;
    $('first-loss').textContent = fmtLoss(loss);
    $('first-loss').dataset.value = String(loss);
  }
  chart.add(run!, t, loss);
  if (show || !Number.isFinite(loss)) showStep(loss);
  if (Number.isFinite(loss)) return true;
  const what = Number.isNaN(loss) ? 'NaN (not a number)' : `${loss > 0 ? '+' : '-'}Inf`;
  message(
    `Diverged — the loss is NaN/Inf: it became ${what} by step ${t}. A learning rate of ${fmtLr(s.lr)} is too large for this net: ` +
      `each update overshoots, the weights grow until float32 overflows. Training stopped. ` +
      `Lower the learning rate (this net trains at ${fmtLr(defaultLr(s.net, s.style))}) and press Reset.`,
  );
  $('message').dataset.kind = 'diverged';
  return false;
}

/** Say what the health checks found, in the alert area (a diverged run's own message wins). */
function showHealth(found: readonly HealthFinding[]): void {
  const el = $('message');
  if (el.dataset.kind === 'diverged') return;
  const f = found[0];
  if (!f) {
    if (el.dataset.kind === 'health') message('');
    return;
  }
  el.textContent = `Training has stopped learning — ${f.message}.` + (found.length > 1 ? ' The health panel lists the rest.' : '');
  el.dataset.kind = 'health';
}

/** Measure the run's health at the current step and say what is wrong, if anything. */
async function checkHealth(tr: Trainer): Promise<void> {
  showHealth(await health.sample(tr, t));
}

/**
 * Give the page a frame: resolve after the next animation frame (and a task
 * after it), or after FRAME_WAIT_MS when frames come slower than that (a
 * loaded machine, a hidden page), so that training does not crawl at the
 * frame rate. The main thread is free meanwhile, so a frame is never kept
 * waiting by more than one slice.
 */
const FRAME_WAIT_MS = 40;
const nextFrame = (): Promise<void> =>
  new Promise((r) => {
    let done = false;
    const go = (): void => {
      if (!done) (done = true), r();
    };
    const timer = setTimeout(go, FRAME_WAIT_MS);
    if (!document.hidden) requestAnimationFrame(() => setTimeout(() => (clearTimeout(timer), go()), 0));
  });

/**
 * Train on this thread — only a gpu mode the seed worker could not open —
 * until step `target` in slices, one slice per frame, so that the page
 * paints between any two slices. On the cpu a slice runs steps for up to
 * SLICE_MS and reads every loss (it costs nothing); on the gpu k steps run
 * back to back and only the last loss comes back, with k sized so that a
 * slice takes about 60 ms. A frame that redraws the heatmaps and the health
 * panel runs no step. The first EARLY_STEPS steps are measured one by one.
 */
async function trainLoop(s: Settings, target: number): Promise<void> {
  const tr = trainer!;
  const gpu = report!.kind === 'gpu';
  stopRequested = false;
  setState('training');
  let k = 1;
  let lastHeat = performance.now();
  const samples: { time: number; t: number }[] = [{ time: performance.now(), t }];
  let ok = true;
  let drew = false;
  let part = 0;
  frames.start();
  while (ok && !stopRequested && t < target) {
    await nextFrame();
    // Drawing takes turns with training, one picture per turn (a weight and its gradient, then the
    // health panel), so that no turn keeps a frame waiting long, and slow frames still train.
    if (!drew && (part > 0 || performance.now() - lastHeat > (gpu ? 1000 : 500))) {
      drew = true;
      if (part < tr.weights.length) await heatmaps.refresh(tr, part++);
      else {
        await checkHealth(tr);
        part = 0;
        lastHeat = performance.now();
      }
      continue;
    }
    drew = false;
    const start = performance.now();
    if (!gpu) {
      do {
        const loss = tr.step();
        t++;
        const v = loss.dataSync()[0]!;
        loss.dispose();
        ok = record(v, s);
      } while (ok && performance.now() - start < SLICE_MS && t < target && !stopRequested && t >= EARLY_STEPS);
    } else {
      let loss: Tensor | null = null;
      for (let i = 0; i < (t < EARLY_STEPS ? 1 : k) && t < target; i++) {
        loss?.dispose();
        loss = tr.step();
        t++;
      }
      const v = (await loss!.data())[0]!;
      loss!.dispose();
      ok = record(v, s);
      const took = performance.now() - start;
      if (took < 30) k = Math.min(64, k * 2);
      else if (took > 60 && k > 1) k = Math.max(1, Math.floor(k / 2));
    }
    if (ok && t <= EARLY_STEPS) await checkHealth(tr);
    showSps(samples);
  }
  frames.stop();
  await heatmaps.refresh(tr);
  if (!ok) {
    setState('diverged');
    return;
  }
  await checkHealth(tr);
  setState(t >= target ? 'done' : 'paused');
  // A Reset waiting behind this run would throw the explanation away at once.
  if (!resetQueued) await explain.update(tr);
}

/**
 * Train in the seed worker until step `target` (one step for Step): the
 * worker posts each slice's losses, the heatmaps and health readings, which
 * onWorkerEvent draws; this waits for its 'stopped'. The page's thread runs
 * no step, so its frames come as often as the browser paints.
 */
async function trainInWorker(s: Settings, target: number, asTrain: boolean): Promise<void> {
  stopRequested = false;
  if (asTrain) {
    setState('training');
    frames.start();
  }
  workerRun = { s, ok: true, samples: [{ time: performance.now(), t }] };
  try {
    const stopped = await seedWorker!.request({ type: 'train', target }, 'stopped');
    t = stopped.t;
  } finally {
    flushDraws();
    if (asTrain) frames.stop();
  }
  const ok = workerRun.ok;
  workerRun = null;
  if (!ok) {
    setState('diverged');
    return;
  }
  setState(asTrain && t >= target ? 'done' : 'paused');
  // A Reset waiting behind this run would throw the explanation away at once.
  if (!resetQueued) await explainNow();
}

/** Stop a training run after its current slice (on this thread, or in the seed worker). */
function requestStop(): void {
  stopRequested = true;
  if (state === 'training' && workerWeights) seedWorker?.pause();
}

/** Make sure the trainer matches the form (a changed setting starts a new run). */
async function ensureBuilt(): Promise<Settings | null> {
  const s = readSettings();
  if (typeof s === 'string') {
    message(s);
    return null;
  }
  if ((!trainer && !workerWeights) || keyOf(s) !== builtKey) await rebuild(s);
  return s;
}

function train(): void {
  void serial(async () => {
    const s = await ensureBuilt();
    if (!s || state === 'diverged') return;
    message('');
    const target = t < s.steps ? s.steps : t + s.steps;
    await (trainer ? trainLoop(s, target) : trainInWorker(s, target, true));
  });
}

function step(): void {
  void serial(async () => {
    const s = await ensureBuilt();
    if (!s || state === 'diverged') return;
    message('');
    if (!trainer) return trainInWorker(s, t + 1, false);
    const loss = trainer!.step();
    t++;
    const v = (await loss.data())[0]!;
    loss.dispose();
    const ok = record(v, s);
    await heatmaps.refresh(trainer!);
    if (!ok) {
      setState('diverged');
      return;
    }
    await checkHealth(trainer!);
    setState('paused');
    await explain.update(trainer!);
  });
}

function reset(): void {
  requestStop();
  // Several changes in a row (net, then style, then device) make one new run, not three.
  if (resetQueued) return;
  resetQueued = true;
  void serial(async () => {
    resetQueued = false;
    const s = readSettings();
    if (typeof s === 'string') {
      message(s);
      return;
    }
    await rebuild(s);
  });
}

// ---- wiring -------------------------------------------------------------------

$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  if (state !== 'training') train();
});
buttons.pause.addEventListener('click', requestStop);
buttons.step.addEventListener('click', step);
buttons.reset.addEventListener('click', reset);
$('save-svg').addEventListener('click', () => {
  // @nn/explain's lossPlotSvg draws the same runs as a standalone SVG file.
  const svg = lossPlotSvg(
    chart.all().map((r) => ({ label: r.label, points: r.points.map((p) => [p.step, p.loss] as const) })),
    { title: 'nn playground: loss per step' },
  );
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  a.download = 'nn-loss.svg';
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
});
lossValues.addEventListener('toggle', () => {
  if (lossValues.open) fillLossTable($('loss-table'), run);
});
buttons.clear.addEventListener('click', () => chart.clear(run ?? undefined));
for (const c of [form.net, form.style]) {
  c.addEventListener('change', () => {
    form.lr.value = fmtLr(defaultLr(form.net.value as NetKind, form.style.value as Style));
    reset();
  });
}
for (const c of [form.device, form.seed, form.lr]) c.addEventListener('change', reset);
explain.select.addEventListener('change', () => {
  void serial(async () => {
    if (state !== 'training') await explainNow();
  });
});

void browserOffers().then((offers) => {
  for (const opt of form.device.options) {
    if ((opt.value === 'webgl2' && !offers.webgl2) || (opt.value === 'webgpu' && !offers.webgpu)) {
      opt.textContent += ' (not offered here: a fallback runs, and says so)';
    }
  }
});
form.lr.value = fmtLr(defaultLr(form.net.value as NetKind, form.style.value as Style));
reset();
// The classification lab (its own tab; it trains in a Web Worker).
startLab();
