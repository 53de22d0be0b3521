import { DTypeError, FormatError, ShapeError, StateError, fmtShape } from '@nn/core';
import {
  BatchNorm1d, Dropout, Embedding, Flatten, GELU, LayerNorm, LeakyReLU, Linear, LogSoftmax, ReLU, Sequential, Sigmoid, Softmax, Tanh,
  type Module,
} from '@nn/layers';
import { onnx } from '../proto.js';
import { floatAttr, intAttr, intsAttr, type GraphBuilder, type Value } from './graph-builder.js';

/** Where a module sits: its state-dict prefix (`1.0.`) and the builder writing the graph. */
export interface Site {
  /** Dotted path of the module in the model ('' for the top module). */
  path: string;
  /** The graph being written. */
  g: GraphBuilder;
  /** The opset the graph is written for. */
  opset: number;
}

type Converter<M extends Module> = (m: M, x: Value, site: Site) => Value;

// Node names are the path with '/' (PyTorch's '/0/Gemm'); initializer names the dotted state-dict key.
const nodePath = (site: Site): string => (site.path === '' ? '' : `/${site.path.replace(/\./g, '/')}`);
const key = (site: Site, name: string): string => (site.path === '' ? name : `${site.path}.${name}`);
const FLOAT = (): number => onnx.DataType.FLOAT;

// One elementwise node: same shape out.
function unary(op: string, x: Value, site: Site, attrs = [] as ReturnType<typeof floatAttr>[]): Value {
  return { ...x, name: site.g.node(nodePath(site), op, [x.name], attrs)[0]!, elemType: FLOAT() };
}

function checkFloat(what: string, x: Value, site: Site): void {
  if (x.elemType !== FLOAT()) {
    throw new DTypeError('exportOnnx', `${describeSite(site, what)} gets an int32 input ${fmtShape(x.shape)}; it works on float32 values — feed it floats (an Embedding gives them)`);
  }
}

// The dim `dim` (negative from the end) of a rank-r value, checked as the layer's forward would.
function normDim(what: string, dim: number, x: Value, site: Site): number {
  const r = x.shape.length;
  if (dim < -r || dim >= r || r === 0) {
    throw new ShapeError('exportOnnx', `${describeSite(site, what)}: dim ${dim} is outside the ${r}-D input ${fmtShape(x.shape)}; dims run from ${-r} to ${r - 1}`);
  }
  return dim < 0 ? dim + r : dim;
}

const linear: Converter<Linear> = (m, x, site) => {
  checkFloat('Linear', x, site);
  const r = x.shape.length;
  if (r === 0 || x.shape[r - 1] !== m.inFeatures) {
    throw new ShapeError('exportOnnx', `${describeSite(site, 'Linear')} maps [..., ${m.inFeatures}] to [..., ${m.outFeatures}], but its input is ${fmtShape(x.shape)}; check the example input's shape and the layers before it`);
  }
  const p = nodePath(site);
  const w = site.g.initializer(key(site, 'weight'), m.weight);
  const b = m.bias ? site.g.initializer(key(site, 'bias'), m.bias) : null;
  const shape = [...x.shape.slice(0, -1), m.outFeatures];
  // A 1-D input's only dim is the features, consumed here.
  const batch = r >= 2 ? x.batch : 'none';
  // Gemm for [N, in], as PyTorch exports it; Gemm is 2-D only, so MatMul with the weight transposed (+ Add) otherwise.
  if (r === 2) return { name: site.g.node(p, 'Gemm', b ? [x.name, w, b] : [x.name, w], [intAttr('transB', 1)])[0]!, shape, batch, elemType: FLOAT() };
  const wt = site.g.node(p, 'Transpose', [w], [intsAttr('perm', [1, 0])])[0]!;
  const mm = site.g.node(p, 'MatMul', [x.name, wt])[0]!;
  return { name: b ? site.g.node(p, 'Add', [mm, b])[0]! : mm, shape, batch, elemType: FLOAT() };
};

// Exact GELU x·½·(1 + erf(x/√2)) as PyTorch writes it below opset 20; Gelu itself from opset 20.
const gelu: Converter<GELU> = (m, x, site) => {
  checkFloat('GELU', x, site);
  if (site.opset >= 20) return unary('Gelu', x, site, [{ name: 'approximate', type: onnx.AttributeType.STRING, s: new TextEncoder().encode(m.approximate) }]);
  const p = nodePath(site);
  const g = site.g;
  const c = (v: number): string => g.constantFloat(p, [v]);
  let inner: string;
  if (m.approximate === 'tanh') {
    // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), the constants core's gelu uses.
    const x3 = g.node(p, 'Mul', [g.node(p, 'Mul', [x.name, x.name])[0]!, x.name])[0]!;
    const sum = g.node(p, 'Add', [x.name, g.node(p, 'Mul', [x3, c(0.044715)])[0]!])[0]!;
    inner = g.node(p, 'Tanh', [g.node(p, 'Mul', [sum, c(Math.SQRT2 * (2 / Math.sqrt(Math.PI)) * 0.5)])[0]!])[0]!;
  } else {
    inner = g.node(p, 'Erf', [g.node(p, 'Div', [x.name, c(Math.SQRT2)])[0]!])[0]!;
  }
  const onePlus = g.node(p, 'Add', [inner, c(1)])[0]!;
  const out = g.node(p, 'Mul', [g.node(p, 'Mul', [x.name, onePlus])[0]!, c(0.5)])[0]!;
  return { ...x, name: out };
};

function softmaxLike(op: 'Softmax' | 'LogSoftmax'): Converter<Softmax | LogSoftmax> {
  return (m, x, site) => {
    checkFloat(op, x, site);
    normDim(op, m.dim, x, site);
    return unary(op, x, site, [intAttr('axis', m.dim)]);
  };
}

// ONNX Flatten always gives 2-D [d0·…·d(axis−1), rest], which is nn's Flatten(1, -1) exactly; any other
// range is a Reshape whose leading dims are 0 (copy the input's, so the batch stays dynamic) and merged dim −1.
const flatten: Converter<Flatten> = (m, x, site) => {
  const r = x.shape.length;
  // A 0-d input flattens to [1], as core's flatten.
  const start = r === 0 ? 0 : normDim('Flatten', m.startDim, x, site);
  const end = r === 0 ? 0 : normDim('Flatten', m.endDim, x, site);
  if (start > end) throw new ShapeError('exportOnnx', `${describeSite(site, 'Flatten')}: startDim ${m.startDim} comes after endDim ${m.endDim} for the ${r}-D input ${fmtShape(x.shape)}`);
  const merged = x.shape.slice(start, end + 1).reduce((a, b) => a * b, 1);
  const shape = r === 0 ? [1] : [...x.shape.slice(0, start), merged, ...x.shape.slice(end + 1)];
  if (r !== 0 && start === end) return x;
  const p = nodePath(site);
  if (start === 1 && end === r - 1) return { ...x, name: site.g.node(p, 'Flatten', [x.name], [intAttr('axis', 1)])[0]!, shape };
  const target = r === 0 ? [1] : [...x.shape.slice(0, start).map(() => 0), -1, ...x.shape.slice(end + 1)];
  // Dim 0 is still the batch unless it was merged with others.
  const batch = x.batch === 'dim0' && start === 0 ? 'merged' : x.batch;
  return { ...x, name: site.g.node(p, 'Reshape', [x.name, site.g.constantInt64(p, target)])[0]!, shape, batch };
};

const layerNorm: Converter<LayerNorm> = (m, x, site) => {
  checkFloat('LayerNorm', x, site);
  const k = m.normalizedShape.length;
  const tail = x.shape.slice(x.shape.length - k);
  if (x.shape.length < k || tail.some((n, i) => n !== m.normalizedShape[i])) {
    throw new ShapeError('exportOnnx', `${describeSite(site, 'LayerNorm')} normalises over the last dims ${fmtShape(m.normalizedShape)}, but its input is ${fmtShape(x.shape)}`);
  }
  const p = nodePath(site);
  const size = m.normalizedShape.reduce((a, b) => a * b, 1);
  // LayerNormalization needs a scale; without elementwiseAffine it is a constant of ones.
  const scale = m.weight ? site.g.initializer(key(site, 'weight'), m.weight) : site.g.constantFloat(p, new Array<number>(size).fill(1), m.normalizedShape);
  const inputs = [x.name, scale, ...(m.bias ? [site.g.initializer(key(site, 'bias'), m.bias)] : [])];
  return { ...x, name: site.g.node(p, 'LayerNormalization', inputs, [intAttr('axis', -k), floatAttr('epsilon', m.eps)])[0]! };
};

// Eval-mode BatchNorm1d is an affine map per channel with the running statistics: BatchNormalization.
const batchNorm: Converter<BatchNorm1d> = (m, x, site) => {
  checkFloat('BatchNorm1d', x, site);
  if (m.training) {
    throw new StateError('exportOnnx', `${describeSite(site, 'BatchNorm1d')} is in training mode, where it normalises with each batch's statistics; call model.eval() before exportOnnx so it uses the running statistics, as the exported model will`);
  }
  const rm = m.runningMean;
  const rv = m.runningVar;
  if (!rm || !rv) {
    throw new FormatError('exportOnnx', `${describeSite(site, 'BatchNorm1d')} has trackRunningStats: false, so even in eval mode it normalises with each batch's statistics; exportOnnx writes BatchNormalization with running statistics only — build it with trackRunningStats: true and train it`);
  }
  if ((x.shape.length !== 2 && x.shape.length !== 3) || x.shape[1] !== m.numFeatures) {
    throw new ShapeError('exportOnnx', `${describeSite(site, 'BatchNorm1d')} expects [N, ${m.numFeatures}] or [N, ${m.numFeatures}, L], but its input is ${fmtShape(x.shape)}`);
  }
  const p = nodePath(site);
  const c = m.numFeatures;
  const scale = m.weight ? site.g.initializer(key(site, 'weight'), m.weight) : site.g.constantFloat(p, new Array<number>(c).fill(1), [c]);
  const bias = m.bias ? site.g.initializer(key(site, 'bias'), m.bias) : site.g.constantFloat(p, new Array<number>(c).fill(0), [c]);
  // ONNX's momentum weighs the running value (PyTorch's is the new batch's); only training reads it.
  const momentum = m.momentum === null ? [] : [floatAttr('momentum', 1 - m.momentum)];
  const inputs = [x.name, scale, bias, site.g.initializer(key(site, 'running_mean'), rm), site.g.initializer(key(site, 'running_var'), rv)];
  return { ...x, name: site.g.node(p, 'BatchNormalization', inputs, [floatAttr('epsilon', m.eps), ...momentum])[0]! };
};

// A row lookup: Gather(weight, indices) along axis 0; int32 indices are valid Gather indices.
const embedding: Converter<Embedding> = (m, x, site) => {
  if (x.elemType !== onnx.DataType.INT32) {
    throw new DTypeError('exportOnnx', `${describeSite(site, 'Embedding')} looks up rows by int32 indices, but its input is float32 ${fmtShape(x.shape)}; give exportOnnx an int32 example input (tensor(..., { dtype: 'int32' }))`);
  }
  const w = site.g.initializer(key(site, 'weight'), m.weight);
  const name = site.g.node(nodePath(site), 'Gather', [w, x.name], [intAttr('axis', 0)])[0]!;
  return { name, shape: [...x.shape, m.embeddingDim], batch: x.batch, elemType: FLOAT() };
};

const sequential: Converter<Sequential> = (m, x, site) => {
  let v = x;
  m.layers.forEach((layer, i) => {
    v = convertModule(layer, v, { ...site, path: site.path === '' ? String(i) : `${site.path}.${i}` });
  });
  return v;
};

// Each supported class by its name as written (a minifier renames classes), matched exactly: a subclass may
// override forward, so it is not exported as its parent.
const CONVERTERS = new Map<Function, [string, Converter<never>]>([
  [Linear, ['Linear', linear]],
  [ReLU, ['ReLU', (_m, x, site) => (checkFloat('ReLU', x, site), unary('Relu', x, site))]],
  [Tanh, ['Tanh', (_m, x, site) => (checkFloat('Tanh', x, site), unary('Tanh', x, site))]],
  [Sigmoid, ['Sigmoid', (_m, x, site) => (checkFloat('Sigmoid', x, site), unary('Sigmoid', x, site))]],
  [GELU, ['GELU', gelu]],
  [LeakyReLU, ['LeakyReLU', (m: LeakyReLU, x, site) => (checkFloat('LeakyReLU', x, site), unary('LeakyRelu', x, site, [floatAttr('alpha', m.negativeSlope)]))]],
  [Softmax, ['Softmax', softmaxLike('Softmax')]],
  [LogSoftmax, ['LogSoftmax', softmaxLike('LogSoftmax')]],
  [Flatten, ['Flatten', flatten]],
  [LayerNorm, ['LayerNorm', layerNorm]],
  [BatchNorm1d, ['BatchNorm1d', batchNorm]],
  // Identity in eval mode, which is what an exported model is for (PyTorch's export writes no node either).
  [Dropout, ['Dropout', (_m, x) => x]],
  [Embedding, ['Embedding', embedding]],
  [Sequential, ['Sequential', sequential]],
] as [Function, [string, Converter<never>]][]);

/** The class names exportOnnx writes, for messages and docs. */
export const SUPPORTED_MODULES = 'Linear, ReLU, Tanh, Sigmoid, GELU, LeakyReLU, Softmax, LogSoftmax, Flatten, LayerNorm, BatchNorm1d (eval mode), Dropout, Embedding and Sequential';

/** The module at `site` as its path and class for messages: `module 1.0 (Linear)`, or `the top module (Linear)`. */
export function describeSite(site: Site, className: string): string {
  return site.path === '' ? `the top module (${className})` : `module ${site.path} (${className})`;
}

/** Write `m`'s computation on `x` into the graph; returns its output value. */
export function convertModule(m: Module, x: Value, site: Site): Value {
  const known = CONVERTERS.get(m.constructor);
  if (known) return (known[1] as Converter<Module>)(m, x, site);
  const name = m.constructor.name || 'an anonymous class';
  const parent = [...CONVERTERS].find(([c]) => m instanceof c)?.[1][0];
  const why = parent ? ` (a subclass of ${parent} is not written as ${parent}: its forward may differ)` : '';
  throw new FormatError(
    'exportOnnx',
    `${describeSite(site, name)} has no ONNX counterpart${why}; exportOnnx writes ${SUPPORTED_MODULES}. ` +
      `Build the model from those, or give the top module a toOnnxModel(options) method returning the ModelProto object`,
  );
}
