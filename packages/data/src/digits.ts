import { checkOptions, isName, tensor, type Device } from '@nn/core';
import { TensorDataset } from './dataset.js';
import { DIGITS_LABELS, DIGITS_PIXELS } from './digits-data.js';

/** Options of `digits`. */
export interface DigitsOptions {
  /** Device of the tensors (default: core's default device). */
  device?: Device;
}

// base64 to bytes with atob, which Node (≥ 16) and browsers both have.
function bytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * The 8×8 handwritten digits (UCI, Alpaydin & Kaynak 1998; CC BY 4.0), as scikit-learn's `load_digits`:
 * x float32 [1797, 64] with pixels 0..16 (divide by 16 for [0, 1]), y int32 [1797] with the digit 0..9.
 * Shipped inside the package: nothing is downloaded.
 */
export function digits(opts: DigitsOptions = {}): TensorDataset {
  checkOptions('digits', opts, { device: isName });
  const device = opts.device ? { device: opts.device } : {};
  const pixels = bytes(DIGITS_PIXELS);
  const labels = bytes(DIGITS_LABELS);
  return new TensorDataset(
    tensor(Float32Array.from(pixels), { shape: [labels.length, 64], ...device }),
    tensor(Int32Array.from(labels), { shape: [labels.length], dtype: 'int32', ...device }),
  );
}
