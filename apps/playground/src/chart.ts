import { tracePolyline } from './polyline.js';

/** One training run on the chart: a label and its (step, loss) points. */
export interface Run {
  readonly id: number;
  readonly label: string;
  readonly color: string;
  readonly points: { step: number; loss: number }[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

/**
 * The live loss chart: loss on a log scale against the step, one line per
 * run so that devices, nets or learning rates can be compared. Drawn on a
 * canvas (cheap to redraw every frame while training); the legend is DOM text.
 */
export class LossChart {
  private runs: Run[] = [];
  private nextId = 1;
  private pending = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly legend: HTMLElement,
  ) {}

  /** Start a new line; older runs stay for comparison (the oldest go beyond eight). */
  startRun(label: string): Run {
    const id = this.nextId++;
    if (this.runs.length >= COLORS.length) this.runs.shift();
    // The first colour no run on the chart uses, so that every line stays distinguishable.
    const color = COLORS.find((c) => !this.runs.some((r) => r.color === c)) ?? COLORS[(id - 1) % COLORS.length]!;
    const run: Run = { id, label, color, points: [] };
    this.runs.push(run);
    this.redraw();
    return run;
  }

  /** The runs on the chart, oldest first. */
  all(): readonly Run[] {
    return this.runs;
  }

  /** Drop a run (a reset before any step leaves nothing worth comparing). */
  removeRun(run: Run): void {
    this.runs = this.runs.filter((r) => r !== run);
    this.redraw();
  }

  /** Drop every run but `keep`. */
  clear(keep?: Run): void {
    this.runs = keep ? [keep] : [];
    this.redraw();
  }

  /** Add a point; non-finite losses are not drawn (the page reports them in words). */
  add(run: Run, step: number, loss: number): void {
    if (Number.isFinite(loss) && loss > 0) run.points.push({ step, loss });
    this.redraw();
  }

  /** Redraw on the next animation frame (many points per frame cost one draw). */
  redraw(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  /** Draw now. */
  draw(): void {
    const c = this.canvas;
    const ctx = c.getContext('2d', { willReadFrequently: true })!;
    const W = c.width;
    const H = c.height;
    const m = { l: 64, r: 16, t: 14, b: 36 };
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, H);
    // Loops, not Math.max(...points): a long run's points would overflow the argument list.
    let count = 0;
    let maxStep = 1;
    let minLoss = Infinity;
    let maxLoss = -Infinity;
    for (const r of this.runs) {
      for (const p of r.points) {
        maxStep = Math.max(maxStep, p.step);
        minLoss = Math.min(minLoss, p.loss);
        maxLoss = Math.max(maxLoss, p.loss);
      }
      count += r.points.length;
    }
    ctx.fillStyle = '#333';
    ctx.font = '12px system-ui, sans-serif';
    if (count === 0) {
      ctx.fillText('No loss yet: press Train or Step.', m.l, H / 2);
      this.renderLegend();
      return;
    }
    let lo = Math.floor(Math.log10(minLoss));
    let hi = Math.ceil(Math.log10(maxLoss));
    if (hi === lo) {
      hi += 1;
      lo -= 1;
    }
    const X = (s: number): number => m.l + ((W - m.l - m.r) * s) / maxStep;
    const Y = (v: number): number => m.t + ((H - m.t - m.b) * (hi - Math.log10(v))) / (hi - lo);

    // Decades as grid lines: on a log scale each is a factor of ten.
    ctx.strokeStyle = '#e4e4e4';
    ctx.lineWidth = 1;
    const every = Math.ceil((hi - lo) / 8);
    for (let d = lo; d <= hi; d += every) {
      const y = Y(10 ** d);
      ctx.beginPath();
      ctx.moveTo(m.l, y);
      ctx.lineTo(W - m.r, y);
      ctx.stroke();
      ctx.fillText(`1e${d}`, 8, y + 4);
    }
    // Round tick steps (1, 2 or 5 times a power of ten), about five of them.
    const raw = maxStep / 5;
    const pow = 10 ** Math.floor(Math.log10(raw));
    const tick = Math.max(1, [1, 2, 5, 10].map((f) => f * pow).find((v) => v >= raw) ?? raw);
    for (let s = 0; s <= maxStep; s += tick) {
      ctx.fillText(String(s), X(s) - 6, H - m.b + 16);
    }
    ctx.fillText('step', W / 2, H - 6);
    ctx.strokeStyle = '#888';
    ctx.beginPath();
    ctx.moveTo(m.l, m.t);
    ctx.lineTo(m.l, H - m.b);
    ctx.lineTo(W - m.r, H - m.b);
    ctx.stroke();

    for (const r of this.runs) {
      if (r.points.length === 0) continue;
      ctx.strokeStyle = r.color;
      ctx.fillStyle = r.color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      const ps = r.points;
      tracePolyline(ctx, ps.length, (i) => X(ps[i]!.step), (i) => Y(ps[i]!.loss));
      ctx.stroke();
      const last = r.points[r.points.length - 1]!;
      ctx.beginPath();
      ctx.arc(X(last.step), Y(last.loss), 3, 0, 2 * Math.PI);
      ctx.fill();
    }
    this.renderLegend();
    const cur = this.runs[this.runs.length - 1];
    const last = cur?.points[cur.points.length - 1];
    c.setAttribute('aria-label', `Loss on a log scale against the step, ${this.runs.length} run(s)` + (last ? `; latest run at step ${last.step}, loss ${last.loss.toPrecision(4)}` : ''));
  }

  private renderLegend(): void {
    this.legend.replaceChildren(
      ...this.runs.map((r) => {
        const li = document.createElement('li');
        const sw = document.createElement('span');
        sw.className = 'swatch';
        sw.style.background = r.color;
        const last = r.points[r.points.length - 1];
        li.append(sw, `${r.label}${last ? ` — step ${last.step}: ${fmtLoss(last.loss)}` : ''}`);
        return li;
      }),
    );
  }
}

/**
 * Fill a table body with a run's points, at most `rows` of them (evenly
 * thinned, first and last always kept): the chart's numbers for people who
 * cannot see the chart, and for the end-to-end tests.
 */
export function fillLossTable(body: HTMLElement, run: Run | null, rows = 200): void {
  const pts = run?.points ?? [];
  const stride = Math.max(1, Math.ceil(pts.length / rows));
  const shown = pts.filter((_, i) => i % stride === 0 || i === pts.length - 1);
  body.replaceChildren(
    ...shown.map((p) => {
      const tr = document.createElement('tr');
      const a = document.createElement('td');
      const b = document.createElement('td');
      a.textContent = String(p.step);
      b.textContent = fmtLoss(p.loss);
      b.dataset.value = String(p.loss);
      tr.append(a, b);
      return tr;
    }),
  );
}

/** A loss in a few significant digits. */
export function fmtLoss(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toPrecision(5);
}
