import { FormatError } from './errors.js';
import { sizeOf } from './shape.js';
import { tensor, type TensorOptions } from './creation.js';
import type { Tensor } from './tensor.js';
import { checkInt32Data, INT32_EXACT_LIMIT, type DType } from './dtype.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** A parsed `.npy` array: float32 data (float64 files are rounded; int32 files hold their integers) and its shape. */
export interface NpyArray {
  data: Float32Array;
  shape: number[];
  /** The dtype the file stored: `<f4`, `<f8` or `<i4` (int32). */
  descr: '<f4' | '<f8' | '<i4';
}

function fail(message: string): never {
  throw new FormatError('loadNpy', message);
}

/** Parse the bytes of a `.npy` file (float32/float64/int32, little-endian, C order); anything else is a FormatError. */
export function parseNpy(input: Uint8Array | ArrayBuffer): NpyArray {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.length < 10) fail(`file is ${bytes.length} bytes, too short to be .npy (the header alone takes at least 10)`);
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) fail('not a .npy file: the magic string \\x93NUMPY is missing');
  const major = bytes[6]!;
  if (major !== 1 && major !== 2 && major !== 3) fail(`unsupported .npy format version ${major}.${bytes[7]} (supported: 1.x, 2.x, 3.x)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) fail('truncated header length');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (start + headerLen > bytes.length) fail(`truncated header: it claims ${headerLen} bytes but the file ends after ${bytes.length - start}`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`malformed header: ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') fail('Fortran-ordered arrays are not supported; save with np.ascontiguousarray(a) first');
  const le = descr === '<f4' || descr === '<f8' || descr === '<i4';
  if (!le) {
    const hint = descr.startsWith('>') ? 'big-endian data: save with a.astype("<f4")' : `dtype ${descr}: convert with a.astype(np.float32), or a.astype(np.int32) for integers within ±2^24`;
    fail(`unsupported dtype '${descr}' (supported: '<f4' float32, '<f8' float64 and '<i4' int32); ${hint}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) fail(`malformed shape (${shapeText})`);
      return n;
    });
  const count = sizeOf(shape);
  const itemSize = descr === '<f8' ? 8 : 4;
  const dataStart = start + headerLen;
  const need = count * itemSize;
  if (bytes.length - dataStart < need) {
    fail(`truncated data: shape (${shape.join(', ')}) of ${descr} needs ${need} bytes, the file has ${bytes.length - dataStart}`);
  }
  const data = new Float32Array(count);
  if (descr === '<i4') {
    // int32 values beyond ±2^24 would be rounded by float32 storage: refused, naming the element.
    for (let i = 0; i < count; i++) {
      const v = view.getInt32(dataStart + 4 * i, true);
      if (v > INT32_EXACT_LIMIT || v < -INT32_EXACT_LIMIT) {
        fail(`int32 element ${i} is ${v}, beyond ±${INT32_EXACT_LIMIT} (2^24): nn stores int32 as float32, exact only up to 2^24; save it as float32 (a.astype(np.float32)) if rounding is acceptable`);
      }
      data[i] = v;
    }
  } else {
    for (let i = 0; i < count; i++) {
      data[i] = itemSize === 4 ? view.getFloat32(dataStart + 4 * i, true) : view.getFloat64(dataStart + 8 * i, true);
    }
  }
  return { data, shape, descr: descr as NpyArray['descr'] };
}

/** Encode data as a version 1.0 `.npy` file: float32 (`<f4`, the default) or int32 (`<i4`, whole numbers). */
export function encodeNpy(data: Float32Array, shape: readonly number[], dtype: DType = 'float32'): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtype === 'int32' ? '<i4' : '<f4'}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // NumPy pads the header with spaces so the data starts on a 64-byte boundary.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const base = 10 + header.length;
  if (dtype === 'int32') {
    checkInt32Data('encodeNpy', data, 'int32 .npy data must be whole numbers within ±2^24');
    for (let i = 0; i < data.length; i++) view.setInt32(base + 4 * i, data[i]!, true);
  } else for (let i = 0; i < data.length; i++) view.setFloat32(base + 4 * i, data[i]!, true);
  return out;
}

/** Make a tensor from `.npy` bytes: an `<i4` file gives an int32 tensor (unless `opts.dtype` says otherwise). */
export function loadNpy(bytes: Uint8Array | ArrayBuffer, opts: TensorOptions = {}): Tensor {
  const { data, shape, descr } = parseNpy(bytes);
  return tensor(data, { dtype: descr === '<i4' ? 'int32' : 'float32', ...opts, shape });
}

/** Encode a tensor as `.npy` bytes, int32 as `<i4` (reads synchronously; use `encodeNpy(await t.data(), t.shape, t.dtype)` on WebGPU). */
export function saveNpy(t: Tensor): Uint8Array {
  return encodeNpy(t.dataSync(), t.shape, t.dtype);
}
