import { ArgumentError, FormatError } from '@nn/core';
import protobuf from 'protobufjs';
import { ONNX_PROTO } from './onnx-schema.js';

// The ONNX schema parsed once by protobufjs (a well-kept protobuf library) from the official
// onnx.proto: every model nn writes or reads goes through these generated message types.
const root = protobuf.parse(ONNX_PROTO, { keepCase: true }).root;

/** The ONNX message types (`onnx.ModelProto`, `onnx.TensorProto`…), parsed from the official schema. */
export const onnx = {
  ModelProto: root.lookupType('onnx.ModelProto'),
  GraphProto: root.lookupType('onnx.GraphProto'),
  NodeProto: root.lookupType('onnx.NodeProto'),
  TensorProto: root.lookupType('onnx.TensorProto'),
  ValueInfoProto: root.lookupType('onnx.ValueInfoProto'),
  AttributeProto: root.lookupType('onnx.AttributeProto'),
  /** TensorProto.DataType numbers (FLOAT = 1, INT64 = 7…). */
  DataType: root.lookupEnum('onnx.TensorProto.DataType').values,
  /** AttributeProto.AttributeType numbers (FLOAT = 1, INT = 2, INTS = 7…). */
  AttributeType: root.lookupEnum('onnx.AttributeProto.AttributeType').values,
};

/**
 * Encode a plain ModelProto object (field names as in onnx.proto) to the bytes of an .onnx file, in a
 * Uint8Array over its own ArrayBuffer.
 */
export function encodeModel(model: Record<string, unknown>): Uint8Array {
  if (typeof model !== 'object' || model === null) throw new ArgumentError('encodeModel', `expected a plain ModelProto object (field names as in onnx.proto), got ${model === null ? 'null' : typeof model}`);
  const err = onnx.ModelProto.verify(model);
  if (err) throw new FormatError('encodeModel', `not a valid ModelProto: ${err}; fields are named as in onnx.proto (ir_version, graph.node[].op_type…)`);
  // In Node protobufjs hands back a Buffer cut from a shared 8 KiB pool: a caller sending `bytes.buffer`
  // (a Blob, a transfer to a worker) would send or detach the pool. A copy over its own buffer is safe everywhere.
  return new Uint8Array(onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish());
}

/** Decode the bytes of an .onnx file to a plain ModelProto object (int64 fields as numbers, bytes as Uint8Array). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError('decodeModel', `expected the bytes of an .onnx file (a Uint8Array), got ${bytes === null ? 'null' : typeof bytes}`);
  let message: protobuf.Message;
  try {
    message = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new FormatError('decodeModel', `these ${bytes.length} bytes are not an ONNX model (protobuf: ${(e as Error).message}); pass the whole .onnx file, read as binary`);
  }
  return onnx.ModelProto.toObject(message, { longs: Number, bytes: Uint8Array as unknown as typeof String, defaults: false, arrays: true }) as Record<string, unknown>;
}
