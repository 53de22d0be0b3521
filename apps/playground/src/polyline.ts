/**
 * Trace a line of many points on a canvas path, at most four vertices per
 * pixel column: the first, lowest, highest and last point that fall in the
 * column, in step order. A 100,000-step run then costs the rasteriser about
 * as much as a 1,000-step one (a path of every point made each frame slower
 * as a run grew: 93 frames in 4 s at step 2,700, 20 at step 8,200 under
 * SwiftShader), and the picture is the same: every extreme is kept.
 * `x(i)`/`y(i)` give point i's position in pixels; a NaN y is passed on only
 * as a column's first or last point (the canvas skips it, as before), never
 * in place of a column's numbers.
 */
export function tracePolyline(ctx: CanvasRenderingContext2D, n: number, x: (i: number) => number, y: (i: number) => number): void {
  let col = NaN;
  // The column's first, lowest, highest (screen y: smallest, largest) and last points, as indices.
  let first = -1;
  let lo = -1;
  let hi = -1;
  let last = -1;
  let started = false;
  const vertex = (i: number): void => {
    if (started) ctx.lineTo(x(i), y(i));
    else {
      ctx.moveTo(x(i), y(i));
      started = true;
    }
  };
  const flush = (): void => {
    if (first < 0) return;
    // The extremes in the order they were reached, so that the line goes where the points went.
    const mid = lo < hi ? [lo, hi] : [hi, lo];
    let prev = first;
    vertex(first);
    for (const i of [...mid, last]) {
      if (i !== prev) vertex(i);
      prev = i;
    }
  };
  let yLo = NaN;
  let yHi = NaN;
  for (let i = 0; i < n; i++) {
    const c = Math.floor(x(i));
    const v = y(i);
    if (c !== col) {
      flush();
      col = c;
      first = lo = hi = last = i;
      yLo = yHi = v;
      continue;
    }
    // A NaN is never an extreme: the first number after it in the column replaces it.
    if (v < yLo || (Number.isNaN(yLo) && !Number.isNaN(v))) {
      lo = i;
      yLo = v;
    }
    if (v > yHi || (Number.isNaN(yHi) && !Number.isNaN(v))) {
      hi = i;
      yHi = v;
    }
    last = i;
  }
  flush();
}
