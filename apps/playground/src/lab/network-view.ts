import { paintField, symmetricScale } from './colors.js';
import type { Built, NodeStat, Snapshot } from './protocol.js';

const SVG = 'http://www.w3.org/2000/svg';
const NODE = 40;
const COL = 120;
const ROW = 52;

/** A node of the drawing: its layer (0 = inputs, last = output) and unit. */
interface NodeEl {
  layer: number;
  unit: number;
  canvas: HTMLCanvasElement;
  x: number;
  y: number;
}

const fmt = (v: number): string => (Number.isFinite(v) ? (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3)) : String(v));

/**
 * The net drawn TensorFlow Playground's way: a column per layer, each unit a
 * small heat map of its output over the plane (orange negative, blue
 * positive), each connection a line coloured by its weight's sign and as wide
 * as its size. Hovering or focusing a unit shows its value and gradient on the
 * last measured batch (micrograd's `data` and `grad`, batch-wise).
 */
export class NetworkView {
  private nodes: NodeEl[] = [];
  private lines: SVGLineElement[][] = [];
  private svg: SVGSVGElement | null = null;
  private stats: NodeStat[][] = [];
  private shown: NodeEl | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly info: HTMLElement,
  ) {}

  /** Lay out the nodes and connections of a new build. */
  layout(built: Built): void {
    this.root.replaceChildren();
    const widths = [2, ...built.hidden, 1];
    const tallest = Math.max(...widths);
    const height = tallest * ROW + 10;
    const width = (widths.length - 1) * COL + NODE + 20;
    this.root.style.width = `${width}px`;
    this.root.style.height = `${height}px`;
    this.root.dataset.widths = widths.join(',');
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.setAttribute('aria-hidden', 'true');
    this.root.append(svg);
    this.svg = svg;
    this.nodes = [];
    widths.forEach((n, layer) => {
      const top = (height - n * ROW) / 2 + (ROW - NODE) / 2;
      for (let unit = 0; unit < n; unit++) {
        const canvas = document.createElement('canvas');
        canvas.className = 'lab-node';
        canvas.width = built.gridSize;
        canvas.height = built.gridSize;
        canvas.tabIndex = 0;
        canvas.dataset.layer = String(layer);
        canvas.dataset.unit = String(unit);
        const name = this.nameOf(layer, unit, widths.length);
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', `${name}: its output over the plane`);
        const x = 10 + layer * COL;
        const y = top + unit * ROW;
        canvas.style.left = `${x}px`;
        canvas.style.top = `${y}px`;
        const node: NodeEl = { layer, unit, canvas, x, y };
        canvas.addEventListener('mouseenter', () => this.show(node));
        canvas.addEventListener('focus', () => this.show(node));
        this.root.append(canvas);
        this.nodes.push(node);
      }
    });
    // Line k joins layer k to k+1: lines[k][o·in + i] for weight [o][i].
    this.lines = widths.slice(1).map((out, k) => {
      const from = this.nodes.filter((n) => n.layer === k);
      const to = this.nodes.filter((n) => n.layer === k + 1);
      const row: SVGLineElement[] = [];
      for (let o = 0; o < out; o++) {
        for (const a of from) {
          const line = document.createElementNS(SVG, 'line');
          line.setAttribute('x1', String(a.x + NODE));
          line.setAttribute('y1', String(a.y + NODE / 2));
          line.setAttribute('x2', String(to[o]!.x));
          line.setAttribute('y2', String(to[o]!.y + NODE / 2));
          svg.append(line);
          row.push(line);
        }
      }
      return row;
    });
    // The inputs are x and y themselves.
    const grid = built.gridSize;
    const [x0, x1, y0, y1] = built.bounds;
    const xs = Float32Array.from({ length: grid * grid }, (_, p) => x0 + (((p % grid) + 0.5) / grid) * (x1 - x0));
    const ys = Float32Array.from({ length: grid * grid }, (_, p) => y1 - ((Math.floor(p / grid) + 0.5) / grid) * (y1 - y0));
    for (const [u, f] of [xs, ys].entries()) paintField(this.nodes[u]!.canvas, f, grid, symmetricScale(f));
    this.info.textContent = 'Point at a unit to see its value and gradient on the last batch.';
    this.stats = [];
    this.shown = null;
  }

  /** Show no units, only `text` (an imported graph that is not a Linear/activation chain). */
  clear(text: string): void {
    this.root.replaceChildren();
    this.root.style.width = '';
    this.root.style.height = '';
    this.root.dataset.widths = '';
    this.svg = null;
    this.nodes = [];
    this.lines = [];
    this.stats = [];
    this.shown = null;
    this.info.textContent = text;
  }

  /** Redraw the units' pictures and the weights from a snapshot. */
  update(s: Snapshot, gridSize: number): void {
    for (const n of this.nodes) {
      const hiddenLayers = s.neurons.length;
      if (n.layer >= 1 && n.layer <= hiddenLayers) {
        const f = s.neurons[n.layer - 1]![n.unit]!;
        paintField(n.canvas, f, gridSize, symmetricScale(f));
      } else if (n.layer === hiddenLayers + 1) {
        paintField(n.canvas, s.grid, gridSize, (p) => 2 * p - 1);
      }
    }
    const max = Math.max(1e-12, ...s.weights.flatMap((w) => w.flatMap((r) => r.map(Math.abs))));
    s.weights.forEach((w, k) =>
      w.forEach((row, o) =>
        row.forEach((v, i) => {
          const line = this.lines[k]?.[o * row.length + i];
          if (!line) return;
          line.setAttribute('stroke', v >= 0 ? '#0877bd' : '#f59322');
          line.setAttribute('stroke-width', (0.5 + 5 * (Math.abs(v) / max)).toFixed(2));
          line.dataset.w = String(v);
        }),
      ),
    );
    if (s.nodes.length) this.stats = s.nodes;
    if (this.shown) this.show(this.shown);
  }

  private nameOf(layer: number, unit: number, layers: number): string {
    if (layer === 0) return unit === 0 ? 'input x' : 'input y';
    if (layer === layers - 1) return 'output (logit)';
    return `h${layer}[${unit}]`;
  }

  private show(n: NodeEl): void {
    this.shown = n;
    const el = this.info;
    const name = this.nameOf(n.layer, n.unit, this.lines.length + 1);
    for (const k of ['layer', 'unit', 'value', 'grad']) delete el.dataset[k];
    el.dataset.layer = String(n.layer);
    el.dataset.unit = String(n.unit);
    if (n.layer === 0) {
      el.textContent = `${name}: a coordinate of the plane, fed to the first layer.`;
      return;
    }
    const st = this.stats[n.layer - 1]?.[n.unit];
    if (!st) {
      el.textContent = `${name}: no measured step yet (press Step or Train).`;
      return;
    }
    el.dataset.value = String(st.value);
    el.dataset.grad = String(st.grad);
    el.textContent = `${name}: value ${fmt(st.value)} (mean output over the batch), grad ${fmt(st.grad)} (dL/d output, summed over the batch)`;
  }
}
