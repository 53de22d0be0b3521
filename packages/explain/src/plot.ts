import { ArgumentError } from '@nn/core';
import { checkRuns } from './check.js';
import { superscriptDigits } from './expr.js';
import { escapeXml, round1 } from './text.js';

/** One line of a loss plot: a label for the legend and (step, loss) points. */
export interface LossRun {
  label: string;
  points: readonly (readonly [number, number])[];
}

/** Options of `lossPlotSvg`. */
export interface LossPlotOptions {
  /** Title above the chart. */
  title?: string;
  /** x axis label (default `step`). */
  xLabel?: string;
  /** y axis label (default `loss`). */
  yLabel?: string;
  /** 'auto' (default: log when the positive losses span two decades or more), true or false. */
  log?: boolean | 'auto';
  /** Size in pixels (default 720×440). */
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const FONT = "'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif";

/**
 * A line chart of loss against step as a standalone SVG: one line per run
 * with a legend, axes with ticks and labels, and a log scale when the loss
 * falls by decades (as it does in the seed program: 10⁷ down to 10⁻³).
 */
export function lossPlotSvg(runs: readonly LossRun[], opts: LossPlotOptions = {}): string {
  checkRuns(runs, opts);
  const width = opts.width ?? 720;
  const height = opts.height ?? 440;
  const all = runs.flatMap((r) => r.points).filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v));
  if (all.length === 0) throw new ArgumentError('lossPlotSvg', 'no finite (step, loss) points to plot; pass at least one run with a finite loss');
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const positive = ys.filter((v) => v > 0);
  const spansDecades = positive.length === ys.length && Math.max(...positive) / Math.min(...positive) >= 100;
  const log = opts.log === 'auto' || opts.log === undefined ? spansDecades : opts.log && positive.length === ys.length;

  const m = { left: 78, right: 24, top: opts.title ? 46 : 20, bottom: 56 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;

  const [x0, x1] = padRange(Math.min(...xs), Math.max(...xs));
  const xTicks = niceTicks(x0, x1, 8);
  const xa = xTicks[0]!;
  const xb = xTicks[xTicks.length - 1]!;
  let yTicks: number[];
  let ya: number;
  let yb: number;
  if (log) {
    ya = Math.floor(Math.log10(Math.min(...ys)));
    yb = Math.ceil(Math.log10(Math.max(...ys)));
    if (ya === yb) yb++;
    const every = Math.max(1, Math.ceil((yb - ya) / 10));
    yTicks = [];
    for (let e = ya; e <= yb; e += every) yTicks.push(e);
  } else {
    const [lo, hi] = padRange(Math.min(...ys), Math.max(...ys));
    yTicks = niceTicks(lo, hi, 6);
    ya = yTicks[0]!;
    yb = yTicks[yTicks.length - 1]!;
  }
  const sx = (t: number): number => m.left + ((t - xa) / (xb - xa || 1)) * pw;
  const sy = (v: number): number => {
    const u = log ? Math.log10(v) : v;
    return m.top + ph - ((u - ya) / (yb - ya || 1)) * ph;
  };

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`);
  out.push(`<title>${escapeXml(opts.title ?? 'loss')}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  if (opts.title) out.push(`<text x="${width / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold" fill="#222">${escapeXml(opts.title)}</text>`);

  // Grid and ticks.
  out.push('<g class="grid" stroke="#e4e6ea" stroke-width="1">');
  for (const t of xTicks) out.push(`<line x1="${round1(sx(t))}" y1="${m.top}" x2="${round1(sx(t))}" y2="${m.top + ph}"/>`);
  for (const e of yTicks) {
    const y = log ? sy(10 ** e) : sy(e);
    out.push(`<line x1="${m.left}" y1="${round1(y)}" x2="${m.left + pw}" y2="${round1(y)}"/>`);
  }
  out.push('</g>');
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push('<g class="ticks" font-size="12" fill="#444">');
  for (const t of xTicks) {
    out.push(`<line x1="${round1(sx(t))}" y1="${m.top + ph}" x2="${round1(sx(t))}" y2="${m.top + ph + 5}" stroke="#888"/>`);
    out.push(`<text x="${round1(sx(t))}" y="${m.top + ph + 19}" text-anchor="middle">${escapeXml(fmtTick(t))}</text>`);
  }
  for (const e of yTicks) {
    const y = log ? sy(10 ** e) : sy(e);
    out.push(`<line x1="${m.left - 5}" y1="${round1(y)}" x2="${m.left}" y2="${round1(y)}" stroke="#888"/>`);
    out.push(`<text x="${m.left - 9}" y="${round1(y + 4)}" text-anchor="end">${escapeXml(log ? powerOfTen(e) : fmtTick(e))}</text>`);
  }
  out.push('</g>');
  out.push(`<text x="${m.left + pw / 2}" y="${height - 14}" text-anchor="middle" font-size="13" fill="#222">${escapeXml(opts.xLabel ?? 'step')}</text>`);
  const yl = `${opts.yLabel ?? 'loss'}${log ? ' (log scale)' : ''}`;
  out.push(`<text transform="translate(20,${m.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="13" fill="#222">${escapeXml(yl)}</text>`);

  // Lines.
  runs.forEach((run, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = run.points.filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v) && (!log || v > 0));
    if (!pts.length) return;
    const d = pts.map(([t, v], k) => `${k ? 'L' : 'M'}${round1(sx(t))},${round1(sy(v))}`).join(' ');
    out.push(`<g class="run"><title>${escapeXml(run.label)}</title>`);
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"/>`);
    if (pts.length <= 40) for (const [t, v] of pts) out.push(`<circle cx="${round1(sx(t))}" cy="${round1(sy(v))}" r="3" fill="${color}"/>`);
    out.push('</g>');
  });

  // Legend, top right inside the plot.
  const lw = Math.max(...runs.map((r) => r.label.length)) * 7.2 + 40;
  const lh = runs.length * 20 + 10;
  const lx = m.left + pw - lw - 10;
  const ly = m.top + 10;
  out.push(`<g class="legend"><rect x="${round1(lx)}" y="${ly}" width="${round1(lw)}" height="${lh}" rx="4" fill="#ffffff" fill-opacity="0.9" stroke="#ccc"/>`);
  runs.forEach((run, i) => {
    const y = ly + 18 + i * 20;
    const color = COLORS[i % COLORS.length]!;
    out.push(`<line x1="${round1(lx + 10)}" y1="${y - 4}" x2="${round1(lx + 28)}" y2="${y - 4}" stroke="${color}" stroke-width="2.5"/>`);
    out.push(`<text x="${round1(lx + 34)}" y="${y}" font-size="12" fill="#222">${escapeXml(run.label)}</text>`);
  });
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function padRange(lo: number, hi: number): [number, number] {
  if (lo === hi) return [lo - 1, hi + 1];
  return [lo, hi];
}

/** Round tick positions (1, 2 or 5 times a power of ten) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw) ?? 10 * p;
  const start = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let v = start; v <= hi + step * 1e-9 || ticks.length < 2; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < hi) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

function fmtTick(v: number): string {
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(0);
  return String(v);
}

function powerOfTen(e: number): string {
  return `10${superscriptDigits(String(e))}`;
}
