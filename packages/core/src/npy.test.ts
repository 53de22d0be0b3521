import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuBackend } from '@nn/cpu';
import { encodeNpy, FormatError, loadNpy, parseNpy, registerBackend, saveNpy, tensor } from './index.js';

beforeAll(() => registerBackend(createCpuBackend()));

// Hand-built v1.0 header so the tests do not depend on our own encoder.
function npyBytes(header: string, payload: Uint8Array, major = 1): Uint8Array {
  const lenBytes = major === 1 ? 2 : 4;
  let h = header;
  const total = 8 + lenBytes + h.length + 1;
  h += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(8 + lenBytes + h.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, h.length, true);
  else view.setUint32(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[8 + lenBytes + i] = h.charCodeAt(i);
  out.set(payload, 8 + lenBytes + h.length);
  return out;
}

describe('npy', () => {
  it('round-trips a float32 tensor through encode/parse', () => {
    const t = tensor([[1.5, -2], [3.25, 4e-8]]);
    const back = loadNpy(saveNpy(t));
    expect(back.shape).toEqual([2, 2]);
    expect(Array.from(back.dataSync())).toEqual(Array.from(t.dataSync()));
  });

  it('reads float64 files, rounding to float32', () => {
    const f64 = new Float64Array([0.1, 0.2, 1 / 3]);
    const bytes = npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", new Uint8Array(f64.buffer));
    const a = parseNpy(bytes);
    expect(a.descr).toBe('<f8');
    expect(Array.from(a.data)).toEqual(Array.from(new Float32Array(f64)));
  });

  it('reads scalars, empty arrays and version 2 headers', () => {
    const one = new Float32Array([7]);
    expect(parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", new Uint8Array(one.buffer))).shape).toEqual([]);
    expect(parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", new Uint8Array(0))).data.length).toBe(0);
    expect(parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(one.buffer), 2)).data[0]).toBe(7);
  });

  it('rejects other dtypes, byte orders and Fortran order with a FormatError that says what to do', () => {
    const p = new Uint8Array(16);
    expect(() => parseNpy(npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", p))).toThrow(/unsupported dtype '<i8'.*astype\(np\.float32\)/);
    expect(() => parseNpy(npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", p))).toThrow(/big-endian/);
    expect(() => parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", p))).toThrow(/Fortran/);
    expect(() => parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", p))).not.toThrow();
  });

  it('rejects truncated and corrupt files without hanging', () => {
    const good = encodeNpy(new Float32Array([1, 2, 3, 4]), [2, 2]);
    expect(() => parseNpy(good.subarray(0, good.length - 1))).toThrow(FormatError);
    expect(() => parseNpy(good.subarray(0, good.length - 1))).toThrow(/truncated data.*16 bytes.*15/);
    expect(() => parseNpy(good.subarray(0, 12))).toThrow(/truncated header/);
    expect(() => parseNpy(good.subarray(0, 5))).toThrow(/too short/);
    const bad = good.slice();
    bad[1] = 0x41;
    expect(() => parseNpy(bad)).toThrow(/magic/);
    const garbled = npyBytes("{'descr': '<f4', 'shape': (2,), }", new Uint8Array(8));
    expect(() => parseNpy(garbled)).toThrow(/malformed header/);
    const negative = npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", new Uint8Array(8));
    expect(() => parseNpy(negative)).toThrow(/malformed shape/);
  });

  it('writes files NumPy reads back and reads what NumPy writes', () => {
    // python3-numpy is installed by scripts/setup.sh; without it this test fails and says so.
    const python = '/usr/bin/python3';
    try {
      execFileSync(python, ['-c', 'import numpy'], { stdio: 'ignore' });
    } catch {
      throw new Error('npy interop needs /usr/bin/python3 with numpy: run `bash scripts/setup.sh` (apt install python3-numpy)');
    }
    const dir = mkdtempSync(join(tmpdir(), 'nn-npy-'));
    writeFileSync(join(dir, 'a.npy'), encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]));
    const out = execFileSync(python, ['-c', `import numpy as np; a = np.load('${dir}/a.npy'); print(a.dtype, a.shape, a.sum()); np.save('${dir}/b.npy', (a * 2).astype(np.float64))`]).toString();
    expect(out.trim()).toBe('float32 (2, 3) 21.0');
    const b = parseNpy(readFileSync(join(dir, 'b.npy')));
    expect(b.shape).toEqual([2, 3]);
    expect(Array.from(b.data)).toEqual([2, 4, 6, 8, 10, 12]);
    // int32 both ways: nn writes <i4, NumPy reads int32; NumPy's int32 loads as an int32 tensor.
    writeFileSync(join(dir, 'i.npy'), saveNpy(tensor([[-3, 0], [16_777_216, 7]], { dtype: 'int32' })));
    const outI = execFileSync(python, ['-c', `import numpy as np; a = np.load('${dir}/i.npy'); print(a.dtype, a.shape, a.tolist()); np.save('${dir}/j.npy', (a - 1).astype(np.int32))`]).toString();
    expect(outI.trim()).toBe('int32 (2, 2) [[-3, 0], [16777216, 7]]');
    const j = loadNpy(readFileSync(join(dir, 'j.npy')));
    expect(j.dtype).toBe('int32');
    expect(j.toArray()).toEqual([[-4, -1], [16_777_215, 6]]);
  });

  it('reads and writes int32 as <i4, refusing values beyond ±2^24', () => {
    const t = loadNpy(saveNpy(tensor([1, -2, 3], { dtype: 'int32' })));
    expect(t.dtype).toBe('int32');
    expect(t.toArray()).toEqual([1, -2, 3]);
    expect(parseNpy(saveNpy(t)).descr).toBe('<i4');
    expect(loadNpy(saveNpy(t), { dtype: 'float32' }).dtype).toBe('float32');
    const big = new Int32Array([5, 16_777_217]);
    expect(() => parseNpy(npyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(big.buffer)))).toThrow(/element 1 is 16777217.*2\^24/);
    expect(() => encodeNpy(new Float32Array([1.5]), [1], 'int32')).toThrow(/whole numbers/);
  });
});
