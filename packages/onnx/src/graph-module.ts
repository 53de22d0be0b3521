import {
  DTypeError, FormatError, ShapeError, StateError, checkTensor, fmtShape, keep, noGrad, tensor,
  type Device, type Tensor,
} from '@nn/core';
import { Module } from '@nn/layers';
import { floatTensorProto, readTensorProto, type ProtoValue } from './import/tensor-proto.js';
import { OPS } from './import/ops.js';
import { isInts, type Value } from './import/values.js';
import type { PlanNode } from './import/plan.js';

/** A graph input as the file declares it: a size per dim, null where the dim is symbolic (a dim_param such as 'batch'); dims null when the file gives no shape. */
export interface OnnxInputInfo {
  readonly name: string;
  /** float32 values, or int32 indices (an INT32 or INT64 input). */
  readonly dtype: 'float32' | 'int32';
  readonly dims: readonly (number | null)[] | null;
}

/** What `OnnxModule`'s constructor takes; `importOnnx` builds it from the file. */
export interface OnnxGraphPlan {
  /** The decoded ModelProto, kept to write the model out again with the current weights. */
  readonly model: Record<string, unknown>;
  readonly inputs: readonly OnnxInputInfo[];
  readonly outputs: readonly string[];
  /** Nodes in run order, Constant nodes included. */
  readonly nodes: readonly PlanNode[];
  /** Initializers by name, decoded. */
  readonly initializers: ReadonlyMap<string, ProtoValue>;
  /** Float initializers read as BatchNormalization's running mean or variance: buffers, not parameters. */
  readonly bufferNames: ReadonlySet<string>;
  /** The default domain's opset version. */
  readonly opset: number;
  readonly device?: Device;
}

/**
 * A module that owns an imported model's initializers: the OnnxModule itself (undotted names) and
 * each WeightGroup under it. Module's register methods are protected; the import code reaches them here.
 */
abstract class WeightHolder extends Module {
  /** @internal Own a child group. */
  ownChild(name: string, g: WeightGroup): void {
    this.registerModule(name, g);
  }

  /** @internal Own `t` as a parameter or buffer named `key`. */
  ownInitializer(key: string, t: Tensor, asBuffer: boolean): void {
    if (asBuffer) this.registerBuffer(key, t);
    else this.registerParameter(key, t);
  }

  /** @internal The current tensor under `key` (after `to()` it is a new one). */
  initializerTensor(key: string, asBuffer: boolean): Tensor {
    return asBuffer ? this.buffer(key) : this.param(key);
  }
}

/** Holds the parameters and buffers under one dotted prefix (`fc1` of `fc1.weight`), so state-dict keys are PyTorch's. */
class WeightGroup extends WeightHolder {
  forward(): Tensor {
    throw new StateError('OnnxModule', 'a weight group of an imported model has no forward of its own; call the OnnxModule that holds it');
  }
}

// Where an initializer lives: a group (the module itself for an undotted name) and its key there.
interface WeightSlot {
  readonly group: WeightGroup | OnnxModule;
  readonly key: string;
  readonly buffer: boolean;
  /** Its state-dict key. */
  readonly path: string;
}

/**
 * An ONNX graph run as a Module: each node is interpreted in order with @nn/core tensor ops, so
 * autograd records the graph and the model trains. Float initializers are parameters (requiresGrad)
 * under their ONNX names, split at dots into child modules so `stateDict()` keys are PyTorch's
 * (`fc1.weight`); BatchNormalization's running statistics are buffers. Integer data (shapes, axes) stays
 * on the host as numbers. BatchNormalization and Dropout run as in inference in both train and eval
 * mode (the file fixes their behaviour; a fine-tune keeps the running statistics).
 */
export class OnnxModule extends WeightHolder {
  /** The graph inputs `forward` takes, in order, with their declared sizes. */
  readonly inputs: readonly OnnxInputInfo[];
  /** The graph outputs, in the order `forwardAll` returns them. */
  readonly outputNames: readonly string[];
  /** The default domain's opset version the file was written for. */
  readonly opset: number;
  private readonly model: Record<string, unknown>;
  private readonly nodes: readonly PlanNode[];
  private readonly slots = new Map<string, WeightSlot>();
  private readonly constants = new Map<string, Value>();

  constructor(plan: OnnxGraphPlan) {
    super();
    this.model = plan.model;
    this.inputs = plan.inputs;
    this.outputNames = plan.outputs;
    this.opset = plan.opset;
    const device = plan.device ? { device: plan.device } : {};
    const floats = [...plan.initializers.values()].filter((v): v is ProtoValue & { kind: 'float' } => v.kind === 'float');
    const paths = stateKeys(floats.map((v) => v.name));
    const groups = new Map<string, WeightGroup>();
    for (const v of floats) {
      const path = paths.get(v.name)!;
      const parts = path.split('.');
      let group: WeightGroup | OnnxModule = this;
      for (let i = 0; i < parts.length - 1; i++) {
        const prefix = parts.slice(0, i + 1).join('.');
        let g = groups.get(prefix);
        if (!g) {
          g = new WeightGroup();
          group.ownChild(parts[i]!, g);
          groups.set(prefix, g);
        }
        group = g;
      }
      const key = parts[parts.length - 1]!;
      const buffer = plan.bufferNames.has(v.name);
      group.ownInitializer(key, tensor(v.data, { shape: v.dims, ...device }), buffer);
      this.slots.set(v.name, { group, key, buffer, path });
    }
    for (const v of plan.initializers.values()) if (v.kind === 'int') this.constants.set(v.name, { ints: v.data, dims: v.dims });
    const run: PlanNode[] = [];
    for (const node of plan.nodes) {
      if (node.opType !== 'Constant') {
        run.push(node);
        continue;
      }
      const value = constantValue(node);
      const out = node.outputs[0];
      if (out === undefined || out === '') throw new FormatError('importOnnx', `${node.where} has no output; the file is malformed`);
      this.constants.set(out, value.kind === 'int' ? { ints: value.data, dims: value.dims } : keep(tensor(value.data, { shape: value.dims, ...device })));
    }
    this.nodes = run;
  }

  /** ONNX initializer name → its key in `stateDict()` / `namedParameters()` (they differ only where a name could not nest). */
  initializerKeys(): Map<string, string> {
    return new Map([...this.slots].map(([name, s]) => [name, s.path]));
  }

  /** The model's single output for its inputs, in the graph's input order; a graph with several outputs is run by `forwardAll`. */
  forward(...inputs: Tensor[]): Tensor {
    if (this.outputNames.length !== 1) {
      throw new StateError('OnnxModule', `the graph has ${this.outputNames.length} outputs (${this.outputNames.join(', ')}); call forwardAll(...inputs), which returns them all in order`);
    }
    return this.forwardAll(...inputs)[0]!;
  }

  /** Every graph output, in the file's order, for its inputs in the graph's input order. */
  forwardAll(...inputs: Tensor[]): Tensor[] {
    const env = this.bindInputs(inputs);
    const read = (name: string): Value | undefined => {
      if (name === '') return undefined;
      const v = env.get(name) ?? this.constants.get(name);
      if (v !== undefined) return v;
      const s = this.slots.get(name);
      return s ? s.group.initializerTensor(s.key, s.buffer) : undefined;
    };
    for (const node of this.nodes) {
      const outs = OPS[node.opType]!({ where: node.where, inputs: node.inputs.map(read), attrs: node.attrs, opset: this.opset, outputs: node.outputs.filter((o) => o !== '').length });
      node.outputs.forEach((o, i) => {
        if (o === '') return;
        const v = outs[i];
        if (v === undefined) throw new FormatError('importOnnx', `${node.where} names ${node.outputs.length} outputs; nn computes ${outs.length} for ${node.opType} — export without the extra outputs`);
        env.set(o, v);
      });
    }
    return this.outputNames.map((name) => {
      const v = read(name)!;
      // A graph output that is integer data (a shape) comes back as a float tensor of those numbers.
      return isInts(v) ? tensor(Float32Array.from(v.ints), { shape: v.dims }) : v;
    });
  }

  // Check the inputs against the declared ranks and fixed sizes (symbolic dims take any size).
  private bindInputs(inputs: Tensor[]): Map<string, Value> {
    if (inputs.length !== this.inputs.length) {
      throw new StateError('OnnxModule', `the graph takes ${this.inputs.length} input${this.inputs.length === 1 ? '' : 's'} (${this.inputs.map((i) => i.name).join(', ')}), got ${inputs.length}; pass them in that order`);
    }
    const env = new Map<string, Value>();
    this.inputs.forEach((info, k) => {
      const x = inputs[k]!;
      checkTensor('OnnxModule', x, `input '${info.name}'`);
      if (x.dtype !== info.dtype) {
        throw new DTypeError('OnnxModule', `input '${info.name}' is ${x.describe()}; the graph takes ${info.dtype}${info.dtype === 'float32' ? ' values — convert with x.float()' : ' indices — convert with x.int()'}`);
      }
      const dims = info.dims;
      if (dims && (x.ndim !== dims.length || dims.some((d, i) => d !== null && d !== x.shape[i]))) {
        const want = dims.map((d) => (d === null ? '?' : String(d)));
        throw new ShapeError('OnnxModule', `input '${info.name}' must be [${want.join(', ')}] ('?' takes any size), got ${fmtShape(x.shape)}`);
      }
      env.set(info.name, x);
    });
    return env;
  }

  /**
   * The model as a plain ModelProto object with the current weights and running statistics: the
   * graph it was imported from, initializers rewritten (float32). exportOnnx calls this, so an
   * imported and fine-tuned model exports again as it came, whatever example input is given.
   */
  async toOnnxModel(_options?: unknown): Promise<Record<string, unknown>> {
    const graph = this.model.graph as Record<string, unknown>;
    const initializer = await Promise.all(
      ((graph.initializer as Record<string, unknown>[] | undefined) ?? []).map(async (t) => {
        const s = this.slots.get(String(t.name));
        if (!s) return t;
        const w = s.group.initializerTensor(s.key, s.buffer);
        return floatTensorProto(String(t.name), w.shape, await w.data());
      }),
    );
    return { ...this.model, producer_name: '@nn/onnx', graph: { ...graph, initializer } };
  }

  /** Move the parameters, buffers and constant tensors to `device`, as Module.to. */
  override to(device: Device): this {
    super.to(device);
    for (const [name, v] of this.constants) {
      if (isInts(v) || v.device === device) continue;
      const moved = keep(noGrad(() => v.to(device)));
      v.dispose();
      this.constants.set(name, moved);
    }
    return this;
  }

  /** Free the parameters, buffers and constant tensors now. */
  override dispose(): void {
    super.dispose();
    for (const v of this.constants.values()) if (!isInts(v)) v.dispose();
  }

  override toString(): string {
    const ops = new Map<string, number>();
    for (const n of this.nodes) ops.set(n.opType, (ops.get(n.opType) ?? 0) + 1);
    return `OnnxModule(opset=${this.opset}, inputs=[${this.inputs.map((i) => i.name).join(', ')}], outputs=[${this.outputNames.join(', ')}], ops={${[...ops].map(([k, n]) => `${k}: ${n}`).join(', ')}})`;
  }
}

// A Constant node's value: attribute value (a tensor) or value_float(s) / value_int(s).
function constantValue(node: PlanNode): ProtoValue {
  const a = node.attrs;
  const t = a.tensor('value');
  if (t) return readTensorProto(t, node.where);
  if (a.has('value_float')) return { kind: 'float', name: '', dims: [], data: Float32Array.of(a.float('value_float', 0)) };
  const fs = a.floats('value_floats');
  if (fs) return { kind: 'float', name: '', dims: [fs.length], data: Float32Array.from(fs) };
  if (a.has('value_int')) return { kind: 'int', name: '', dims: [], data: [a.int('value_int', 0)] };
  const is = a.ints('value_ints', undefined);
  if (is) return { kind: 'int', name: '', dims: [is.length], data: is };
  throw new FormatError('importOnnx', `${node.where}: a Constant with attributes [${a.names().join(', ')}] is not supported; nn reads value, value_float(s) and value_int(s)`);
}

/**
 * State-dict keys for the initializer names: the name itself where its dotted parts nest (PyTorch's
 * `fc1.weight`), else the dots replaced by '_' (and a suffix if that is taken): a name with an empty
 * part, or one that is both a weight and the prefix of another (`a` and `a.b`).
 */
function stateKeys(names: readonly string[]): Map<string, string> {
  const leaves = new Set(names);
  const prefixes = new Set<string>();
  for (const n of names) {
    const parts = n.split('.');
    for (let i = 1; i < parts.length; i++) prefixes.add(parts.slice(0, i).join('.'));
  }
  const nests = (n: string): boolean => {
    const parts = n.split('.');
    return parts.every((p) => p !== '') && !prefixes.has(n) && parts.slice(1).every((_, i) => !leaves.has(parts.slice(0, i + 1).join('.')));
  };
  const out = new Map<string, string>();
  const taken = new Set<string>([...names.filter(nests), ...prefixes].map((n) => n.split('.')[0]!));
  for (const n of names) {
    if (nests(n)) {
      out.set(n, n);
      continue;
    }
    let flat = n.replace(/\./g, '_') || '_';
    for (let k = 2; taken.has(flat); k++) flat = `${n.replace(/\./g, '_') || '_'}_${k}`;
    taken.add(flat);
    out.set(n, flat);
  }
  return out;
}
