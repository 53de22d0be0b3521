/**
 * Draw a matrix as a heatmap: blue for negative, white for zero, red for
 * positive, scaled by the largest magnitude so the picture shows the pattern
 * (e.g. grad_w2 = h_reluᵀ · grad_y_pred is an outer-product-like sum of rows).
 * Returns the scale used, for the caption.
 */
export function drawHeatmap(canvas: HTMLCanvasElement, data: Float32Array, rows: number, cols: number): { maxAbs: number; finite: boolean } {
  let maxAbs = 0;
  let finite = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) finite = false;
    else if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
  }
  const img = new ImageData(cols, rows);
  const px = img.data;
  const inv = maxAbs > 0 ? 1 / maxAbs : 0;
  for (let i = 0; i < rows * cols; i++) {
    const v = data[i]!;
    let r: number, g: number, b: number;
    if (!Number.isFinite(v)) {
      // NaN/Inf in black: they must stand out.
      r = g = b = 0;
    } else {
      const s = Math.max(-1, Math.min(1, v * inv));
      // sqrt spreads the small values, which dominate weight matrices.
      const a = Math.sqrt(Math.abs(s));
      if (s >= 0) {
        r = 255;
        g = b = Math.round(255 * (1 - a));
      } else {
        b = 255;
        r = g = Math.round(255 * (1 - a));
      }
    }
    px[4 * i] = r;
    px[4 * i + 1] = g;
    px[4 * i + 2] = b;
    px[4 * i + 3] = 255;
  }
  // CPU-backed canvases (willReadFrequently), here and in every picture of the page: on a
  // GPU-backed one each draw is a raster task of the GPU process, which under SwiftShader (any
  // machine without a GPU) held the page's frames 100–600 ms apart while a net trained.
  const off = new OffscreenCanvas(cols, rows);
  off.getContext('2d', { willReadFrequently: true })!.putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.imageSmoothingEnabled = rows * cols > canvas.width * canvas.height;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
  return { maxAbs, finite };
}

/** Display size of a rows×cols heatmap: about 3 px per cell, between 48 and 260 px a side. */
export function heatmapSize(rows: number, cols: number): { width: number; height: number } {
  const side = (n: number): number => Math.max(48, Math.min(260, n * 3));
  return { width: side(cols), height: side(rows) };
}
