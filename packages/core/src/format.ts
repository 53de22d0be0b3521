import { sizeOf, type Shape } from './shape.js';
import type { Tensor } from './tensor.js';

const EDGE = 3;

function fmtNumber(v: number, sci: boolean): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return sci ? v.toExponential(4) : v.toFixed(4);
}

/** @internal PyTorch-like text of a tensor: 4 decimals (whole numbers for int32), long dims summarised with `...`. */
export function formatTensor(data: Float32Array, shape: Shape, device: string, t: Tensor): string {
  let maxAbs = 0;
  let minAbs = Infinity;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]!);
    if (Number.isFinite(a)) {
      if (a > maxAbs) maxAbs = a;
      if (a > 0 && a < minAbs) minAbs = a;
    }
  }
  const sci = maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity) || (maxAbs > 0 && maxAbs / minAbs > 1e5);
  // int32 prints its integers as they are, as PyTorch prints an int tensor.
  const cells = t.dtype === 'int32' ? Array.from(data, (v) => String(v)) : Array.from(data, (v) => fmtNumber(v, sci));
  const width = Math.max(1, ...cells.map((c) => c.length));
  const pad = (s: string): string => s.padStart(width);
  const summarise = sizeOf(shape) > 1000;
  const render = (dim: number, offset: number, indent: string): string => {
    if (shape.length === 0) return cells[0]!;
    const n = shape[dim]!;
    const stride = sizeOf(shape.slice(dim + 1));
    const idx = summarise && n > 2 * EDGE ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()];
    if (dim === shape.length - 1) {
      return '[' + idx.map((i) => (i < 0 ? '...' : pad(cells[offset + i]!))).join(', ') + ']';
    }
    const sep = ',' + '\n'.repeat(shape.length - dim - 1) + indent + ' ';
    return '[' + idx.map((i) => (i < 0 ? '...' : render(dim + 1, offset + i * stride, indent + ' '))).join(sep) + ']';
  };
  const extras: string[] = [];
  if (device !== 'cpu') extras.push(`device='${device}'`);
  if (t.dtype !== 'float32') extras.push(`dtype='${t.dtype}'`);
  if (t._node) extras.push(`gradFn=${t._node.op}`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${render(0, 0, '       ')}${extras.length ? ', ' + extras.join(', ') : ''})`;
}
