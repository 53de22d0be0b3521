/**
 * TensorFlow Playground's palette: orange for class 0 / negative, blue for
 * class 1 / positive, white in between, so a boundary and a neuron read alike.
 */
const ORANGE = [245, 147, 34] as const;
const BLUE = [8, 119, 189] as const;

/** RGB for v in [−1, 1]: −1 orange, 0 white, 1 blue (clamped; NaN is black). */
export function diverging(v: number): [number, number, number] {
  if (!Number.isFinite(v)) return [0, 0, 0];
  const t = Math.max(-1, Math.min(1, v));
  const c = t < 0 ? ORANGE : BLUE;
  const a = Math.abs(t);
  return [Math.round(255 + (c[0] - 255) * a), Math.round(255 + (c[1] - 255) * a), Math.round(255 + (c[2] - 255) * a)];
}

/** CSS colour of a class label. */
export const classColour = (label: number): string => (label > 0.5 ? `rgb(${BLUE.join(',')})` : `rgb(${ORANGE.join(',')})`);

/** Paint a size×size field (row 0 at the top) into a canvas of that size; `scale` maps a value to [−1, 1]. */
export function paintField(canvas: HTMLCanvasElement, field: ArrayLike<number>, size: number, scale: (v: number) => number): void {
  if (canvas.width !== size || canvas.height !== size) {
    canvas.width = size;
    canvas.height = size;
  }
  // A canvas the CPU paints: a GPU-backed one uploads a texture per putImageData, which under
  // a software GL (SwiftShader) cost the page ~10 ms per unit, a frame per snapshot.
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const img = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const [r, g, b] = diverging(scale(field[i]!));
    img.data[4 * i] = r;
    img.data[4 * i + 1] = g;
    img.data[4 * i + 2] = b;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** A scale that maps the field's largest |value| to 1 (a flat zero field stays white). */
export function symmetricScale(field: ArrayLike<number>): (v: number) => number {
  let m = 0;
  for (let i = 0; i < field.length; i++) if (Number.isFinite(field[i]!)) m = Math.max(m, Math.abs(field[i]!));
  return (v) => (m > 0 ? v / m : 0);
}
