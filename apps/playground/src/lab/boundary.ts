import { classColour, paintField } from './colors.js';
import type { Built } from './protocol.js';

/**
 * The plane: P(class 1) over the grid (orange below 0.5, blue above, white at
 * the boundary) on one canvas, and on a second one stacked over it the train
 * points (white rim) and test points (black rim). The points change only on a
 * rebuild, so a snapshot repaints the field alone.
 */
export class BoundaryView {
  private readonly field = document.createElement('canvas');

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly points: HTMLCanvasElement,
  ) {}

  /** Canvas pixel of a data point (the two canvases have one size). */
  static pixelOf(bounds: readonly number[], width: number, height: number, x: number, y: number): [number, number] {
    const [x0, x1, y0, y1] = bounds as [number, number, number, number];
    return [((x - x0) / (x1 - x0)) * width, ((y1 - y) / (y1 - y0)) * height];
  }

  /** Draw the points of a new build. */
  drawPoints(built: Built): void {
    const ctx = this.points.getContext('2d', { willReadFrequently: true })!;
    const { width, height } = this.points;
    ctx.clearRect(0, 0, width, height);
    const dot = (x: number, y: number, label: number, test: boolean): void => {
      const [px, py] = BoundaryView.pixelOf(built.bounds, width, height, x, y);
      ctx.beginPath();
      ctx.arc(px, py, test ? 3.5 : 3, 0, 2 * Math.PI);
      ctx.fillStyle = classColour(label);
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = test ? '#000' : '#fff';
      ctx.stroke();
    };
    built.train.y.forEach((l, i) => dot(built.train.x[2 * i]!, built.train.x[2 * i + 1]!, l, false));
    built.test.y.forEach((l, i) => dot(built.test.x[2 * i]!, built.test.x[2 * i + 1]!, l, true));
  }

  /** Draw the probabilities `grid` (gridSize², row 0 at the top). */
  draw(gridSize: number, grid: Float32Array): void {
    paintField(this.field, grid, gridSize, (p) => 2 * p - 1);
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(this.field, 0, 0, this.canvas.width, this.canvas.height);
  }
}
