import {
  FormatError, ShapeError, abs, cat, compare, erf, exp, fmtShape, gelu, indexSelect, leakyRelu, log, logSoftmax, matmul, neg, permute, reciprocal, relu, sigmoid, softmax, sqrt, tanh, where,
  type Tensor,
} from '@nn/core';
import type { Attributes } from './attributes.js';
import { intsArg, isInts, tensorArg, type Ints, type Value } from './values.js';

/** What one node's kernel sees: its inputs (undefined where the file leaves an optional one out), attributes and the model's opset. */
export interface OpContext {
  /** Names the node for errors: `node '/fc1/Gemm' (Gemm)`. */
  readonly where: string;
  readonly inputs: readonly (Value | undefined)[];
  readonly attrs: Attributes;
  /** The default domain's opset version (Softmax's axis rule changed at 13). */
  readonly opset: number;
  /** How many outputs the node names (optional extra outputs such as Dropout's mask are refused). */
  readonly outputs: number;
}

/** One ONNX op run with @nn/core tensor ops (autograd records them, so an imported graph trains). */
export type OpKernel = (ctx: OpContext) => Value[];

const x0 = (c: OpContext): Tensor => tensorArg(c.inputs[0], c.where, '0');

const unary = (f: (x: Tensor) => Tensor): OpKernel => (c) => [f(x0(c))];

// Elementwise with numpy broadcasting on tensors; on host integers (shape arithmetic) computed as numbers.
const binary = (f: (a: Tensor, b: Tensor) => Tensor, g: (a: number, b: number) => number): OpKernel => (c) => {
  const [a, b] = c.inputs;
  if (a !== undefined && b !== undefined && isInts(a) && isInts(b)) return [intsBinary(a, b, g, c.where)];
  return [f(tensorArg(a, c.where, '0 (A)'), tensorArg(b, c.where, '1 (B)'))];
};

function intsBinary(a: Ints, b: Ints, g: (a: number, b: number) => number, where: string): Ints {
  if (a.ints.length === 1 || b.ints.length === 1 || a.ints.length === b.ints.length) {
    const n = Math.max(a.ints.length, b.ints.length);
    const at = (v: Ints, i: number): number => v.ints[v.ints.length === 1 ? 0 : i]!;
    return { ints: Array.from({ length: n }, (_, i) => g(at(a, i), at(b, i))), dims: a.dims.length >= b.dims.length ? a.dims : b.dims };
  }
  throw new ShapeError('importOnnx', `${where}: integer operands of ${a.ints.length} and ${b.ints.length} values do not broadcast; the file is malformed`);
}

// A possibly negative axis against `rank` (ONNX allows [-rank, rank - 1]).
function axisOf(axis: number, rank: number, where: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ShapeError('importOnnx', `${where}: axis ${axis} is out of range for a ${rank}-D input; the file does not fit this input`);
  return a;
}

const prod = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

// Softmax and LogSoftmax: from opset 13 along one axis (default -1); before, over the input flattened to 2-D at axis (default 1).
const softmaxLike = (f: (x: Tensor, dim: number) => Tensor): OpKernel => (c) => {
  const x = x0(c);
  if (c.opset >= 13) return [f(x, axisOf(c.attrs.int('axis', -1), x.ndim, c.where))];
  const axis = axisOf(c.attrs.int('axis', 1), x.ndim, c.where);
  const flat = x.reshape([prod(x.shape.slice(0, axis)), prod(x.shape.slice(axis))]);
  return [f(flat, 1).reshape(x.shape)];
};

// Y = alpha·A'·B' + beta·C, A' and B' transposed when transA/transB (views: matmul reads them in place).
const gemm: OpKernel = (c) => {
  let a = tensorArg(c.inputs[0], c.where, '0 (A)');
  let b = tensorArg(c.inputs[1], c.where, '1 (B)');
  if (a.ndim !== 2 || b.ndim !== 2) throw new ShapeError('importOnnx', `${c.where}: Gemm multiplies 2-D matrices, got A ${fmtShape(a.shape)} and B ${fmtShape(b.shape)}; flatten the input to [N, features] first`);
  if (c.attrs.int('transA', 0)) a = a.t();
  if (c.attrs.int('transB', 0)) b = b.t();
  if (a.shape[1] !== b.shape[0]) {
    throw new ShapeError('importOnnx', `${c.where}: A' ${fmtShape(a.shape)} and B' ${fmtShape(b.shape)} do not multiply (${a.shape[1]} ≠ ${b.shape[0]}); the input has the wrong number of features for this model`);
  }
  const alpha = c.attrs.float('alpha', 1);
  const beta = c.attrs.float('beta', 1);
  let y = matmul(a, b);
  if (alpha !== 1) y = y.mul(alpha);
  const bias = c.inputs[2];
  if (bias === undefined || beta === 0) return [y];
  const cTensor = tensorArg(bias, c.where, '2 (C)');
  return [y.add(beta === 1 ? cTensor : cTensor.mul(beta))];
};

// (x − mean)/√(var + ε)·scale + B over the dims from `axis` on, with the biased variance, as torch's LayerNorm.
const layerNormalization: OpKernel = (c) => {
  const x = x0(c);
  const axis = axisOf(c.attrs.int('axis', -1), x.ndim, c.where);
  const dims = x.shape.slice(axis).map((_, i) => axis + i);
  const eps = c.attrs.float('epsilon', 1e-5);
  // Two passes, as @nn/layers' LayerNorm: the float32 mean is off at the scale of the values (mean 100,
  // spread 1), and the mean of x − mean, taken at the spread's scale, removes that error.
  const rough = x.mean(dims, true);
  const d = x.sub(rough);
  const error = d.mean(dims, true);
  const centered = d.sub(error);
  const mean = rough.add(error);
  const invStd = centered.mul(centered).mean(dims, true).add(eps).rsqrt();
  let y = centered.mul(invStd).mul(tensorArg(c.inputs[1], c.where, '1 (Scale)'));
  if (c.inputs[2] !== undefined) y = y.add(tensorArg(c.inputs[2], c.where, '2 (B)'));
  // The optional Mean and InvStdDev outputs, for graphs that name them.
  return [y, mean, invStd];
};

// Inference BatchNormalization: (x − running_mean)/√(running_var + ε)·scale + B per channel (dim 1).
const batchNormalization: OpKernel = (c) => {
  if (c.attrs.int('training_mode', 0) !== 0 || c.outputs > 1) {
    throw new FormatError('importOnnx', `${c.where}: BatchNormalization in training mode (training_mode=1 or running-statistics outputs) is not supported; export the PyTorch model after model.eval()`);
  }
  const x = x0(c);
  if (x.ndim < 2) throw new ShapeError('importOnnx', `${c.where}: BatchNormalization needs an [N, C, …] input, got ${fmtShape(x.shape)}`);
  const shape = x.shape.map((d, i) => (i === 1 ? d : 1));
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => tensorArg(c.inputs[i], c.where, String(i)).reshape(shape));
  const eps = c.attrs.float('epsilon', 1e-5);
  return [x.sub(mean!).mul(variance!.add(eps).rsqrt()).mul(scale!).add(bias!)];
};

// Gelu (opset 20, what exportOnnx writes from opset 20): exact with erf, or the tanh form, as core's gelu.
const geluOp: OpKernel = (c) => {
  const approximate = c.attrs.string('approximate', 'none');
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new FormatError('importOnnx', `${c.where}: Gelu's approximate is '${approximate}'; ONNX defines 'none' and 'tanh' — the file is malformed`);
  }
  return [gelu(x0(c), { approximate })];
};

// Inference Dropout is the identity (torch drops the node when exporting in eval mode; other exporters keep it).
const dropout: OpKernel = (c) => {
  const training = c.inputs[2];
  if (c.outputs > 1 || (training !== undefined && isInts(training) && training.ints.some((v) => v !== 0))) {
    throw new FormatError('importOnnx', `${c.where}: Dropout in training mode (a training_mode input of true, or a mask output) is not supported; export the model after model.eval()`);
  }
  return [x0(c)];
};

const flattenOp: OpKernel = (c) => {
  const x = x0(c);
  const axis = c.attrs.int('axis', 1);
  const a = axis < 0 ? axis + x.ndim : axis;
  if (a < 0 || a > x.ndim) throw new ShapeError('importOnnx', `${c.where}: axis ${axis} is out of range for ${fmtShape(x.shape)}`);
  return [x.reshape([prod(x.shape.slice(0, a)), prod(x.shape.slice(a))])];
};

const reshapeOp: OpKernel = (c) => {
  const x = x0(c);
  const target = intsArg(c.inputs[1], c.where, '1 (shape)').ints;
  // 0 copies the input's size at that dim unless allowzero (opset 14) says a 0 is a 0.
  const allowZero = c.attrs.int('allowzero', 0) !== 0;
  const shape = target.map((d, i) => {
    if (d !== 0 || allowZero) return d;
    if (i >= x.ndim) {
      throw new FormatError('importOnnx', `${c.where}: shape [${target.join(', ')}] has 0 at dim ${i} (copy the input's size there), but the input has shape [${x.shape.join(', ')}] (${x.ndim} dims); the file is malformed, export it again`);
    }
    return x.shape[i]!;
  });
  return [x.reshape(shape)];
};

const transposeOp: OpKernel = (c) => {
  const x = x0(c);
  const perm = c.attrs.ints('perm', undefined) ?? x.shape.map((_, i) => x.ndim - 1 - i);
  return [permute(x, perm)];
};

// Shape of a tensor as host integers (opset 15's start/end select a range of dims).
const shapeOp: OpKernel = (c) => {
  const x = x0(c);
  const clampDim = (d: number): number => Math.min(Math.max(d < 0 ? d + x.ndim : d, 0), x.ndim);
  const dims = x.shape.slice(clampDim(c.attrs.int('start', 0)), clampDim(c.attrs.int('end', x.ndim)));
  return [{ ints: dims, dims: [dims.length] }];
};

// Gather along axis: on host integers (a size picked out of a Shape), or rows of a float tensor by
// indices (an Embedding's lookup: indexSelect, so the weight's gradient is a scatter-add).
const gatherOp: OpKernel = (c) => {
  const data = c.inputs[0];
  const index = c.inputs[1];
  if (data !== undefined && isInts(data)) {
    const idx = intsArg(index, c.where, '1 (indices)');
    if (data.dims.length !== 1 || c.attrs.int('axis', 0) !== 0) throw new FormatError('importOnnx', `${c.where}: Gather on integers is supported along axis 0 of a 1-D list, got dims [${data.dims.join(', ')}]`);
    const n = data.ints.length;
    return [{ ints: idx.ints.map((i) => data.ints[i < 0 ? i + n : i]!), dims: idx.dims }];
  }
  const x = x0(c);
  const axis = axisOf(c.attrs.int('axis', 0), x.ndim, c.where);
  const n = x.shape[axis]!;
  let picked: Tensor;
  let indexDims: readonly number[];
  if (index !== undefined && isInts(index)) {
    picked = indexSelect(x, axis, index.ints.map((i) => (i < 0 ? i + n : i)));
    indexDims = index.dims;
  } else {
    const idx = tensorArg(index, c.where, '1 (indices)');
    if (idx.dtype !== 'int32') throw new FormatError('importOnnx', `${c.where}: indices ${idx.describe()} must be int32; pass integer indices as an int32 tensor`);
    // ONNX counts a negative index from the end (indexSelect, as PyTorch, refuses it): i + n where i < 0.
    const flat = idx.reshape([idx.size]);
    picked = indexSelect(x, axis, where(compare('lt', flat, 0), flat.add(n), flat));
    indexDims = idx.shape;
  }
  return [picked.reshape([...x.shape.slice(0, axis), ...indexDims, ...x.shape.slice(axis + 1)])];
};

// Axes from the second input (opset 13) or the attribute (before).
const axesOf = (c: OpContext): number[] | undefined => (c.inputs[1] !== undefined ? [...intsArg(c.inputs[1], c.where, '1 (axes)').ints] : c.attrs.ints('axes', undefined));

// ReduceMean (torch writes it for LayerNorm below opset 17): axes as an attribute, or an input from opset 18;
// none means every dim, or the input itself with noop_with_empty_axes; keepdims defaults to 1.
const reduceMeanOp: OpKernel = (c) => {
  const x = x0(c);
  const axes = axesOf(c) ?? [];
  if (axes.length === 0 && c.attrs.int('noop_with_empty_axes', 0) !== 0) return [x];
  const dims = axes.length === 0 ? x.shape.map((_, i) => i) : [...new Set(axes.map((a) => axisOf(a, x.ndim, c.where)))];
  return [x.mean(dims, c.attrs.int('keepdims', 1) !== 0)];
};

const unsqueezeOp: OpKernel = (c) => {
  const v = c.inputs[0];
  const axes = axesOf(c);
  if (!axes) throw new FormatError('importOnnx', `${c.where}: Unsqueeze needs axes; the file is malformed`);
  const rank = (v !== undefined && isInts(v) ? v.dims.length : x0(c).ndim) + axes.length;
  const sorted = axes.map((a) => axisOf(a, rank, c.where)).sort((a, b) => a - b);
  if (v !== undefined && isInts(v)) {
    const dims = [...v.dims];
    for (const a of sorted) dims.splice(a, 0, 1);
    return [{ ints: v.ints, dims }];
  }
  let x = x0(c);
  for (const a of sorted) x = x.unsqueeze(a);
  return [x];
};

const squeezeOp: OpKernel = (c) => {
  const v = c.inputs[0];
  const dimsIn = v !== undefined && isInts(v) ? v.dims : x0(c).shape;
  const axes = (axesOf(c) ?? dimsIn.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => axisOf(a, dimsIn.length, c.where));
  const dims = dimsIn.filter((_, i) => !axes.includes(i));
  if (v !== undefined && isInts(v)) return [{ ints: v.ints, dims }];
  return [x0(c).reshape(dims)];
};

const concatOp: OpKernel = (c) => {
  const parts = c.inputs.filter((v): v is Value => v !== undefined);
  if (parts.every(isInts)) return [{ ints: parts.flatMap((p) => p.ints), dims: [parts.reduce((n, p) => n + p.ints.length, 0)] }];
  const tensors = parts.map((p, i) => tensorArg(p, c.where, String(i)));
  return [cat(tensors, axisOf(c.attrs.int('axis', 0), tensors[0]!.ndim, c.where))];
};

/** Every op nn imports but Constant (which the graph module evaluates once, when it is built). */
export const OPS: Readonly<Record<string, OpKernel>> = {
  Gemm: gemm,
  MatMul: (c) => [matmul(tensorArg(c.inputs[0], c.where, '0 (A)'), tensorArg(c.inputs[1], c.where, '1 (B)'))],
  Add: binary((a, b) => a.add(b), (a, b) => a + b),
  Sub: binary((a, b) => a.sub(b), (a, b) => a - b),
  Mul: binary((a, b) => a.mul(b), (a, b) => a * b),
  // Integer Div truncates toward zero, as ONNX Runtime's.
  Div: binary((a, b) => a.div(b), (a, b) => Math.trunc(a / b)),
  Pow: (c) => [x0(c).pow(tensorArg(c.inputs[1], c.where, '1 (Y)'))],
  Relu: unary(relu),
  Tanh: unary(tanh),
  Sigmoid: unary(sigmoid),
  Erf: unary(erf),
  Gelu: geluOp,
  Exp: unary(exp),
  Log: unary(log),
  Sqrt: unary(sqrt),
  Abs: unary(abs),
  Neg: unary(neg),
  Reciprocal: unary(reciprocal),
  LeakyRelu: (c) => [leakyRelu(x0(c), c.attrs.float('alpha', 0.01))],
  Softmax: softmaxLike(softmax),
  LogSoftmax: softmaxLike(logSoftmax),
  Flatten: flattenOp,
  Reshape: reshapeOp,
  Transpose: transposeOp,
  LayerNormalization: layerNormalization,
  BatchNormalization: batchNormalization,
  Identity: (c) => { const v = c.inputs[0]; return [v !== undefined && isInts(v) ? v : x0(c)]; },
  Dropout: dropout,
  ReduceMean: reduceMeanOp,
  Shape: shapeOp,
  Gather: gatherOp,
  Unsqueeze: unsqueezeOp,
  Squeeze: squeezeOp,
  Concat: concatOp,
};

/** The op types importOnnx reads, sorted (Constant included). */
export const SUPPORTED_OPS: readonly string[] = [...Object.keys(OPS), 'Constant'].sort();
