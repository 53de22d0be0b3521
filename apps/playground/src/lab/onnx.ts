import { matmulT, noGrad, scope, ShapeError, zeros, type Device, type Tensor } from '@nn/core';
import { GELU, LeakyReLU, ReLU, Sigmoid, Tanh, type Module } from '@nn/layers';
import { decodeModel, exportOnnx, importOnnx } from '@nn/onnx';
import type { LabLinear, LabNet } from './net.js';

// The lab's nets in and out as .onnx files. Export writes opset 20, the first
// where GELU is one Gelu node, so every net the lab builds reads back as a plain
// Gemm/activation chain. Import trains the OnnxModule itself; where its graph is
// such a chain, the lab also reads each Gemm as a Linear (the same parameter
// tensors), so it can draw and measure every unit as for a net it built.

/** The opset the lab writes: 20 keeps GELU one node (17 spells it out with Erf). */
export const LAB_OPSET = 20;

type Attr = { name?: string; f?: number; i?: number; s?: Uint8Array };
type OnnxNode = { op_type?: string; input?: string[]; output?: string[]; attribute?: Attr[] };

/** An imported model, ready to train: the net, whether it is a chain, and what the page says about it. */
export interface ImportedNet {
  net: LabNet;
  /** True when the graph is Gemm, activation, …, Gemm: every unit can be drawn. */
  chain: boolean;
  /** The graph's ops in order, e.g. `Gemm, Relu, Gemm`. */
  ops: string;
  /** Why the graph is not a chain (empty when it is). */
  why: string;
}

/** The bytes of an .onnx file of the lab's net (input [batch, 2] → logit [batch, 1]). */
export function exportLabNet(net: LabNet, device: Device): Promise<Uint8Array> {
  const example = zeros([1, 2], { device });
  return exportOnnx(net.model, example, { opset: LAB_OPSET }).finally(() => example.dispose());
}

/**
 * Import an .onnx file as the lab's net on `device`: one input [batch, 2] and
 * one output [batch, 1] (a logit), or a ShapeError naming the sizes found.
 * importOnnx's own errors (not ONNX, an op it does not read) pass through.
 */
export function importLabNet(bytes: Uint8Array, device: Device): ImportedNet {
  const model = importOnnx(bytes, { device });
  try {
    checkSizes(model, device);
  } catch (e) {
    model.dispose();
    throw e;
  }
  const graph = decodeModel(bytes).graph as { node?: OnnxNode[]; input?: { name?: string }[]; output?: { name?: string }[] };
  const nodes = graph.node ?? [];
  const ops = nodes.map((n) => n.op_type ?? '?').join(', ');
  const chain = readChain(model, nodes, model.inputs[0]!.name, model.outputNames[0]!);
  if (typeof chain === 'string') return { net: { model, linears: [], activations: [], hidden: [] }, chain: false, ops, why: chain };
  return { net: { model, ...chain }, chain: true, ops, why: '' };
}

function checkSizes(model: ReturnType<typeof importOnnx>, device: Device): void {
  const shown = (d: readonly (number | null)[] | null): string => (d ? `[${d.map((v) => v ?? 'batch').join(', ')}]` : 'unknown');
  if (model.inputs.length !== 1 || model.outputNames.length !== 1) {
    throw new ShapeError('lab import', `the lab's net takes one input [batch, 2] and gives one output [batch, 1]; this model has ${model.inputs.length} inputs (${model.inputs.map((i) => i.name).join(', ')}) and ${model.outputNames.length} outputs — export a model of the plane's 2 coordinates to 1 logit`);
  }
  const dims = model.inputs[0]!.dims;
  if (model.inputs[0]!.dtype !== 'float32' || (dims && (dims.length !== 2 || (dims[1] !== null && dims[1] !== 2)))) {
    throw new ShapeError('lab import', `the lab's net takes input [batch, 2] (x and y of a point), but this model's input '${model.inputs[0]!.name}' is ${model.inputs[0]!.dtype} ${shown(dims)} — export a model of 2 features to 1 logit`);
  }
  // The output's size is what a point gives (files need not declare it).
  const out = noGrad(() => scope(() => model.forward(zeros([1, 2], { device })).shape));
  if (out.length !== 2 || out[1] !== 1) {
    throw new ShapeError('lab import', `the lab's net gives one logit per point, output [batch, 1], but this model maps [1, 2] to [${out.join(', ')}] — export a binary classifier with one output (its logit)`);
  }
}

const str = (a: Attr | undefined): string => (a?.s ? new TextDecoder().decode(a.s) : '');

/** The activation module computing an ONNX activation node, or null for any other op. */
function activationOf(n: OnnxNode): Module | null {
  const attr = (name: string): Attr | undefined => n.attribute?.find((a) => a.name === name);
  switch (n.op_type) {
    case 'Relu':
      return new ReLU();
    case 'Tanh':
      return new Tanh();
    case 'Sigmoid':
      return new Sigmoid();
    case 'LeakyRelu':
      return new LeakyReLU(attr('alpha')?.f ?? 0.01);
    case 'Gelu':
      return new GELU({ approximate: str(attr('approximate')) === 'tanh' ? 'tanh' : 'none' });
    default:
      return null;
  }
}

/** Gemm, activation, …, Gemm from the input to the output, as Linear views; a sentence when it is not. */
function readChain(model: ReturnType<typeof importOnnx>, nodes: OnnxNode[], input: string, output: string): Omit<LabNet, 'model'> | string {
  const keys = model.initializerKeys();
  const params = new Map(model.namedParameters());
  const param = (name: string | undefined): Tensor | undefined => (name === undefined ? undefined : params.get(keys.get(name) ?? name));
  const linears: LabLinear[] = [];
  const activations: Module[] = [];
  const widths = [2];
  let cur = input;
  for (let i = 0; i < nodes.length; ) {
    const g = nodes[i]!;
    const attr = (name: string): Attr | undefined => g.attribute?.find((a) => a.name === name);
    const w = param(g.input?.[1]);
    const b = param(g.input?.[2]);
    if (g.op_type !== 'Gemm' || g.input?.[0] !== cur) return `node ${i} is ${g.op_type} where a Gemm of '${cur}' would be`;
    if (!w || !b || w.shape.length !== 2 || (attr('transB')?.i ?? 0) !== 1 || (attr('transA')?.i ?? 0) !== 0 || (attr('alpha')?.f ?? 1) !== 1 || (attr('beta')?.f ?? 1) !== 1) {
      return `Gemm node ${i} is not a Linear layer (x·Wᵀ + b with trained W and b)`;
    }
    if (w.shape[1] !== widths.at(-1) || b.shape.join() !== String(w.shape[0])) return `Gemm node ${i}'s weight ${JSON.stringify(w.shape)} does not follow width ${widths.at(-1)}`;
    widths.push(w.shape[0]!);
    linears.push({ weight: w, bias: b, forward: (x) => matmulT(x, w, false, true).add(b) });
    cur = g.output![0]!;
    i++;
    if (i === nodes.length) break;
    const act = activationOf(nodes[i]!);
    if (!act || nodes[i]!.input?.[0] !== cur) return `node ${i} is ${nodes[i]!.op_type}, not an activation (Relu, Tanh, Sigmoid, LeakyRelu, Gelu) of the Gemm before it`;
    activations.push(act);
    cur = nodes[i]!.output![0]!;
    i++;
  }
  if (cur !== output || linears.length === 0 || activations.length !== linears.length - 1) return 'the graph does not end in a Gemm giving the output';
  return { linears, activations, hidden: widths.slice(1, -1) };
}
