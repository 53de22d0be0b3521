import { FormatError, INT32_EXACT_LIMIT, checkOptions, fmtShape, tensor, type OptionRule, type Tensor, type TensorOptions } from '@nn/core';
import { fileBytes } from './filebytes.js';
import { stateEntries, type StateDictInput } from './statedict.js';

/*
 * A state dict in Hugging Face's safetensors format: an 8-byte little-endian header length N, N
 * bytes of JSON `{key: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {..}}`, then the
 * raw little-endian data, offsets relative to its start. Chosen beside .npz because it is what the
 * Hugging Face hub and `safetensors.torch.load_file` read, and because it cannot run code on load.
 *
 * The reader trusts nothing in the header: every entry's size must equal dtype × shape, the entries
 * must tile the data exactly (no overlap, no gap, nothing past the end, as the reference Rust reader
 * demands), so a lying header is a FormatError naming the key, never a read out of bounds.
 */

/** Bytes per element of each dtype the reader accepts. */
const ITEM_SIZE = { F32: 4, F16: 2, BF16: 2, F64: 8, I32: 4, I64: 8 } as const;
type SafeDType = keyof typeof ITEM_SIZE;

/** The reference reader refuses headers over 100 MB; so does this one (a huge N is a corrupt file, not a model). */
const MAX_HEADER = 100_000_000;

// The format's metadata is a flat map of strings (the reference reader refuses anything else).
const isStringMap: OptionRule = {
  accepts: "an object of string values, e.g. { format: 'pt', epoch: '3' }",
  ok: (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string'),
};

/** Options of `saveSafetensors`. */
export interface SaveSafetensorsOptions {
  /** String → string pairs stored under `__metadata__` (default `{ format: 'pt' }`, which transformers' loaders expect). */
  metadata?: Readonly<Record<string, string>>;
}

/**
 * Encode a state dict (float32 as F32, int32 as I32) as the bytes of a `.safetensors` file, entries in
 * the dict's order. Reads each tensor synchronously (`dataSync`).
 */
export function saveSafetensors(stateDict: StateDictInput, options: SaveSafetensorsOptions = {}): Uint8Array {
  checkOptions('saveSafetensors', options, { metadata: isStringMap });
  const entries = stateEntries('saveSafetensors', stateDict);
  const metadata = options.metadata ?? { format: 'pt' };
  // No prototype: a tensor named '__proto__' is then an entry like any other, not a prototype swap.
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  header.__metadata__ = metadata;
  let offset = 0;
  for (const [key, t] of entries) {
    if (key === '__metadata__') throw new FormatError('saveSafetensors', "'__metadata__' is reserved by the format for the metadata; rename the tensor");
    const size = t.size * 4;
    header[key] = { dtype: t.dtype === 'int32' ? 'I32' : 'F32', shape: [...t.shape], data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  // Pad with spaces so the data starts on an 8-byte boundary (what the reference writer does).
  const raw = enc.encode(json).length;
  json += ' '.repeat((8 - ((8 + raw) % 8)) % 8);
  const head = enc.encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const [, t] of entries) {
    const data = t.dataSync();
    if (t.dtype === 'int32') for (let i = 0; i < data.length; i++) v.setInt32(at + 4 * i, data[i]!, true);
    else for (let i = 0; i < data.length; i++) v.setFloat32(at + 4 * i, data[i]!, true);
    at += 4 * data.length;
  }
  return out;
}

function fail(message: string): never {
  throw new FormatError('loadSafetensors', message);
}

/** One header entry after its checks: where its bytes are and how to decode them. */
interface Entry {
  key: string;
  dtype: SafeDType;
  shape: number[];
  begin: number;
  end: number;
}

/** Check one header entry's fields (dtype known, shape of non-negative integers, size = dtype × shape). */
function checkEntry(key: string, info: unknown): Entry {
  if (info === null || typeof info !== 'object' || Array.isArray(info)) fail(`'${key}': expected {dtype, shape, data_offsets}, got ${JSON.stringify(info)}`);
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in ITEM_SIZE)) {
    fail(`'${key}' has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(ITEM_SIZE).join(', ')} — convert it in PyTorch first (t.float() or t.int())`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`'${key}' has shape ${JSON.stringify(shape)}; expected a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
    fail(`'${key}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] with 0 ≤ begin ≤ end`);
  }
  const item = ITEM_SIZE[dtype as SafeDType];
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  const [begin, end] = offsets as [number, number];
  if (end - begin !== count * item) {
    fail(`'${key}' claims ${end - begin} bytes (data_offsets [${begin}, ${end}]) but ${dtype} of shape ${fmtShape(shape as number[])} needs ${count * item}`);
  }
  return { key, dtype: dtype as SafeDType, shape: shape as number[], begin, end };
}

/** Check that the entries tile [0, dataLength) exactly, and return them in the order of their data. */
function checkLayout(entries: Entry[], dataLength: number): Entry[] {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev: Entry | undefined;
  for (const e of sorted) {
    if (e.begin < at) fail(`'${e.key}' (bytes ${e.begin}–${e.end}) overlaps '${prev!.key}' (bytes ${prev!.begin}–${prev!.end}); the file is corrupt`);
    if (e.begin > at) fail(`a gap of ${e.begin - at} bytes before '${e.key}' (it begins at ${e.begin}, the previous entry ends at ${at}); the file is corrupt`);
    if (e.end > dataLength) fail(`'${e.key}' ends at byte ${e.end} of the data, past its end (${dataLength} bytes); the file is truncated`);
    at = e.end;
    prev = e;
  }
  if (at !== dataLength) fail(`${dataLength - at} bytes after the last entry that no entry describes; the file is corrupt`);
  return sorted;
}

/** IEEE half → float32 (every half is exact in float32). */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Decode one entry's bytes as float32 values (F16, BF16 exactly; F64 rounded, as `.float()`; I64 checked to fit int32's exact range). */
function decode(v: DataView, at: number, e: Entry): Float32Array {
  const n = (e.end - e.begin) / ITEM_SIZE[e.dtype];
  const out = new Float32Array(n);
  const base = at + e.begin;
  switch (e.dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = v.getFloat32(base + 4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = v.getFloat64(base + 8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(v.getUint16(base + 2 * i, true));
      break;
    case 'BF16': {
      // bfloat16 is the top half of a float32: put its bits back in place and read them as one.
      const bits = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        bits.setUint32(0, v.getUint16(base + 2 * i, true) << 16);
        out[i] = bits.getFloat32(0);
      }
      break;
    }
    case 'I32':
    case 'I64':
      for (let i = 0; i < n; i++) {
        const x = e.dtype === 'I32' ? v.getInt32(base + 4 * i, true) : Number(v.getBigInt64(base + 8 * i, true));
        if (x > INT32_EXACT_LIMIT || x < -INT32_EXACT_LIMIT) {
          fail(`'${e.key}' element ${i} is ${x}, beyond ±${INT32_EXACT_LIMIT} (2^24): nn stores int32 as float32, exact only up to 2^24; save it as float32 (t.float()) if rounding is acceptable`);
        }
        out[i] = x;
      }
      break;
  }
  return out;
}

/**
 * Decode the bytes of a `.safetensors` file into an ordered Map (in the order of the data) of key →
 * tensor on `options.device`: F32, F16 and BF16 as float32 (exact), F64 as float32 (rounded, as
 * `.float()`), I32 and I64 as int32 (values beyond ±2^24 refused). Metadata: `safetensorsMetadata`.
 */
export function loadSafetensors(bytes: Uint8Array | ArrayBuffer, options: TensorOptions = {}): Map<string, Tensor> {
  const { entries, dataAt, view } = parse(bytes);
  const out = new Map<string, Tensor>();
  try {
    for (const e of entries) {
      out.set(e.key, tensor(decode(view, dataAt, e), { dtype: e.dtype[0] === 'I' ? 'int32' : 'float32', ...options, shape: e.shape }));
    }
  } catch (err) {
    // A bad entry after good ones: free the tensors already made, so a refused file holds nothing.
    for (const t of out.values()) t.dispose();
    throw err;
  }
  return out;
}

/** The `__metadata__` of a `.safetensors` file (string → string; `{}` when it has none), after the same checks as `loadSafetensors`. */
export function safetensorsMetadata(bytes: Uint8Array | ArrayBuffer): Record<string, string> {
  return parse(bytes).metadata;
}

/** The first top-level key of a valid JSON object text that occurs twice, or null (JSON.parse silently keeps the last). */
function repeatedKey(text: string): string | null {
  const seen = new Set<string>();
  let depth = 0;
  // The last character outside strings and whitespace: a string at depth 1 right after '{' or ',' is a key.
  let prev = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && (prev === '{' || prev === ',')) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
      }
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') prev = c;
  }
  return null;
}

/** Read and check the header: the entries in data order, where the data starts, and the metadata. */
function parse(bytes: Uint8Array | ArrayBuffer): { entries: Entry[]; dataAt: number; view: DataView; metadata: Record<string, string> } {
  const b = fileBytes('loadSafetensors', bytes);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 8) fail(`the file is ${b.length} bytes, too short for the 8-byte header length`);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(b.length - 8)) fail(`the header length says ${n} bytes, past the end of the file (${b.length - 8} bytes follow it); the file is truncated or not safetensors`);
  if (n > BigInt(MAX_HEADER)) fail(`the header length says ${n} bytes, over the format's limit of ${MAX_HEADER}`);
  const dataAt = 8 + Number(n);
  let header: unknown;
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(8, dataAt));
    header = JSON.parse(text);
  } catch (e) {
    fail(`the header is not valid UTF-8 JSON (${(e as Error).message}); the file is corrupt or not safetensors`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail(`the header must be a JSON object of entries, got ${JSON.stringify(header)?.slice(0, 80)}`);
  const twice = repeatedKey(text);
  if (twice !== null) fail(`the header names '${twice}' twice; JSON.parse would keep only the last, so the file is ambiguous — write it again with one entry per key`);
  const metadata: [string, string][] = [];
  const entries: Entry[] = [];
  for (const [key, info] of Object.entries(header)) {
    if (key === '__metadata__') {
      if (info === null || typeof info !== 'object' || Array.isArray(info)) fail(`__metadata__ must be an object of strings, got ${JSON.stringify(info)}`);
      for (const [mk, mv] of Object.entries(info)) {
        if (typeof mv !== 'string') fail(`__metadata__ '${mk}' is ${JSON.stringify(mv)}; the format allows strings only`);
        metadata.push([mk, mv]);
      }
      continue;
    }
    entries.push(checkEntry(key, info));
  }
  // fromEntries defines each key as its own property: a key '__proto__' is kept, and the object is an ordinary one.
  return { entries: checkLayout(entries, b.length - dataAt), dataAt, view, metadata: Object.fromEntries(metadata) };
}
