import { FormatError, encodeNpy, parseNpy, tensor, type Tensor, type TensorOptions } from '@nn/core';
import { fileBytes } from './filebytes.js';
import { stateEntries, type StateDictInput } from './statedict.js';

/*
 * A state dict in one file: NumPy's `.npz`, a zip archive of one `.npy` file per key, stored
 * uncompressed (what `np.savez` writes). Chosen because it is the simplest one-file format that
 * both sides already read: `dict(np.load('model.npz'))` in Python gives the same keys and arrays,
 * and a file from `np.savez('model.npz', **{k: v.numpy() for k, v in model.state_dict().items()})`
 * loads here. Compressed archives (`np.savez_compressed`) are refused with a FormatError.
 */

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const END64 = 0x06064b50;
const LOCATOR64 = 0x07064b50;
const DOS_DATE_1980_01_01 = 0x21;

let crcTable: Uint32Array | null = null;

/** CRC-32 (the zip polynomial 0xEDB88320), the checksum every zip entry carries. */
function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Encode a state dict (float32 and int32 tensors) as the bytes of an uncompressed `.npz` file, one
 * `<key>.npy` entry per key, in the dict's order. Reads each tensor synchronously (`dataSync`).
 */
export function saveNpz(stateDict: StateDictInput): Uint8Array {
  const entries = stateEntries('saveNpz', stateDict);
  const enc = new TextEncoder();
  const files = entries.map(([key, t]) => {
    // float32 as <f4 and int32 as <i4 (what np.load gives back as float32 and int32 arrays).
    const data = encodeNpy(t.dataSync(), t.shape, t.dtype);
    return { name: enc.encode(`${key}.npy`), data, crc: crc32(data) };
  });
  const localSize = files.reduce((s, f) => s + 30 + f.name.length + f.data.length, 0);
  const centralSize = files.reduce((s, f) => s + 46 + f.name.length, 0);
  if (localSize + centralSize > 0xffffffff || files.length > 0xffff) {
    throw new FormatError('saveNpz', `the archive would be ${localSize + centralSize} bytes with ${files.length} entries; this writer makes plain zip files (under 4 GiB, 65,535 entries)`);
  }
  const out = new Uint8Array(localSize + centralSize + 22);
  const v = new DataView(out.buffer);
  let at = 0;
  const offsets: number[] = [];
  for (const f of files) {
    offsets.push(at);
    v.setUint32(at, LOCAL, true);
    v.setUint16(at + 4, 20, true); // version needed: 2.0
    v.setUint16(at + 12, DOS_DATE_1980_01_01, true);
    v.setUint32(at + 14, f.crc, true);
    v.setUint32(at + 18, f.data.length, true); // stored: compressed size = size
    v.setUint32(at + 22, f.data.length, true);
    v.setUint16(at + 26, f.name.length, true);
    out.set(f.name, at + 30);
    out.set(f.data, at + 30 + f.name.length);
    at += 30 + f.name.length + f.data.length;
  }
  const centralAt = at;
  files.forEach((f, i) => {
    v.setUint32(at, CENTRAL, true);
    v.setUint16(at + 4, 20, true);
    v.setUint16(at + 6, 20, true);
    v.setUint16(at + 14, DOS_DATE_1980_01_01, true);
    v.setUint32(at + 16, f.crc, true);
    v.setUint32(at + 20, f.data.length, true);
    v.setUint32(at + 24, f.data.length, true);
    v.setUint16(at + 28, f.name.length, true);
    v.setUint32(at + 42, offsets[i]!, true);
    out.set(f.name, at + 46);
    at += 46 + f.name.length;
  });
  v.setUint32(at, END, true);
  v.setUint16(at + 8, files.length, true);
  v.setUint16(at + 10, files.length, true);
  v.setUint32(at + 12, at - centralAt, true);
  v.setUint32(at + 16, centralAt, true);
  return out;
}

function fail(message: string): never {
  throw new FormatError('loadNpz', message);
}

/** The zip64 extra field's values, in the order the zip spec stores them, for the 32-bit fields that overflowed. */
function zip64Extra(v: DataView, at: number, len: number, need: number): number[] {
  const end = at + len;
  while (at + 4 <= end) {
    const id = v.getUint16(at, true);
    const size = v.getUint16(at + 2, true);
    if (id === 0x0001) {
      const vals: number[] = [];
      for (let i = 0; i < need && 8 * i + 8 <= size; i++) vals.push(Number(v.getBigUint64(at + 4 + 8 * i, true)));
      return vals;
    }
    at += 4 + size;
  }
  return fail('an entry says its sizes are in a zip64 extra field, but it has none');
}

/**
 * Decode the bytes of a `.npz` file (uncompressed, as `np.savez` writes; zip64 headers accepted)
 * into an ordered Map of key (the entry's name without `.npy`) → tensor on `options.device`.
 */
export function loadNpz(bytes: Uint8Array | ArrayBuffer, options: TensorOptions = {}): Map<string, Tensor> {
  const b = fileBytes('loadNpz', bytes);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let end = -1;
  for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 0xffff); i--) {
    if (v.getUint32(i, true) === END) {
      end = i;
      break;
    }
  }
  if (end < 0) fail(`not a .npz (zip) file: no end-of-archive record in its ${b.length} bytes`);
  let count = v.getUint16(end + 10, true);
  let centralAt = v.getUint32(end + 16, true);
  if (count === 0xffff || centralAt === 0xffffffff) {
    const loc = end - 20;
    if (loc < 0 || v.getUint32(loc, true) !== LOCATOR64) fail('a zip64 archive without its zip64 end-record locator');
    const rec = Number(v.getBigUint64(loc + 8, true));
    if (rec + 56 > b.length || v.getUint32(rec, true) !== END64) fail('the zip64 end record is missing or truncated');
    count = Number(v.getBigUint64(rec + 32, true));
    centralAt = Number(v.getBigUint64(rec + 48, true));
  }
  const out = new Map<string, Tensor>();
  try {
    readEntries(b, v, centralAt, count, out, options);
  } catch (e) {
    // A bad entry after good ones: free the tensors already made, so a refused file holds nothing.
    for (const t of out.values()) t.dispose();
    throw e;
  }
  return out;
}

/** Read `count` central-directory entries from `centralAt` into `out`, key → tensor, in order. */
function readEntries(b: Uint8Array, v: DataView, centralAt: number, count: number, out: Map<string, Tensor>, options: TensorOptions): void {
  const dec = new TextDecoder();
  let at = centralAt;
  for (let n = 0; n < count; n++) {
    if (at + 46 > b.length || v.getUint32(at, true) !== CENTRAL) fail(`entry ${n} of ${count}: the central directory is truncated or corrupt`);
    const method = v.getUint16(at + 10, true);
    const crc = v.getUint32(at + 16, true);
    let size = v.getUint32(at + 20, true);
    const nameLen = v.getUint16(at + 28, true);
    const extraLen = v.getUint16(at + 30, true);
    const commentLen = v.getUint16(at + 32, true);
    let local = v.getUint32(at + 42, true);
    const name = dec.decode(b.subarray(at + 46, at + 46 + nameLen));
    if (method !== 0) fail(`entry '${name}' is compressed (zip method ${method}); save with np.savez, not np.savez_compressed`);
    const usize = v.getUint32(at + 24, true);
    if (usize === 0xffffffff || size === 0xffffffff || local === 0xffffffff) {
      const need = [usize, size, local].filter((x) => x === 0xffffffff).length;
      const vals = zip64Extra(v, at + 46 + nameLen, extraLen, need);
      let k = 0;
      if (usize === 0xffffffff) k++;
      if (size === 0xffffffff) size = vals[k++] ?? fail(`entry '${name}': zip64 size missing`);
      if (local === 0xffffffff) local = vals[k++] ?? fail(`entry '${name}': zip64 offset missing`);
    }
    at += 46 + nameLen + extraLen + commentLen;
    if (local + 30 > b.length || v.getUint32(local, true) !== LOCAL) fail(`entry '${name}': its local header is missing`);
    const dataAt = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    if (dataAt + size > b.length) fail(`entry '${name}' is truncated: it needs ${size} bytes at ${dataAt}, the file has ${b.length}`);
    const data = b.subarray(dataAt, dataAt + size);
    if (crc32(data) !== crc) fail(`entry '${name}' fails its CRC-32 check; the file is corrupt`);
    if (!name.endsWith('.npy')) fail(`entry '${name}' is not a .npy file; a .npz holds only <key>.npy entries`);
    let arr;
    try {
      arr = parseNpy(data);
    } catch (e) {
      fail(`entry '${name}': ${(e as Error).message}`);
    }
    out.set(name.slice(0, -4), tensor(arr.data, { dtype: arr.descr === '<i4' ? 'int32' : 'float32', ...options, shape: arr.shape }));
  }
}
