import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ArgumentError, FormatError, memory, registerBackend, tensor, type Tensor } from '@nn/core';
import { assertClose } from '@nn/core/testing';
import { createCpuBackend } from '@nn/cpu';
import { BatchNorm1d, Linear, ReLU, Sequential, loadNpz, loadSafetensors, safetensorsMetadata, saveNpz, saveSafetensors } from './index.js';

// Weights files written by NumPy and PyTorch 1.13 (scripts/make_weights_fixtures.py), and nn's files
// read back by that script (nn_readback.json). UPDATE_WEIGHTS=1 rewrites nn_bn.{safetensors,npz};
// then rerun the script to remake the read-back.

registerBackend(createCpuBackend());
registerBackend(createCpuBackend({ device: 'cpu2' }));

const at = (name: string): URL => new URL(`../../../fixtures/weights/${name}`, import.meta.url);
const bytesOf = (name: string): Uint8Array => new Uint8Array(readFileSync(at(name)));
const json = <T>(name: string): T => JSON.parse(readFileSync(at(name), 'utf8')) as T;

const torchModel = json<{ keys: string[]; shapes: number[][]; input: number[][]; output: number[][] }>('torch.json');
const model = (): Sequential => new Sequential(new Linear(4, 6), new BatchNorm1d(6), new ReLU(), new Linear(6, 3));

/** The torch model's eval-mode output through nn, from a state dict loaded from a file. */
function runLoaded(sd: Map<string, Tensor>): Float32Array {
  const m = model();
  m.loadStateDict(sd);
  m.eval();
  return m.forward(tensor(torchModel.input)).dataSync() as Float32Array;
}

/** A safetensors file from a header object and a data section (for headers that lie). */
function build(header: unknown, data: Uint8Array, headerText = JSON.stringify(header)): Uint8Array {
  const head = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

describe('.npz from NumPy and PyTorch', () => {
  it('loads np.savez of float32, float64 (rounded), int32 and 0-d arrays', () => {
    const want = json<Record<string, { shape: number[]; values: number[]; int: boolean }>>('numpy.json');
    const sd = loadNpz(bytesOf('numpy_savez.npz'));
    expect([...sd.keys()]).toEqual(Object.keys(want));
    for (const [k, w] of Object.entries(want)) {
      const t = sd.get(k)!;
      expect(t.shape, k).toEqual(w.shape);
      expect(t.dtype, k).toBe(w.int ? 'int32' : 'float32');
      expect(Array.from(t.dataSync()), k).toEqual(w.values);
    }
  });

  it("loads a trained PyTorch model's state dict (int64 buffers cast to int32) and gives torch's output", () => {
    const sd = loadNpz(bytesOf('torch_bn_int32.npz'));
    expect([...sd.keys()]).toEqual(torchModel.keys);
    expect([...sd.values()].map((t) => t.shape)).toEqual(torchModel.shapes);
    expect(sd.get('1.num_batches_tracked')!.dtype).toBe('int32');
    assertClose(runLoaded(sd), torchModel.output.flat(), { atol: 1e-5, rtol: 1e-5 });
  });

  it("refuses torch's int64 num_batches_tracked with the fix (v.int())", () => {
    expect(() => loadNpz(bytesOf('torch_bn.npz'))).toThrow(FormatError);
    expect(() => loadNpz(bytesOf('torch_bn.npz'))).toThrow(/entry '1\.num_batches_tracked\.npy': .*unsupported dtype '<i8'/);
  });

  it('refuses compressed, truncated, CRC-damaged and central-directory-damaged NumPy files, holding nothing', () => {
    const before = memory().cpu!.buffers;
    expect(() => loadNpz(bytesOf('numpy_savez_compressed.npz'))).toThrow(/entry 'w\.npy' is compressed \(zip method 8\); save with np\.savez/);
    const good = bytesOf('numpy_savez.npz');
    // Truncated: the end record is gone.
    expect(() => loadNpz(good.subarray(0, good.length - 30))).toThrow(/not a \.npz \(zip\) file: no end-of-archive record/);
    // Truncated inside the data: keep the central directory but drop bytes before it.
    const centralAt = new DataView(good.buffer, good.byteOffset).getUint32(good.length - 22 + 16, true);
    const cut = new Uint8Array([...good.subarray(0, 200), ...good.subarray(centralAt)]);
    expect(() => loadNpz(cut)).toThrow(FormatError);
    // A flipped data byte in the first entry: its CRC-32 fails.
    const crc = good.slice();
    crc[120]! ^= 0xff;
    expect(() => loadNpz(crc)).toThrow(/entry 'w\.npy' fails its CRC-32 check/);
    // The second central-directory record's signature damaged.
    const cd = good.slice();
    const second = centralAt + 46 + 'w.npy'.length + new DataView(cd.buffer).getUint16(centralAt + 30, true) + new DataView(cd.buffer).getUint16(centralAt + 32, true);
    cd[second] = 0;
    expect(() => loadNpz(cd)).toThrow(/entry 1 of 4: the central directory is truncated or corrupt/);
    // The central directory's offset pointing past the file.
    const far = good.slice();
    new DataView(far.buffer).setUint32(far.length - 22 + 16, far.length + 100, true);
    expect(() => loadNpz(far)).toThrow(/entry 0 of 4: the central directory is truncated or corrupt/);
    expect(memory().cpu!.buffers).toBe(before);
  });
});

describe('safetensors (saveSafetensors / loadSafetensors)', () => {
  it("loads PyTorch's state dict (F32, I64) written by the script and gives torch's output", () => {
    const sd = loadSafetensors(bytesOf('torch_bn.safetensors'));
    // Data order: the reference layout puts the 8-byte I64 first.
    expect([...sd.keys()].sort()).toEqual([...torchModel.keys].sort());
    expect([...sd.keys()][0]).toBe('1.num_batches_tracked');
    expect(sd.get('1.num_batches_tracked')!.dtype).toBe('int32');
    expect(sd.get('1.num_batches_tracked')!.item()).toBe(2);
    assertClose(runLoaded(sd), torchModel.output.flat(), { atol: 1e-5, rtol: 1e-5 });
    expect(safetensorsMetadata(bytesOf('torch_bn.safetensors'))).toEqual({ format: 'pt' });
  });

  it('decodes F32, F16, BF16 (exact), F64 (rounded as .float()), I32, I64 and empty tensors', () => {
    const want = json<Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>>('dtypes.json');
    const sd = loadSafetensors(bytesOf('dtypes.safetensors'), { device: 'cpu2' });
    expect(new Set(sd.keys())).toEqual(new Set(Object.keys(want)));
    for (const [k, w] of Object.entries(want)) {
      const t = sd.get(k)!;
      expect(t.device).toBe('cpu2');
      expect(t.shape, k).toEqual(w.shape);
      expect(t.dtype, k).toBe(w.dtype.startsWith('I') ? 'int32' : 'float32');
      expect(Array.from(t.dataSync()), k).toEqual(w.values.map((v) => (typeof v === 'string' ? Number(v.replace('inf', 'Infinity')) : v)));
    }
    expect(safetensorsMetadata(bytesOf('dtypes.safetensors')).note).toMatch(/make_weights_fixtures/);
  });

  it('round-trips a state dict with int32 buffers, metadata and the dict order', () => {
    const m = model();
    const bytes = saveSafetensors(m.stateDict(), { metadata: { format: 'pt', epoch: '3' } });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const back = loadSafetensors(bytes.buffer as ArrayBuffer);
    expect([...back.keys()]).toEqual([...m.stateDict().keys()]);
    for (const [k, t] of m.stateDict()) {
      expect(back.get(k)!.dtype, k).toBe(t.dtype);
      expect(Array.from(back.get(k)!.dataSync()), k).toEqual(Array.from(t.dataSync()));
    }
    expect(safetensorsMetadata(bytes)).toEqual({ format: 'pt', epoch: '3' });
    expect(safetensorsMetadata(saveSafetensors({}))).toEqual({ format: 'pt' });
  });

  it("keeps a tensor or a metadata key named '__proto__' (an entry like any other, not a prototype)", () => {
    const t = tensor([1, 2, 3]);
    const bytes = saveSafetensors(new Map([['__proto__', t], ['b', t]]), { metadata: JSON.parse('{"__proto__": "x"}') as Record<string, string> });
    const back = loadSafetensors(bytes);
    expect([...back.keys()]).toEqual(['__proto__', 'b']);
    expect(Array.from(back.get('__proto__')!.dataSync())).toEqual([1, 2, 3]);
    expect(Object.keys(safetensorsMetadata(bytes))).toEqual(['__proto__']);
    expect(safetensorsMetadata(bytes)['__proto__']).toBe('x');
    // An ordinary object all the same (hasOwnProperty, template strings work on it).
    expect(Object.getPrototypeOf(safetensorsMetadata(bytes))).toBe(Object.prototype);
  });

  it('files nn writes load in PyTorch (nn_readback.json, from the script) and give the same output as nn', () => {
    // The nn model: the torch model's weights (a fixed dict) with num_batches_tracked = 2.
    const m = model();
    m.loadStateDict(loadSafetensors(bytesOf('torch_bn.safetensors')));
    const files = { 'nn_bn.safetensors': saveSafetensors(m.stateDict()), 'nn_bn.npz': saveNpz(m.stateDict()) };
    if (process.env.UPDATE_WEIGHTS) for (const [name, b] of Object.entries(files)) writeFileSync(at(name), b);
    m.eval();
    const ours = m.forward(tensor(torchModel.input)).dataSync();
    const readback = json<Record<string, { keys: string[]; dtypes: Record<string, string>; num_batches_tracked: number; output: number[][]; metadata: Record<string, string> }>>('nn_readback.json');
    for (const [name, b] of Object.entries(files)) {
      // The committed file is byte for byte what nn writes today, so the read-back speaks for today's writer.
      expect(Buffer.from(bytesOf(name)).equals(Buffer.from(b)), `${name} matches saveX's bytes`).toBe(true);
      const r = readback[name]!;
      expect(r.keys).toEqual(torchModel.keys);
      expect(r.dtypes['1.num_batches_tracked']).toBe('torch.int32');
      expect(r.num_batches_tracked).toBe(2);
      assertClose(ours, r.output.flat(), { atol: 1e-6, rtol: 1e-6 }, name);
    }
    expect(readback['nn_bn.safetensors']!.metadata).toEqual({ format: 'pt' });
  });

  const f32 = (...xs: number[]): Uint8Array => new Uint8Array(new Float32Array(xs).buffer);

  it('refuses headers that lie, naming the key and the problem, without reading out of bounds', () => {
    const before = memory().cpu!.buffers;
    const entry = (begin: number, end: number, shape = [2]): object => ({ dtype: 'F32', shape, data_offsets: [begin, end] });
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(5), /the file is 5 bytes, too short for the 8-byte header length/],
      [(() => { const b = build({ a: entry(0, 8) }, f32(1, 2)); new DataView(b.buffer).setBigUint64(0, 1n << 40n, true); return b; })(), /the header length says 1099511627776 bytes, past the end of the file/],
      // Past 2^53, where a Number would round: the length is compared as a BigInt.
      [(() => { const b = build({ a: entry(0, 8) }, f32(1, 2)); new DataView(b.buffer).setBigUint64(0, (1n << 63n) + 1n, true); return b; })(), /the header length says 9223372036854775809 bytes, past the end/],
      [build(null, f32(1, 2), '{"a": {"dtype": "F32",'), /the header is not valid UTF-8 JSON/],
      [build(null, f32(), '[1, 2]'), /the header must be a JSON object/],
      [build({ a: entry(0, 8), b: entry(4, 12) }, f32(1, 2, 3)), /'b' \(bytes 4–12\) overlaps 'a' \(bytes 0–8\)/],
      [build({ a: entry(0, 8), b: entry(12, 20) }, f32(1, 2, 3, 4, 5)), /a gap of 4 bytes before 'b'/],
      [build({ a: entry(0, 8), b: entry(8, 16) }, f32(1, 2, 3)), /'b' ends at byte 16 of the data, past its end \(12 bytes\); the file is truncated/],
      [build({ a: entry(0, 8) }, f32(1, 2, 3)), /4 bytes after the last entry that no entry describes/],
      [build({ a: entry(0, 12) }, f32(1, 2, 3)), /'a' claims 12 bytes \(data_offsets \[0, 12\]\) but F32 of shape \[2\] needs 8/],
      [build({ a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2)), /'a' has dtype "U8"; supported: F32, F16, BF16, F64, I32, I64/],
      [build({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1)), /'a' has shape \[-1\]/],
      [build({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, f32(1)), /'a' has data_offsets \[4,0\]; expected \[begin, end\]/],
      [build({ a: { dtype: 'F32', shape: [1] } }, f32(1)), /'a' has data_offsets undefined/],
      [build(null, f32(1), '{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 18446744073709551620]}}'), /'a' has data_offsets \[0,18446744073709552000\]; expected \[begin, end\]/],
      [build({ __metadata__: { n: 1 }, a: entry(0, 8) }, f32(1, 2)), /__metadata__ 'n' is 1; the format allows strings only/],
      // JSON.parse keeps the last of two equal keys; the first entry's bytes would then read as a gap.
      [build(null, f32(1, 2, 3, 4), '{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}'), /the header names 'a' twice/],
      [build(null, f32(1, 2), '{"__metadata__": {"k": "1"}, "__metadata__": {"k": "2"}, "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}'), /the header names '__metadata__' twice/],
      [build({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(new BigInt64Array([1n << 40n]).buffer)), /'a' element 0 is 1099511627776, beyond ±16777216/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => loadSafetensors(bytes), String(message)).toThrow(FormatError);
      expect(() => loadSafetensors(bytes), String(message)).toThrow(message);
    }
    // A bad entry after a good one leaves nothing allocated.
    const late = build({ a: entry(0, 8), b: { dtype: 'I32', shape: [1], data_offsets: [8, 12] } }, new Uint8Array([...f32(1, 2), 0, 0, 0, 0x7f]));
    expect(() => loadSafetensors(late)).toThrow(/'b' element 0 is \d+, beyond/);
    expect(() => loadSafetensors('x' as never)).toThrow(/loadSafetensors: expected the file's bytes/);
    // Not bytes at all is the caller's mistake, not a bad file: an ArgumentError, as importOnnx's, for loadNpz too.
    expect(() => loadSafetensors(null as never)).toThrow(ArgumentError);
    expect(() => loadNpz(42 as never)).toThrow(ArgumentError);
    expect(memory().cpu!.buffers).toBe(before);
    expect(() => saveSafetensors({ __metadata__: tensor([1]) })).toThrow(/'__metadata__' is reserved/);
    expect(() => saveSafetensors({ w: tensor([1]) }, { metadata: { n: 1 as never } })).toThrow(ArgumentError);
    expect(() => saveSafetensors({ w: tensor([1]) }, { metadata: null as never })).toThrow(/saveSafetensors: .*metadata.*an object of string values/);
    expect(() => saveSafetensors({ w: tensor([1]) }, { meta: {} } as never)).toThrow(/saveSafetensors: unknown option 'meta'; the options are metadata/);
    expect(() => saveSafetensors({ w: [1] as never })).toThrow(/saveSafetensors: the value of 'w' must be a tensor/);
  });

  it('reads a header padded with spaces, keys that repeat only inside entries or strings, escaped keys', () => {
    const text = '{"__metadata__": {"a": "x\\"y, \\"a\\": {"}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b\\u00e9": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}      ';
    const back = loadSafetensors(build(null, f32(5, 6), text));
    expect([...back.keys()]).toEqual(['a', 'bé']);
    expect(safetensorsMetadata(build(null, f32(5, 6), text))).toEqual({ a: 'x"y, "a": {' });
  });

  it("refuses PyTorch's files cut short or with a damaged header length", () => {
    const torchFile = bytesOf('torch_bn.safetensors');
    // The last entry in data order is the one that runs past the end.
    expect(() => loadSafetensors(torchFile.subarray(0, torchFile.length - 10))).toThrow(/'3\.weight' ends at byte \d+ of the data, past its end \(\d+ bytes\); the file is truncated/);
    expect(() => loadSafetensors(torchFile.subarray(0, 100))).toThrow(/the header length says \d+ bytes, past the end of the file \(92 bytes follow it\)/);
    const n = new DataView(torchFile.buffer, torchFile.byteOffset).getBigUint64(0, true);
    const withLength = (len: bigint): Uint8Array => {
      const b = torchFile.slice();
      new DataView(b.buffer).setBigUint64(0, len, true);
      return b;
    };
    // 3 bytes longer: the header takes in data bytes after its JSON.
    expect(() => loadSafetensors(withLength(n + 3n))).toThrow(/the header is not valid UTF-8 JSON/);
    // 3 bytes shorter: the JSON still parses (its padding is cut), but the data is 3 bytes longer than the entries say.
    expect(() => loadSafetensors(withLength(n - 3n))).toThrow(/3 bytes after the last entry that no entry describes/);
    const npz = bytesOf('torch_bn_int32.npz');
    expect(() => loadNpz(npz.subarray(0, npz.length - 1))).toThrow(/not a \.npz \(zip\) file/);
  });

  it('reads a file inside a larger buffer (a subarray at an odd offset)', () => {
    const file = saveSafetensors({ w: tensor([[1, 2], [3, 4]]) });
    const big = new Uint8Array(file.length + 3);
    big.set(file, 3);
    const back = loadSafetensors(big.subarray(3));
    expect(back.get('w')!.shape).toEqual([2, 2]);
    expect(Array.from(back.get('w')!.dataSync())).toEqual([1, 2, 3, 4]);
  });
});
