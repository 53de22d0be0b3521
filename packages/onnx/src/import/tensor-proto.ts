import { FormatError } from '@nn/core';
import { onnx } from '../proto.js';

/** A decoded ONNX TensorProto: float data as float32, integer data (shapes, axes, indices) as plain numbers. */
export type ProtoValue =
  | { kind: 'float'; name: string; dims: number[]; data: Float32Array }
  | { kind: 'int'; name: string; dims: number[]; data: number[] };

const DT = onnx.DataType as Record<string, number>;

// The integer types a shape, an axis list or an index comes in; int64 is torch's choice.
const INT_TYPES = new Set([DT.INT64, DT.INT32, DT.INT16, DT.INT8, DT.UINT8, DT.UINT16, DT.UINT32, DT.BOOL]);

/** Read a plain TensorProto object (as decodeModel gives it) into numbers; `where` names the node or initializer for errors. */
export function readTensorProto(t: Record<string, unknown>, where: string): ProtoValue {
  const name = typeof t.name === 'string' ? t.name : '';
  const dims = ((t.dims as number[] | undefined) ?? []).map(Number);
  const size = dims.reduce((a, b) => a * b, 1);
  const type = Number(t.data_type ?? 0);
  if ((t.data_location as number | undefined) === 1 || ((t.external_data as unknown[] | undefined)?.length ?? 0) > 0) {
    throw new FormatError('importOnnx', `${where}: tensor '${name}' keeps its data in an external file; save the model with its weights inside (onnx.save_model(m, path, save_as_external_data=False)) and pass those bytes`);
  }
  const raw = t.raw_data as Uint8Array | undefined;
  const hasRaw = raw !== undefined && raw.length > 0;
  // A copy: protobufjs's bytes may sit at an unaligned offset inside the file's buffer.
  const view = hasRaw ? new DataView(Uint8Array.from(raw).buffer) : null;
  const check = (n: number, width: number): void => {
    if (n !== size) {
      throw new FormatError('importOnnx', `${where}: tensor '${name}' of dims [${dims.join(', ')}] holds ${n} values, expected ${size}${width ? ` (raw_data of ${raw!.length} bytes, ${width} bytes each)` : ''}; the file is damaged — export it again`);
    }
  };
  if (type === DT.FLOAT || type === DT.DOUBLE || type === DT.FLOAT16) {
    let data: Float32Array;
    if (view) {
      const width = type === DT.DOUBLE ? 8 : type === DT.FLOAT ? 4 : 2;
      check(raw!.length / width, width);
      data = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        data[i] = type === DT.DOUBLE ? view.getFloat64(i * 8, true) : type === DT.FLOAT ? view.getFloat32(i * 4, true) : half(view.getUint16(i * 2, true));
      }
    } else if (type === DT.FLOAT) {
      data = Float32Array.from((t.float_data as number[] | undefined) ?? []);
      check(data.length, 0);
    } else if (type === DT.DOUBLE) {
      data = Float32Array.from((t.double_data as number[] | undefined) ?? []);
      check(data.length, 0);
    } else {
      // float16 without raw_data sits in int32_data, one half per entry.
      data = Float32Array.from((t.int32_data as number[] | undefined) ?? [], half);
      check(data.length, 0);
    }
    return { kind: 'float', name, dims, data };
  }
  if (INT_TYPES.has(type)) {
    let data: number[];
    if (view) {
      const width = type === DT.INT64 ? 8 : type === DT.INT32 || type === DT.UINT32 ? 4 : type === DT.INT16 || type === DT.UINT16 ? 2 : 1;
      check(raw!.length / width, width);
      data = Array.from({ length: size }, (_, i) => {
        const at = i * width;
        if (type === DT.INT64) return Number(view.getBigInt64(at, true));
        if (type === DT.INT32) return view.getInt32(at, true);
        if (type === DT.UINT32) return view.getUint32(at, true);
        if (type === DT.INT16) return view.getInt16(at, true);
        if (type === DT.UINT16) return view.getUint16(at, true);
        if (type === DT.INT8) return view.getInt8(at);
        return view.getUint8(at);
      });
    } else {
      const list = type === DT.INT64 ? t.int64_data : type === DT.UINT32 ? t.uint64_data : t.int32_data;
      data = ((list as number[] | undefined) ?? []).map(Number);
      check(data.length, 0);
    }
    return { kind: 'int', name, dims, data };
  }
  const typeName = Object.keys(DT).find((k) => DT[k] === type) ?? String(type);
  throw new FormatError('importOnnx', `${where}: tensor '${name}' has data type ${typeName}; nn reads float (FLOAT, DOUBLE, FLOAT16) and integer tensors — export the model in float32`);
}

/** A plain TensorProto object holding `data` as float32 raw_data (little-endian), as exporters write weights. */
export function floatTensorProto(name: string, dims: readonly number[], data: Float32Array): Record<string, unknown> {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return { name, dims: [...dims], data_type: DT.FLOAT, raw_data: bytes };
}

// IEEE half to number (float16 weights are widened to float32).
function half(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
