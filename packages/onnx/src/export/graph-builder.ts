import type { Tensor } from '@nn/core';
import { onnx } from '../proto.js';

/** A value flowing through the graph being written: its name and its shape for the example input. */
export interface Value {
  /** The ONNX value name. */
  name: string;
  /** The shape this value has for the example input. */
  shape: readonly number[];
  /** Where the batch is: dim 0 ('dim0', dim_param 'batch' on the graph's output), merged into dim 0 with others ('merged', an unnamed dim), or nowhere. */
  batch: 'dim0' | 'merged' | 'none';
  /** The ONNX element type (onnx.DataType.FLOAT or INT32). */
  elemType: number;
}

/** A plain AttributeProto object. */
export type Attribute = Record<string, unknown>;

/** An INT attribute. */
export const intAttr = (name: string, i: number): Attribute => ({ name, type: onnx.AttributeType.INT, i });
/** A FLOAT attribute (stored as float32, as ONNX does). */
export const floatAttr = (name: string, f: number): Attribute => ({ name, type: onnx.AttributeType.FLOAT, f });
/** An INTS attribute. */
export const intsAttr = (name: string, ints: readonly number[]): Attribute => ({ name, type: onnx.AttributeType.INTS, ints: [...ints] });

/**
 * Collects the nodes, initializers and constants of one graph. Node and value names follow
 * PyTorch's exporter (`/0/Gemm`, `/0/Gemm_output_0`), so files from both read alike; parameters
 * become initializers named by their state-dict keys, each tensor once (tied weights stay tied).
 */
export class GraphBuilder {
  /** The NodeProto objects, in execution order. */
  readonly nodes: Record<string, unknown>[] = [];
  private readonly initializers: { name: string; tensor: Tensor }[] = [];
  private readonly initializerOf = new Map<Tensor, string>();
  private readonly used = new Set<string>();

  /** The name under which `tensor` is an initializer: `key` the first time, the first key after that. */
  initializer(key: string, tensor: Tensor): string {
    const known = this.initializerOf.get(tensor);
    if (known !== undefined) return known;
    this.used.add(key);
    this.initializerOf.set(tensor, key);
    this.initializers.push({ name: key, tensor });
    return key;
  }

  /** What `name` already is in the graph: 'parameter' (an initializer), 'output' (a node's output) or null. */
  valueKind(name: string): 'parameter' | 'output' | null {
    if (this.initializers.some((i) => i.name === name)) return 'parameter';
    return this.nodes.some((n) => (n.output as string[]).includes(name)) ? 'output' : null;
  }

  /** Add a node `opType` at module path `path` (segments joined by '/'); returns its output names. */
  node(path: string, opType: string, inputs: readonly string[], attrs: Attribute[] = [], outputs = 1): string[] {
    const name = this.unique(`${path}/${opType}`);
    const out = Array.from({ length: outputs }, (_, i) => `${name}_output_${i}`);
    out.forEach((o) => this.used.add(o));
    const node: Record<string, unknown> = { input: [...inputs], output: out, name, op_type: opType };
    if (attrs.length > 0) node.attribute = attrs;
    this.nodes.push(node);
    return out;
  }

  /** A float32 constant (a Constant node, so initializers stay exactly the state-dict keys), of `shape`. */
  constantFloat(path: string, values: readonly number[], shape: readonly number[] = []): string {
    return this.constant(path, { dims: [...shape], data_type: onnx.DataType.FLOAT, raw_data: float32Bytes(values) });
  }

  /** An int64 constant (Reshape's shape), 1-D. */
  constantInt64(path: string, values: readonly number[]): string {
    return this.constant(path, { dims: [values.length], data_type: onnx.DataType.INT64, raw_data: int64Bytes(values) });
  }

  private constant(path: string, t: Record<string, unknown>): string {
    return this.node(path, 'Constant', [], [{ name: 'value', type: onnx.AttributeType.TENSOR, t }])[0]!;
  }

  /** Rename value `from` to `to` (the graph's output name) wherever a node writes or reads it; false when no node writes it. */
  renameOutput(from: string, to: string): boolean {
    let written = false;
    for (const n of this.nodes) {
      for (const list of [n.output, n.input] as string[][]) {
        list.forEach((v, i) => {
          if (v !== from) return;
          list[i] = to;
          if (list === n.output) written = true;
        });
      }
    }
    return written;
  }

  /** The initializers as TensorProto objects; parameters are read with `await t.data()`, so any device works. */
  async initializerProtos(): Promise<Record<string, unknown>[]> {
    return Promise.all(
      this.initializers.map(async ({ name, tensor }) => ({
        name,
        dims: [...tensor.shape],
        data_type: onnx.DataType.FLOAT,
        raw_data: float32Bytes(await tensor.data()),
      })),
    );
  }

  private unique(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}

// TensorProto.raw_data is little-endian whatever the host; DataView writes it so.
function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytes;
}

function int64Bytes(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return bytes;
}
