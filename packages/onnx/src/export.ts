import { ArgumentError, Tensor, checkOptions, isBoolean, numberIn, showValue, type OptionRule } from '@nn/core';
import type { Module } from '@nn/layers';
import { encodeModel, onnx } from './proto.js';
import { convertModule } from './export/converters.js';
import { GraphBuilder, type Value } from './export/graph-builder.js';

/** Options of `exportOnnx`, as `torch.onnx.export`'s keyword arguments. */
export interface ExportOnnxOptions {
  /** The ONNX operator set the graph is written for: 17 (the default; LayerNormalization's first) to 21. */
  opset?: number;
  /** The graph input's name, one entry (default ['input']). */
  inputNames?: readonly string[];
  /** The graph output's name, one entry (default ['output']). */
  outputNames?: readonly string[];
  /** Give dim 0 of the input and output dim_param 'batch', so any batch size runs (default true); a 1-D float input has no batch dim. */
  dynamicBatch?: boolean;
}

/** A module that writes its own ONNX model (the import side's OnnxModule does): exportOnnx hands it the checked options. */
export interface OnnxExportable {
  /** The plain ModelProto object (field names as in onnx.proto), or a promise of it. */
  toOnnxModel(options: Required<ExportOnnxOptions>): Record<string, unknown> | Promise<Record<string, unknown>>;
}

/** The opsets exportOnnx writes: 17 has LayerNormalization; 20 adds Gelu; 21 is the newest ONNX Runtime 1.30 runs with IR 10. */
export const OPSET_MIN = 17;
/** The newest opset exportOnnx writes. */
export const OPSET_MAX = 21;

const isNameList: OptionRule = {
  accepts: 'an array of one non-empty string (the model has one input and one output), e.g. [\'input\']',
  ok: (v) => Array.isArray(v) && v.length === 1 && typeof v[0] === 'string' && v[0].length > 0,
};

// The IR version each opset needs (onnx's VERSION_TABLE): 8 up to opset 18, 9 for 19 and 20, 10 for 21.
const irVersionFor = (opset: number): number => (opset <= 18 ? 8 : opset <= 20 ? 9 : 10);

/**
 * The bytes of an ONNX model computing `module.forward` in eval mode, as `torch.onnx.export`: parameters
 * become initializers named by their state-dict keys (`0.weight`), `exampleInput` fixes the shapes (dim 0
 * stays dynamic with `dynamicBatch`). Async because parameters are read with `await t.data()`, so a model on
 * any device (WebGPU included) exports. A module with a `toOnnxModel(options)` method writes its own model.
 */
export async function exportOnnx(module: Module, exampleInput: Tensor, options: ExportOnnxOptions = {}): Promise<Uint8Array> {
  checkOptions('exportOnnx', options, { opset: numberIn(OPSET_MIN, OPSET_MAX, true), inputNames: isNameList, outputNames: isNameList, dynamicBatch: isBoolean });
  if (typeof module !== 'object' || module === null || typeof (module as { forward?: unknown }).forward !== 'function') {
    throw new ArgumentError('exportOnnx', `expected a Module (e.g. a Sequential) first, got ${showValue(module)}; e.g. await exportOnnx(model, x)`);
  }
  const opts: Required<ExportOnnxOptions> = {
    opset: options.opset ?? OPSET_MIN,
    inputNames: options.inputNames ?? ['input'],
    outputNames: options.outputNames ?? ['output'],
    dynamicBatch: options.dynamicBatch ?? true,
  };
  const own = (module as Partial<OnnxExportable>).toOnnxModel;
  if (typeof own === 'function') return encodeModel(await own.call(module, opts));
  if (!(exampleInput instanceof Tensor)) {
    throw new ArgumentError('exportOnnx', `exampleInput must be a Tensor shaped as the model's input (its shape and dtype fix the graph's), got ${showValue(exampleInput)}; e.g. randn([1, 64])`);
  }
  if (exampleInput.dtype !== 'float32' && exampleInput.dtype !== 'int32') {
    throw new ArgumentError('exportOnnx', `exampleInput is ${exampleInput.dtype}; an exported model takes float32 values or int32 indices (Embedding)`);
  }
  const g = new GraphBuilder();
  const input: Value = {
    name: opts.inputNames[0]!,
    shape: exampleInput.shape,
    // Dim 0 of a 1-D float input is Linear's features, not a batch; int32 indices [N] are a batch.
    batch: exampleInput.shape.length >= 2 || (exampleInput.shape.length === 1 && exampleInput.dtype === 'int32') ? 'dim0' : 'none',
    elemType: exampleInput.dtype === 'int32' ? onnx.DataType.INT32 : onnx.DataType.FLOAT,
  };
  if (opts.inputNames[0] === opts.outputNames[0]) {
    throw new ArgumentError('exportOnnx', `inputNames and outputNames are both ['${opts.inputNames[0]!}']; an ONNX graph's values need distinct names — e.g. { inputNames: ['input'], outputNames: ['output'] }`);
  }
  const out = convertModule(module, input, { path: '', g, opset: opts.opset });
  checkNameFree(g, 'inputNames', input.name, null);
  checkNameFree(g, 'outputNames', opts.outputNames[0]!, out.name);
  const output = { ...out, name: opts.outputNames[0]! };
  // The last node writes the output name; a graph that computes nothing (Dropout alone) gets an Identity.
  if (out.name === input.name || !g.renameOutput(out.name, output.name)) g.nodes.push({ input: [out.name], output: [output.name], name: '/Identity', op_type: 'Identity' });
  return encodeModel({
    ir_version: irVersionFor(opts.opset),
    opset_import: [{ domain: '', version: opts.opset }],
    producer_name: 'nn',
    graph: {
      name: 'main_graph',
      node: g.nodes,
      initializer: await g.initializerProtos(),
      input: [valueInfo(input, opts.dynamicBatch)],
      output: [valueInfo(output, opts.dynamicBatch)],
    },
  });
}

// Inputs, outputs, initializers and node outputs share one namespace: a clash is a file ONNX Runtime refuses
// ("Duplicate definition"), or, for an input named as an initializer, one where the input replaces the weight.
// `own` is the value the name goes to (the last node's output), which is no clash.
function checkNameFree(g: GraphBuilder, option: string, name: string, own: string | null): void {
  if (name === own) return;
  const kind = g.valueKind(name);
  if (kind === null) return;
  const what = kind === 'parameter' ? `the parameter ${name}` : "a node's output";
  throw new ArgumentError('exportOnnx', `${option} ['${name}'] is already the name of ${what} in the graph; pick a name that is not a state-dict key or a '/path/Op_output_0' value, e.g. ['${option === 'inputNames' ? 'input' : 'output'}']`);
}

// A graph input or output: element type and shape, dim 0 named 'batch' when it is the dynamic batch dim
// (and left unnamed when the batch was merged into it: its size is the batch times the rest).
function valueInfo(v: Value, dynamicBatch: boolean): Record<string, unknown> {
  const dim0 = (n: number): Record<string, unknown> => (!dynamicBatch || v.batch === 'none' ? { dim_value: n } : v.batch === 'dim0' ? { dim_param: 'batch' } : {});
  const dim = v.shape.map((n, i) => (i === 0 ? dim0(n) : { dim_value: n }));
  return { name: v.name, type: { tensor_type: { elem_type: v.elemType, shape: { dim } } } };
}
