import { describe, expect, test } from 'vitest';
import { tracePolyline } from '../src/polyline.js';

/** A context that records the path's vertices. */
function recorder(): { ctx: CanvasRenderingContext2D; pts: [number, number][] } {
  const pts: [number, number][] = [];
  const ctx = { moveTo: (x: number, y: number) => pts.push([x, y]), lineTo: (x: number, y: number) => pts.push([x, y]) };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, pts };
}

describe('tracePolyline', () => {
  test('a long run is at most four vertices per pixel column, its extremes and ends kept in step order', () => {
    const n = 100_000;
    const ys = Array.from({ length: n }, (_, i) => Math.sin(i / 37) * 100 + (i % 1000 === 500 ? 500 : 0));
    const { ctx, pts } = recorder();
    // 100,000 points over 600 px: about 167 points per column.
    tracePolyline(ctx, n, (i) => (i / n) * 600, (i) => ys[i]!);
    expect(pts.length).toBeLessThanOrEqual(4 * 600);
    expect(pts[0]).toEqual([0, ys[0]]);
    expect(pts.at(-1)).toEqual([((n - 1) / n) * 600, ys[n - 1]]);
    // Every spike (+500 every 1000 points) is drawn, and the lowest value.
    expect(pts.filter(([, y]) => y > 400).length).toBe(100);
    expect(Math.min(...pts.map(([, y]) => y))).toBe(Math.min(...ys));
    // x never goes back: the line follows the steps.
    for (let k = 1; k < pts.length; k++) expect(pts[k]![0]).toBeGreaterThanOrEqual(pts[k - 1]![0]);
  });

  test('a short run keeps every point', () => {
    const { ctx, pts } = recorder();
    tracePolyline(ctx, 5, (i) => i * 10, (i) => [3, 1, 4, 1, 5][i]!);
    expect(pts).toEqual([[0, 3], [10, 1], [20, 4], [30, 1], [40, 5]]);
  });

  test('within a column, the low and high points come in the order they were reached', () => {
    const { ctx, pts } = recorder();
    const ys = [5, 9, 0, 7];
    tracePolyline(ctx, 4, (i) => i * 0.1, (i) => ys[i]!);
    expect(pts.map(([, y]) => y)).toEqual([5, 9, 0, 7]);
  });

  test("a NaN first in a column does not hide the column's extremes", () => {
    const { ctx, pts } = recorder();
    const ys = [NaN, 5, 9, 0, 7];
    tracePolyline(ctx, 5, (i) => i * 0.1, (i) => ys[i]!);
    expect(pts.map(([, y]) => y)).toEqual([NaN, 9, 0, 7]);
  });
});
