import { ArgumentError, FormatError, showValue, type Device } from '@nn/core';
import { decodeModel, onnx } from './proto.js';
import { OnnxModule, type OnnxInputInfo } from './graph-module.js';
import { planNodes, nodeWhere } from './import/plan.js';
import { SUPPORTED_OPS } from './import/ops.js';
import { floatTensorProto, readTensorProto, type ProtoValue } from './import/tensor-proto.js';

/** Options of `importOnnx`. */
export interface ImportOnnxOptions {
  /** Device of the parameters, buffers and constants (default: core's default device). */
  device?: Device;
}

const SUPPORTED = new Set(SUPPORTED_OPS);

/**
 * Load the bytes of an `.onnx` file (PyTorch's `torch.onnx.export`, or nn's exportOnnx) as an
 * `OnnxModule`: a Module that runs the graph with nn's tensor ops, whose float initializers are
 * parameters that train. A malformed file is a FormatError; so is an op outside the supported set,
 * naming every op the model uses and every op nn reads.
 */
export function importOnnx(bytes: Uint8Array | ArrayBuffer, opts: ImportOnnxOptions = {}): OnnxModule {
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) {
    throw new ArgumentError('importOnnx', `expected the bytes of an .onnx file (a Uint8Array or ArrayBuffer), got ${showValue(bytes)}; in Node read them with fs.readFileSync(path), in a page with new Uint8Array(await (await fetch(url)).arrayBuffer())`);
  }
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let model: Record<string, unknown>;
  try {
    model = decodeModel(data);
  } catch (e) {
    // decodeModel's FormatError already says what is wrong and the fix; it is named here as the caller's op.
    throw new FormatError('importOnnx', (e as Error).message.replace(/^decodeModel: /, ''));
  }
  const graph = model.graph as Record<string, unknown> | undefined;
  // Random bytes can parse as protobuf; a model has an IR version and a graph with outputs.
  if (!model.ir_version || !graph || !Array.isArray(graph.output) || graph.output.length === 0) {
    throw new FormatError('importOnnx', `these ${data.length} bytes are not an ONNX model (${!model.ir_version ? 'no ir_version' : !graph ? 'no graph' : 'a graph without outputs'}); pass the whole .onnx file, read as binary`);
  }
  const opset = defaultOpset(model);
  checkOps((graph.node as Record<string, unknown>[] | undefined) ?? []);

  const initializers = new Map<string, ProtoValue>();
  for (const t of (graph.initializer as Record<string, unknown>[] | undefined) ?? []) {
    const v = readTensorProto(t, `initializer '${String(t.name)}'`);
    initializers.set(v.name, v);
  }
  const untied = untieCopies(graph, initializers);
  model = { ...model, graph: untied };
  const nodes = (untied.node as Record<string, unknown>[] | undefined) ?? [];
  // Before IR version 4 initializers were listed among the inputs too; only the rest are fed by the caller.
  const inputs = ((untied.input as Record<string, unknown>[] | undefined) ?? []).filter((i) => !initializers.has(String(i.name))).map(inputInfo);
  const outputs = (graph.output as Record<string, unknown>[]).map((o) => String(o.name));
  const plan = planNodes(nodes, new Set([...inputs.map((i) => i.name), ...initializers.keys()]));
  for (const o of outputs) {
    if (!initializers.has(o) && !inputs.some((i) => i.name === o) && !plan.some((n) => n.outputs.includes(o))) {
      throw new FormatError('importOnnx', `graph output '${o}' is made by no node; the file is malformed — export it again`);
    }
  }
  // BatchNormalization's inputs 3 and 4 (running mean and variance) are state, not weights to train.
  const bufferNames = new Set(plan.filter((n) => n.opType === 'BatchNormalization').flatMap((n) => n.inputs.slice(3, 5)).filter((n) => initializers.get(n)?.kind === 'float'));
  return new OnnxModule({ model, inputs, outputs, nodes: plan, initializers, bufferNames, opset, ...(opts.device ? { device: opts.device } : {}) });
}

/**
 * torch's exporter writes equal weights once and the others as Identity nodes reading it (a fresh BatchNorm's
 * running_var is its weight's ones, its running_mean its bias's zeros). Each such copy becomes an initializer of
 * its own under the Identity's output name (the state-dict key), so they train apart and the statistics are
 * buffers, as in the PyTorch model; the graph (kept for re-export) loses those Identity nodes.
 */
function untieCopies(graph: Record<string, unknown>, initializers: Map<string, ProtoValue>): Record<string, unknown> {
  const nodes = (graph.node as Record<string, unknown>[] | undefined) ?? [];
  const copies: Record<string, unknown>[] = [];
  const kept = nodes.filter((n) => {
    const from = initializers.get(String((n.input as string[] | undefined)?.[0]));
    const to = String((n.output as string[] | undefined)?.[0] ?? '');
    if (n.op_type !== 'Identity' || (n.domain ?? '') !== '' || from?.kind !== 'float' || to === '' || initializers.has(to)) return true;
    initializers.set(to, { ...from, name: to, data: from.data.slice() });
    copies.push(floatTensorProto(to, from.dims, from.data));
    return false;
  });
  return copies.length === 0 ? graph : { ...graph, node: kept, initializer: [...((graph.initializer as unknown[] | undefined) ?? []), ...copies] };
}

// The default domain's opset version ('' and 'ai.onnx' name the same domain).
function defaultOpset(model: Record<string, unknown>): number {
  const entries = (model.opset_import as { domain?: string; version?: number }[] | undefined) ?? [];
  const entry = entries.find((e) => (e.domain ?? '') === '' || e.domain === 'ai.onnx');
  if (!entry || !entry.version) throw new FormatError('importOnnx', 'the model names no opset for the default ONNX domain (opset_import); the file is malformed — export it again');
  return Number(entry.version);
}

// Every op outside the supported set, in one error that lists the model's ops and nn's.
function checkOps(nodes: readonly Record<string, unknown>[]): void {
  const opName = (n: Record<string, unknown>): string => {
    const domain = typeof n.domain === 'string' && n.domain !== '' && n.domain !== 'ai.onnx' ? `${n.domain}.` : '';
    return `${domain}${String(n.op_type ?? '')}`;
  };
  nodes.forEach((n, i) => {
    if (typeof n.op_type !== 'string' || n.op_type === '') throw new FormatError('importOnnx', `${nodeWhere(n, i)} has no op_type; the file is malformed — export it again`);
  });
  const found = [...new Set(nodes.map(opName))].sort();
  const missing = found.filter((op) => !SUPPORTED.has(op));
  if (missing.length === 0) return;
  const firstUse = missing.map((op) => {
    const i = nodes.findIndex((n) => opName(n) === op);
    return `${op} (first at ${nodeWhere(nodes[i]!, i)})`;
  });
  throw new FormatError(
    'importOnnx',
    `the model uses ${missing.length === 1 ? 'an op' : 'ops'} nn cannot import: ${firstUse.join(', ')}. ` +
      `Ops in the model: ${found.join(', ')}. Ops nn imports: ${SUPPORTED_OPS.join(', ')}. ` +
      'Rebuild the model from these ops (in PyTorch: Linear, activations, LayerNorm, BatchNorm1d in eval mode, Flatten, Dropout) or export with do_constant_folding=True',
  );
}

// A graph input's declared dims: dim_value as a number, dim_param (or nothing) as null.
function inputInfo(i: Record<string, unknown>): OnnxInputInfo {
  const name = String(i.name);
  const tt = (i.type as { tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: number; dim_param?: string }[] } } } | undefined)?.tensor_type;
  if (!tt) throw new FormatError('importOnnx', `graph input '${name}' is not a tensor (a sequence or map); nn imports graphs whose inputs are float tensors`);
  const DT = onnx.DataType;
  const isInt = tt.elem_type === DT.INT32 || tt.elem_type === DT.INT64;
  if (tt.elem_type !== undefined && tt.elem_type !== DT.FLOAT && !isInt) {
    const typeName = Object.keys(DT).find((k) => DT[k] === tt.elem_type) ?? String(tt.elem_type);
    throw new FormatError('importOnnx', `graph input '${name}' is ${typeName}; nn imports graphs whose inputs are FLOAT (float32) values or INT32/INT64 indices — export with those`);
  }
  // int64 indices (torch's) are fed as int32 tensors, nn's integer type.
  const dtype = isInt ? 'int32' : 'float32';
  if (!tt.shape) return { name, dtype, dims: null };
  const dims = (tt.shape.dim ?? []).map((d) => (d.dim_value !== undefined && d.dim_param === undefined ? Number(d.dim_value) : null));
  return { name, dtype, dims };
}
