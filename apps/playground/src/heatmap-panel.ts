import { drawHeatmap, heatmapSize } from './heatmap.js';
import type { Trainer } from './nets/index.js';

/** What layout needs of a trainer: each weight's name and shape (a trainer, or the seed worker's description of one). */
export interface WeightShapes {
  readonly weights: readonly { readonly name: string; readonly value: { readonly shape: readonly number[] } }[];
}

const fmtShape = (s: readonly number[]): string => `[${s.join('×')}]`;

interface Slot {
  canvas: HTMLCanvasElement;
  caption: HTMLElement;
}

/**
 * The weights and their last gradients as heatmaps, one pair per weight.
 * Refreshing reads each matrix back once (`await t.data()`, so it works on
 * WebGPU too); the training loop calls it throttled.
 */
export class HeatmapPanel {
  private slots: { value: Slot; grad: Slot }[] = [];

  constructor(private readonly host: HTMLElement) {}

  /** Lay out one value/gradient pair per weight of the trainer. */
  layout(trainer: WeightShapes): void {
    this.slots = [];
    const figs = trainer.weights.map((w) => {
      const [rows, cols] = w.value.shape as [number, number];
      const fig = document.createElement('figure');
      const title = document.createElement('figcaption');
      title.innerHTML = `<strong>${w.name}</strong> ${fmtShape(w.value.shape)}`;
      const pair = document.createElement('div');
      pair.className = 'pair';
      const make = (what: string, label: string): Slot => {
        const f = document.createElement('figure');
        const canvas = document.createElement('canvas');
        const { width, height } = heatmapSize(rows, cols);
        canvas.width = width;
        canvas.height = height;
        canvas.className = `heatmap heatmap-${what}`;
        canvas.dataset.weight = w.name;
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', label);
        const caption = document.createElement('figcaption');
        f.append(canvas, caption);
        pair.append(f);
        return { canvas, caption };
      };
      this.slots.push({
        value: make('value', `Heatmap of ${w.name}`),
        grad: make('grad', `Heatmap of the gradient of ${w.name}`),
      });
      fig.append(title, pair);
      return fig;
    });
    this.host.replaceChildren(...figs);
  }

  /** Read the weights and gradients back and redraw them (only weight `only`, when given). */
  async refresh(trainer: Trainer, only?: number): Promise<void> {
    for (let i = only ?? 0; i < (only === undefined ? trainer.weights.length : only + 1); i++) {
      const w = trainer.weights[i]!;
      if (!this.slots[i]) continue;
      const g = w.grad();
      this.draw(i, w.name, w.value.shape, await w.value.data(), g && !g.isDisposed ? await g.data() : null);
    }
  }

  /** Draw weight `i` (named `name`, of `shape`) and its gradient (null: none yet) from values already read back. */
  draw(i: number, name: string, shape: readonly number[], value: Float32Array, grad: Float32Array | null): void {
    const slot = this.slots[i];
    if (!slot) return;
    const [rows, cols] = shape as [number, number];
    const v = drawHeatmap(slot.value.canvas, value, rows, cols);
    this.caption(slot.value, name, v);
    if (grad) {
      const r = drawHeatmap(slot.grad.canvas, grad, rows, cols);
      this.caption(slot.grad, `grad_${name.replace(/\./g, '_')}`, r);
    } else {
      const ctx = slot.grad.canvas.getContext('2d', { willReadFrequently: true })!;
      ctx.fillStyle = '#f0f0f0';
      ctx.fillRect(0, 0, slot.grad.canvas.width, slot.grad.canvas.height);
      slot.grad.caption.textContent = `grad_${name}: none yet (take a step)`;
      slot.grad.canvas.dataset.drawn = '0';
    }
  }

  private caption(slot: Slot, name: string, r: { maxAbs: number; finite: boolean }): void {
    slot.caption.textContent = `${name}: ±${r.maxAbs.toExponential(2)}${r.finite ? '' : ' — has NaN/Inf'}`;
    slot.canvas.dataset.drawn = '1';
    slot.canvas.dataset.maxAbs = String(r.maxAbs);
  }
}
