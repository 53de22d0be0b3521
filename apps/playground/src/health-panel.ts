import { HealthMonitor, type HealthFinding, type HealthSample } from '@nn/explain';
import { drawHeatmap } from './heatmap.js';
import { tracePolyline } from './polyline.js';
import { measureHealth, reluNames, type HealthReading, type ReluMask } from './nets/health.js';
import type { Trainer } from './nets/index.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
const LABEL: Record<HealthFinding['kind'], string> = {
  'dead-relu': 'Dead ReLU layer',
  'vanishing-gradient': 'Vanishing gradient',
  'exploding-gradient': 'Exploding gradient',
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

const fmtNorm = (v: number): string => (v === 0 ? '0' : Number.isFinite(v) ? v.toExponential(2) : String(v));

/**
 * Training health, drawn: each ReLU layer's mask (examples × units, red where
 * a unit is active) with the share of active units, each weight's gradient
 * norm over the steps on a log scale, and what @nn/explain's HealthMonitor
 * finds (a dead ReLU layer, a gradient that vanished or exploded) in words with
 * the fix. The logic is the monitor's, as the CLI prints it; this only draws.
 * The panel builds its own DOM as a section placed after `anchor`.
 */
export class HealthPanel {
  /** The panel's section (id health-panel). */
  readonly root: HTMLElement;
  private readonly masks: HTMLElement;
  private readonly chart: HTMLCanvasElement;
  private readonly legend: HTMLElement;
  private readonly list: HTMLElement;
  private monitor: HealthMonitor | null = null;
  private canvases: { canvas: HTMLCanvasElement; caption: HTMLElement }[] = [];
  private last: HealthFinding[] = [];

  constructor(anchor: HTMLElement) {
    this.root = el('section');
    this.root.id = 'health-panel';
    this.root.setAttribute('aria-labelledby', 'health-title');
    const h2 = el('h2', 'Training health: ReLU masks and gradient norms');
    h2.id = 'health-title';
    const intro = el(
      'p',
      'Each mask is the batch (rows, 64 examples) by the units (columns) of a ReLU layer at the current weights, red where the unit is active (output > 0). ' +
        'A layer with no active unit passes no gradient and never recovers; gradient norms that fall to 0 or grow by 10⁴ are named below, with the fix.',
      'muted',
    );
    this.masks = el('div', undefined, 'masks');
    this.masks.id = 'relu-masks';
    const fig = el('figure', undefined, 'norms');
    this.chart = el('canvas');
    this.chart.id = 'grad-norms';
    this.chart.width = 420;
    this.chart.height = 180;
    this.chart.setAttribute('role', 'img');
    this.chart.setAttribute('aria-label', 'Gradient norm of each weight against the step, log scale');
    this.legend = el('figcaption');
    fig.append(this.chart, this.legend);
    this.list = el('ul', undefined, 'findings');
    this.list.id = 'health-findings';
    this.list.setAttribute('aria-live', 'polite');
    const row = el('div', undefined, 'health-row');
    row.append(this.masks, fig);
    this.root.append(h2, intro, row, this.list);
    anchor.after(this.root);
  }

  /** Start over for a new run of `trainer` at learning rate `lr`; `suggestLr` is the rate the advice names. */
  reset(trainer: { readonly weights: readonly unknown[] }, lr: number, suggestLr: number): void {
    this.monitor = new HealthMonitor({ lr, suggestLr });
    this.last = [];
    this.canvases = reluNames(trainer.weights.length).map((name) => {
      const canvas = el('canvas', undefined, 'heatmap heatmap-mask');
      canvas.width = 200;
      canvas.height = 128;
      canvas.dataset.layer = name;
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `Which units of ${name} are active for each example`);
      const caption = el('figcaption', `${name}: no step yet`);
      return { canvas, caption };
    });
    this.masks.replaceChildren(
      ...this.canvases.map(({ canvas, caption }) => {
        const f = el('figure');
        f.append(canvas, caption);
        return f;
      }),
    );
    this.list.replaceChildren();
    this.list.dataset.kinds = '';
    this.draw();
  }

  /** Measure the trainer at step `step` (after that many steps), record it and redraw; returns the findings now. */
  async sample(trainer: Trainer, step: number): Promise<HealthFinding[]> {
    const m = this.monitor;
    if (!m || (m.history.at(-1)?.step ?? -1) >= step) return this.last;
    const reading = await measureHealth(trainer, step);
    if (!reading || m !== this.monitor) return this.last;
    return this.accept(reading);
  }

  /** Record a reading measured elsewhere (the seed worker's) and redraw (unless `draw` is false: a later one will); returns the findings now. A reading for a step already recorded is ignored. */
  accept(reading: HealthReading, draw = true): HealthFinding[] {
    const m = this.monitor;
    if (!m || (m.history.at(-1)?.step ?? -1) >= reading.sample.step) return this.last;
    m.record(reading.sample);
    if (!draw) return (this.last = m.findings());
    reading.masks.forEach((mask, i) => this.drawMask(i, mask, reading.sample));
    this.last = m.findings();
    this.showFindings(this.last);
    this.draw();
    return this.last;
  }

  /** The findings at the last measured step. */
  findings(): readonly HealthFinding[] {
    return this.last;
  }

  private drawMask(i: number, mask: ReluMask, s: HealthSample): void {
    const slot = this.canvases[i];
    if (!slot) return;
    drawHeatmap(slot.canvas, mask.data, mask.rows, mask.cols);
    const layer = s.layers.find((l) => l.name === mask.name)!;
    const share = layer.units ? (100 * layer.active) / layer.units : 0;
    slot.caption.textContent = `${mask.name}: ${layer.active} of ${layer.units} units active (${share.toFixed(0)} %), step ${s.step}`;
    slot.canvas.dataset.active = String(layer.active);
    slot.canvas.dataset.units = String(layer.units);
    slot.canvas.dataset.drawn = '1';
  }

  private showFindings(fs: readonly HealthFinding[]): void {
    this.list.replaceChildren(
      ...fs.map((f) => {
        const li = el('li', undefined, f.kind === 'dead-relu' || f.kind === 'exploding-gradient' ? 'error' : 'notice');
        li.dataset.kind = f.kind;
        li.append(el('strong', `${LABEL[f.kind]} (${f.name}): `), f.message);
        return li;
      }),
    );
    this.list.dataset.kinds = [...new Set(fs.map((f) => f.kind))].join(' ');
  }

  // Gradient norm per weight against the step, log scale; a norm of exactly 0 sits on the bottom edge.
  private draw(): void {
    const c = this.chart;
    const ctx = c.getContext('2d', { willReadFrequently: true })!;
    const W = c.width;
    const H = c.height;
    const m = { l: 52, r: 10, t: 10, b: 26 };
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, H);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#333';
    const hist = this.monitor?.history ?? [];
    if (hist.length === 0) {
      ctx.fillText('Gradient norms appear after the first step.', m.l, H / 2);
      this.legend.textContent = '';
      return;
    }
    const names = hist[0]!.gradients.map((g) => g.name);
    // Loops, not Math.min(...norms): a long run's samples would overflow the argument list.
    let min = Infinity;
    let max = -Infinity;
    for (const s of hist) {
      for (const g of s.gradients) {
        if (!(g.norm > 0 && Number.isFinite(g.norm))) continue;
        min = Math.min(min, g.norm);
        max = Math.max(max, g.norm);
      }
    }
    let lo = Math.floor(Math.log10(min < Infinity ? min : 1));
    let hi = Math.ceil(Math.log10(max > -Infinity ? max : 10));
    if (hi <= lo) [lo, hi] = [lo - 1, hi + 1];
    const s0 = hist[0]!.step;
    const s1 = Math.max(s0 + 1, hist.at(-1)!.step);
    const X = (s: number): number => m.l + ((W - m.l - m.r) * (s - s0)) / (s1 - s0);
    const Y = (v: number): number =>
      v > 0 && Number.isFinite(v) ? m.t + ((H - m.t - m.b) * (hi - Math.log10(v))) / (hi - lo) : v === 0 ? H - m.b : m.t;
    ctx.strokeStyle = '#e4e4e4';
    const every = Math.ceil((hi - lo) / 5);
    for (let d = lo; d <= hi; d += every) {
      ctx.beginPath();
      ctx.moveTo(m.l, Y(10 ** d));
      ctx.lineTo(W - m.r, Y(10 ** d));
      ctx.stroke();
      ctx.fillText(`1e${d}`, 6, Y(10 ** d) + 4);
    }
    ctx.fillText(`step ${s0}`, m.l, H - 8);
    ctx.fillText(`${hist.at(-1)!.step}`, W - m.r - 24, H - 8);
    names.forEach((name, k) => {
      ctx.strokeStyle = COLORS[k % COLORS.length]!;
      ctx.lineWidth = 2;
      ctx.beginPath();
      const norm = (i: number): number => hist[i]!.gradients.find((g) => g.name === name)?.norm ?? NaN;
      tracePolyline(ctx, hist.length, (i) => X(hist[i]!.step), (i) => Y(norm(i)));
      ctx.stroke();
    });
    const lastS = hist.at(-1)!;
    const text = names.map((n) => `${n} ${fmtNorm(hist[0]!.gradients.find((g) => g.name === n)!.norm)} → ${fmtNorm(lastS.gradients.find((g) => g.name === n)!.norm)}`);
    this.legend.replaceChildren(
      'Gradient norms ‖grad‖₂, step ',
      `${s0} → ${lastS.step}: `,
      ...names.flatMap((n, k) => {
        const sw = el('span', undefined, 'swatch');
        sw.style.background = COLORS[k % COLORS.length]!;
        return [sw, `${text[k]}${k < names.length - 1 ? '; ' : ''}`];
      }),
    );
    c.setAttribute('aria-label', `Gradient norm of each weight against the step, log scale: ${text.join('; ')}`);
    c.dataset.samples = String(hist.length);
  }
}
