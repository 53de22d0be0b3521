import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ArgumentError, DTypeError, FormatError, Generator, ShapeError, StateError, manualSeed, noGrad, registerBackend, scope, tensor, type Tensor } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { DataLoader, TensorDataset, digits } from '@nn/data';
import { Adam, CrossEntropyLoss } from '@nn/layers';
import { EXPORT_CASES, exportCaseInput } from './export-cases.js';
import { decodeModel, encodeModel, exportOnnx, importOnnx, onnx, OnnxModule } from './index.js';

registerBackend(createCpuBackend());
registerBackend(createCpuBackend({ device: 'cpu2' }));

const fixture = (name: string): Uint8Array => readFileSync(new URL(`../fixtures/torch/${name}`, import.meta.url));

interface Arr { name: string; shape: number[]; data: number[]; dtype?: 'float32' | 'int32' }
interface Case { ops: string[]; inputs: Arr[]; outputs: Arr[] }
const caseOf = (name: string): Case => JSON.parse(new TextDecoder().decode(fixture(`${name}.json`))) as Case;
const toTensor = (a: Arr): Tensor =>
  a.dtype === 'int32' ? tensor(Int32Array.from(a.data), { shape: a.shape, dtype: 'int32' }) : tensor(Float32Array.from(a.data), { shape: a.shape });

// Largest |got − want| / (1 + |want|).
function worstError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
  return worst;
}

// nn and torch both compute in float32 but sum in different orders (matmul, LayerNorm's mean): each op
// rounds by ≤ 6e-8 relative and the deepest graph (zoo) chains about 25 ops, so a few ulps (1e-7 measured,
// 7.7e-8 at worst) is expected; 2e-6 leaves room while a wrong op (a lost epsilon, running variance or
// transposition, a softmax over the wrong axis) is off by 1e-3 or more.
const TOL = 2e-6;

// Run a model in ONNX Runtime (the reference implementation of the format) on float32 values or int32 indices.
async function runOrt(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes);
  const feed = (t: Tensor): ort.Tensor =>
    t.dtype === 'int32' ? new ort.Tensor('int32', Int32Array.from(t.dataSync()), [...t.shape]) : new ort.Tensor('float32', Float32Array.from(t.dataSync()), [...t.shape]);
  const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, feed(t)]));
  const out = await session.run(ortFeeds);
  return session.outputNames.map((n) => out[n]!.data as Float32Array);
}

describe('importOnnx: models torch.onnx.export wrote (torch 1.13, opset 17)', () => {
  const expectedOps: Record<string, string[]> = {
    mlp: ['Gemm', 'Relu'],
    zoo: ['BatchNormalization', 'Div', 'Erf', 'Flatten', 'Gemm', 'LayerNormalization', 'LeakyRelu', 'LogSoftmax', 'Sigmoid', 'Softmax', 'Tanh'],
    matmul: ['Concat', 'Gather', 'MatMul', 'Reshape', 'Shape', 'Sqrt', 'Unsqueeze'],
    // torch's int64 indices come in as int32 tensors.
    embed: ['Gather', 'Flatten', 'Gemm'],
    digits_mlp: ['Gemm', 'Relu'],
  };
  for (const [name, ops] of Object.entries(expectedOps)) {
    it(`${name} gives torch's outputs`, () => {
      const c = caseOf(name);
      // The fixture exercises the ops it is meant to (a re-export that folded them away would show here).
      expect(c.ops).toEqual(expect.arrayContaining(ops));
      const m = importOnnx(fixture(`${name}.onnx`));
      const outs = m.forwardAll(...c.inputs.map(toTensor));
      expect(outs).toHaveLength(c.outputs.length);
      outs.forEach((o, k) => {
        expect(o.shape).toEqual(c.outputs[k]!.shape);
        expect(worstError(o.dataSync(), c.outputs[k]!.data)).toBeLessThan(TOL);
      });
      m.dispose();
    });
  }

  it('takes any batch size where the file has a dim_param, and checks the fixed dims', () => {
    const c = caseOf('mlp');
    const m = importOnnx(fixture('mlp.onnx'));
    expect(m.inputs).toEqual([{ name: 'x', dtype: 'float32', dims: [null, 5] }]);
    const x = toTensor(c.inputs[0]!);
    const want = c.outputs[0]!.data;
    // Rows 2..4 alone, and row 6 alone: the same rows of torch's batch-of-7 output.
    expect(worstError(m.forward(x.narrow(0, 2, 3)).dataSync(), want.slice(2 * 3, 5 * 3))).toBeLessThan(TOL);
    expect(worstError(m.forward(x.narrow(0, 6, 1)).dataSync(), want.slice(6 * 3, 7 * 3))).toBeLessThan(TOL);
    expect(() => m.forward(tensor(new Float32Array(12), { shape: [3, 4] }))).toThrow(ShapeError);
    expect(() => m.forward(tensor(new Float32Array(12), { shape: [3, 4] }))).toThrow(/input 'x' must be \[\?, 5\].*got \[3, 4\]/);
    expect(() => m.forward(x, x)).toThrow(StateError);
    expect(() => m.forward(x.int())).toThrow(DTypeError);
    // An int64 input (torch's indices) takes int32 tensors.
    expect(importOnnx(fixture('embed.onnx')).inputs).toEqual([{ name: 'ids', dtype: 'int32', dims: [null, 3] }]);
  });

  it("registers the initializers as parameters under PyTorch's state-dict keys, BatchNorm statistics as buffers", () => {
    const mlp = importOnnx(fixture('mlp.onnx'));
    expect(mlp.namedParameters().map(([k, p]) => [k, p.shape, p.requiresGrad])).toEqual([
      ['0.weight', [8, 5], true],
      ['0.bias', [8], true],
      ['2.weight', [3, 8], true],
      ['2.bias', [3], true],
    ]);
    const zoo = importOnnx(fixture('zoo.onnx'));
    expect(zoo.namedBuffers().map(([k]) => k)).toEqual(['bn.running_mean', 'bn.running_var']);
    expect(zoo.namedParameters().map(([k]) => k)).toContain('ln.weight');
    expect(zoo.namedParameters().map(([k]) => k)).not.toContain('bn.running_mean');
    // Gradients reach every parameter through every op, and never the buffers.
    const c = caseOf('zoo');
    scope(() => {
      const [probs, logprobs] = zoo.forwardAll(toTensor(c.inputs[0]!));
      probs!.mul(tensor([[1, -2, 3, 0.5, -1, 2]])).sum().add(logprobs!.sum()).backward();
    });
    for (const [k, p] of zoo.namedParameters()) {
      const g = p.grad!.dataSync();
      expect(g.some((v) => v !== 0), `${k} has a non-zero gradient`).toBe(true);
    }
    for (const b of zoo.buffers()) expect(b.grad).toBeNull();
    // A top-level initializer name (no dots) is a parameter of the module itself.
    expect(importOnnx(fixture('matmul.onnx')).initializerKeys()).toEqual(new Map([['w', 'w'], ['b', 'b']]));
  });

  it('initializer names that cannot nest as modules get flat keys, mapped back by initializerKeys()', () => {
    // 'a' is both a weight and the prefix of 'a.b'; 'x..y' has an empty part; 'p.q' nests.
    const names = ['a', 'a.b', 'x..y', 'p.q'];
    const bytes = handModel({
      inputs: [['x', [2]]],
      outputs: ['y'],
      initializers: names.map((name, i) => ({ name, dims: [2], data: [i + 1, -(i + 1)] })),
      nodes: [
        { op_type: 'Mul', input: ['x', 'a'], output: ['t0'] },
        { op_type: 'Add', input: ['t0', 'a.b'], output: ['t1'] },
        { op_type: 'Mul', input: ['t1', 'x..y'], output: ['t2'] },
        { op_type: 'Sub', input: ['t2', 'p.q'], output: ['y'] },
      ],
    });
    const m = importOnnx(bytes);
    expect(m.initializerKeys()).toEqual(new Map([['a', 'a_2'], ['a.b', 'a_b'], ['x..y', 'x__y'], ['p.q', 'p.q']]));
    expect(m.namedParameters().map(([k]) => k).sort()).toEqual(['a_2', 'a_b', 'p.q', 'x__y']);
    // ((x·a + a.b)·x..y) − p.q at x = [1, 2]: [((1·1 + 2)·3) − 4, ((2·−1 − 2)·−3) + 4].
    expect(Array.from(m.forward(tensor([1, 2])).dataSync())).toEqual([5, 16]);
  });

  it('matches ONNX Runtime on the same file (zoo: two outputs)', async () => {
    const c = caseOf('zoo');
    const x = toTensor(c.inputs[0]!);
    const ortOut = await runOrt(fixture('zoo.onnx'), { x });
    const m = importOnnx(fixture('zoo.onnx'));
    m.forwardAll(x).forEach((o, k) => expect(worstError(o.dataSync(), ortOut[k]!)).toBeLessThan(TOL));
    expect(() => m.forward(x)).toThrow(/2 outputs \(probs, logprobs\); call forwardAll/);
  });
});

describe("importOnnx reads what nn's exportOnnx writes", () => {
  for (const c of EXPORT_CASES) {
    it(`${c.name} (${[...new Set(c.ops)].join(', ')}) comes back computing what the nn module did`, async () => {
      const model = c.build();
      const bytes = await exportOnnx(model, exportCaseInput(c, 1));
      const back = importOnnx(bytes);
      // The exported batch dim is dynamic: a batch of 5 through a model exported at batch 1.
      const x = exportCaseInput(c, 5);
      const want = noGrad(() => model.forward(x)).dataSync();
      expect(worstError(back.forward(x).dataSync(), want)).toBeLessThan(TOL);
      // Every initializer the exporter wrote is a parameter or buffer again.
      const inits = (decodeModel(bytes).graph as { initializer?: unknown[] }).initializer ?? [];
      expect(back.parameters().length + back.buffers().length).toBe(inits.length);
    });
  }

  it('GELU exported at opsets 20 and 21 (one Gelu node, approximate none or tanh) comes back', async () => {
    for (const name of ['gelu', 'gelu-tanh']) {
      const c = EXPORT_CASES.find((k) => k.name === name)!;
      const model = c.build();
      const x = exportCaseInput(c, 5);
      const want = noGrad(() => model.forward(x)).dataSync();
      for (const opset of [20, 21]) {
        const bytes = await exportOnnx(model, exportCaseInput(c, 1), { opset });
        expect((decodeModel(bytes).graph as { node: { op_type: string }[] }).node.map((n) => n.op_type)).toEqual(['Gemm', 'Gelu']);
        expect(worstError(importOnnx(bytes).forward(x).dataSync(), want), `${name}, opset ${opset}`).toBeLessThan(TOL);
      }
    }
  });
});

describe('importOnnx: fine-tune a torch-exported digits MLP and export it again', () => {
  it('trains on digits() (loss down, accuracy up) and re-exports with the trained weights', async () => {
    manualSeed(0);
    const m = importOnnx(fixture('digits_mlp.onnx'));
    const [pixels, labels] = digits().tensors as [Tensor, Tensor];
    // Pixels are 0..16; scaled to 0..1 as the bench and example train them.
    const x = pixels.div(16);
    const ds = new TensorDataset(x, labels);
    const lossFn = new CrossEntropyLoss();
    const evaluate = (): { loss: number; accuracy: number } =>
      noGrad(() =>
        scope(() => {
          const logits = m.forward(x);
          const right = logits.argmax(1).sub(labels).abs().clamp({ max: 1 }).sum().item();
          return { loss: lossFn.forward(logits, labels).item(), accuracy: 1 - right / labels.size };
        }),
      );
    const before = evaluate();
    const opt = new Adam(m.parameters(), { lr: 0.01 });
    for (let epoch = 0; epoch < 3; epoch++) {
      for (const [xb, yb] of new DataLoader(ds, { batchSize: 64, shuffle: true, generator: new Generator(epoch) })) {
        scope(() => {
          opt.zeroGrad();
          lossFn.forward(m.forward(xb!), yb!).backward();
          opt.step();
        });
      }
    }
    const after = evaluate();
    // torch's default init gives chance (~10%) and a loss near ln 10; three epochs of Adam reach > 90%.
    expect(before.accuracy).toBeLessThan(0.3);
    expect(after.loss).toBeLessThan(before.loss / 4);
    expect(after.accuracy).toBeGreaterThan(0.9);

    // Out again through exportOnnx, which hands the module's own toOnnxModel the options: the graph as it came, with the new weights.
    const bytes = await exportOnnx(m, x.narrow(0, 0, 1));
    expect(Buffer.from(bytes).equals(Buffer.from(encodeModel(await m.toOnnxModel())))).toBe(true);
    const sample = x.narrow(0, 0, 50);
    const nnOut = noGrad(() => m.forward(sample)).dataSync();
    const [ortOut] = await runOrt(bytes, { x: sample });
    expect(worstError(ortOut!, nnOut)).toBeLessThan(TOL);
    // The written weights are the trained ones (not the file's), and the model comes back in again.
    const reread = decodeModel(bytes);
    const initNames = ((reread.graph as { initializer: { name: string }[] }).initializer).map((t) => t.name);
    expect(initNames).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const again = importOnnx(bytes);
    expect(worstError(again.forward(sample).dataSync(), nnOut)).toBe(0);
    const original = importOnnx(fixture('digits_mlp.onnx'));
    expect(worstError(original.forward(sample).dataSync(), nnOut)).toBeGreaterThan(0.1);
  });
});

// A one-node-at-a-time model built by hand (encodeModel), for ops and attributes torch's exporter leaves out.
function handModel(opts: {
  nodes: Record<string, unknown>[];
  inputs: [string, number[]][];
  outputs: string[];
  initializers?: { name: string; dims: number[]; data: number[] }[];
  opset?: number;
}): Uint8Array {
  const valueInfo = (name: string, dims?: number[]): Record<string, unknown> => ({
    name,
    type: { tensor_type: { elem_type: onnx.DataType.FLOAT, ...(dims ? { shape: { dim: dims.map((d) => (d < 0 ? { dim_param: 'batch' } : { dim_value: d })) } } : {}) } },
  });
  return encodeModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: opts.opset ?? 13 }],
    graph: {
      name: 'hand',
      node: opts.nodes,
      input: opts.inputs.map(([n, d]) => valueInfo(n, d)),
      output: opts.outputs.map((n) => valueInfo(n)),
      initializer: (opts.initializers ?? []).map((t) => ({ name: t.name, dims: t.dims, data_type: onnx.DataType.FLOAT, float_data: t.data })),
    },
  });
}
const floatAttr = (name: string, f: number) => ({ name, type: onnx.AttributeType.FLOAT, f });
const intAttr = (name: string, i: number) => ({ name, type: onnx.AttributeType.INT, i });
const intsAttr = (name: string, ints: number[]) => ({ name, type: onnx.AttributeType.INTS, ints });

describe('importOnnx: attributes and ops beyond what torch emits, checked against ONNX Runtime', () => {
  const seq = (n: number, scale: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + scale) * scale);

  it('Gemm honours alpha, beta, transA and transB; Transpose, Identity, Dropout, Pow, Constant value_floats', async () => {
    const bytes = handModel({
      inputs: [['x', [-1, 3]]],
      outputs: ['y'],
      initializers: [
        { name: 'W', dims: [4, 3], data: seq(12, 0.7) },
        { name: 'C', dims: [4], data: seq(4, 0.3) },
      ],
      nodes: [
        { op_type: 'Transpose', input: ['x'], output: ['xt'], attribute: [intsAttr('perm', [1, 0])] },
        { op_type: 'Gemm', input: ['xt', 'W', 'C'], output: ['g'], attribute: [intAttr('transA', 1), intAttr('transB', 1), floatAttr('alpha', 0.5), floatAttr('beta', -2)] },
        { op_type: 'Identity', input: ['g'], output: ['i'] },
        { op_type: 'Dropout', input: ['i'], output: ['d'] },
        { op_type: 'Constant', input: [], output: ['k'], attribute: [{ name: 'value_floats', type: onnx.AttributeType.FLOATS, floats: [1, 2, 3, 4] }] },
        { op_type: 'Sub', input: ['d', 'k'], output: ['s'] },
        { op_type: 'Constant', input: [], output: ['two'], attribute: [{ name: 'value_float', type: onnx.AttributeType.FLOAT, f: 2 }] },
        { op_type: 'Pow', input: ['s', 'two'], output: ['y'] },
      ],
    });
    const x = tensor(Float32Array.from(seq(15, 1.1)), { shape: [5, 3] });
    const [want] = await runOrt(bytes, { x });
    const got = importOnnx(bytes).forward(x).dataSync();
    expect(worstError(got, want!)).toBeLessThan(TOL);
    // alpha and beta matter: the same graph with their defaults is far off.
    const plain = decodeModel(bytes) as { graph: { node: { attribute?: { name: string }[] }[] } };
    plain.graph.node[1]!.attribute = plain.graph.node[1]!.attribute!.filter((a) => a.name.startsWith('trans'));
    expect(worstError(importOnnx(encodeModel(plain)).forward(x).dataSync(), want!)).toBeGreaterThan(0.1);
  });

  it('Gather takes negative indices from the end (ONNX allows [-s, s - 1]), from a graph input as from a constant', async () => {
    const table = { name: 'emb.weight', dims: [4, 3], data: seq(12, 0.9) };
    const bytes = encodeModel({
      ir_version: 8,
      opset_import: [{ domain: '', version: 13 }],
      graph: {
        name: 'gather',
        node: [
          { op_type: 'Gather', input: ['emb.weight', 'i'], output: ['a'] },
          { op_type: 'Constant', input: [], output: ['k'], attribute: [{ name: 'value', type: onnx.AttributeType.TENSOR, t: { dims: [2], data_type: onnx.DataType.INT64, int64_data: [-3, 1] } }] },
          { op_type: 'Gather', input: ['a', 'k'], output: ['y'], attribute: [intAttr('axis', 2)] },
        ],
        input: [{ name: 'i', type: { tensor_type: { elem_type: onnx.DataType.INT32, shape: { dim: [{ dim_value: 2 }, { dim_value: 3 }] } } } }],
        output: [{ name: 'y', type: { tensor_type: { elem_type: onnx.DataType.FLOAT } } }],
        initializer: [{ name: table.name, dims: table.dims, data_type: onnx.DataType.FLOAT, float_data: table.data }],
      },
    });
    const i = tensor(Int32Array.from([-1, 0, 3, -4, -2, 1]), { shape: [2, 3], dtype: 'int32' });
    const [want] = await runOrt(bytes, { i });
    const got = importOnnx(bytes).forward(i);
    expect(got.shape).toEqual([2, 3, 2]);
    expect(Array.from(got.dataSync())).toEqual(Array.from(want!));
  });

  it("ReduceMean (torch's LayerNorm below opset 17: ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div): axes as attribute to 17, as input from 18", async () => {
    const x = tensor(Float32Array.from(seq(24, 2.5)), { shape: [2, 3, 4] });
    for (const opset of [13, 18]) {
      // ReduceMean of `input` into `output` over `axes`: an INTS attribute to opset 17, an int64 Constant input from 18.
      const reduceMean = (input: string, output: string, axes: number[], keepdims?: number): Record<string, unknown>[] => {
        const keep = keepdims === undefined ? [] : [intAttr('keepdims', keepdims)];
        if (opset < 18) return [{ op_type: 'ReduceMean', input: [input], output: [output], attribute: [intsAttr('axes', axes), ...keep] }];
        const t = { dims: [axes.length], data_type: onnx.DataType.INT64, int64_data: axes };
        return [
          { op_type: 'Constant', input: [], output: [`${output}_axes`], attribute: [{ name: 'value', type: onnx.AttributeType.TENSOR, t }] },
          { op_type: 'ReduceMean', input: [input, `${output}_axes`], output: [output], ...(keep.length ? { attribute: keep } : {}) },
        ];
      };
      const bytes = handModel({
        opset,
        inputs: [['x', [-1, 3, 4]]],
        outputs: ['y', 'k'],
        nodes: [
          ...reduceMean('x', 'm', [-1]),
          { op_type: 'Sub', input: ['x', 'm'], output: ['d'] },
          { op_type: 'Constant', input: [], output: ['two'], attribute: [{ name: 'value_float', type: onnx.AttributeType.FLOAT, f: 2 }] },
          { op_type: 'Pow', input: ['d', 'two'], output: ['d2'] },
          ...reduceMean('d2', 'v', [-1]),
          { op_type: 'Constant', input: [], output: ['eps'], attribute: [{ name: 'value_float', type: onnx.AttributeType.FLOAT, f: 1e-5 }] },
          { op_type: 'Add', input: ['v', 'eps'], output: ['ve'] },
          { op_type: 'Sqrt', input: ['ve'], output: ['s'] },
          { op_type: 'Div', input: ['d', 's'], output: ['y'] },
          ...reduceMean('x', 'k', [1], 0),
        ],
      });
      const want = await runOrt(bytes, { x });
      const got = importOnnx(bytes).forwardAll(x);
      expect(got.map((t) => t.shape)).toEqual([[2, 3, 4], [2, 4]]);
      got.forEach((t, i) => expect(worstError(t.dataSync(), want[i]!), `opset ${opset}, output ${i}`).toBeLessThan(TOL));
    }
    // No axes: every dim (noop_with_empty_axes 0, the default), or the input unchanged (1).
    for (const noop of [0, 1]) {
      const bytes = handModel({ opset: 18, inputs: [['x', [2, 3, 4]]], outputs: ['y'], nodes: [{ op_type: 'ReduceMean', input: ['x'], output: ['y'], attribute: [intAttr('noop_with_empty_axes', noop)] }] });
      const [want] = await runOrt(bytes, { x });
      const got = importOnnx(bytes).forward(x);
      expect(got.shape).toEqual(noop ? [2, 3, 4] : [1, 1, 1]);
      expect(worstError(got.dataSync(), want!), `noop_with_empty_axes ${noop}`).toBeLessThan(TOL);
    }
  });

  it('Softmax before opset 13 flattens to 2-D at axis, as ONNX Runtime does', async () => {
    for (const opset of [11, 13]) {
      const bytes = handModel({ opset, inputs: [['x', [2, 3, 4]]], outputs: ['y'], nodes: [{ op_type: 'Softmax', input: ['x'], output: ['y'], attribute: [intAttr('axis', 1)] }] });
      const x = tensor(Float32Array.from(seq(24, 2)), { shape: [2, 3, 4] });
      const [want] = await runOrt(bytes, { x });
      expect(worstError(importOnnx(bytes).forward(x).dataSync(), want!), `opset ${opset}`).toBeLessThan(TOL);
    }
  });

  it('LayerNormalization over the last two dims stays exact where the mean is 100 and the spread 1', () => {
    const [n, h, w] = [3, 4, 5];
    const xs = Array.from({ length: n * h * w }, (_, i) => 100 + Math.sin(i * 0.77));
    const scale = seq(h * w, 1.5);
    const bias = seq(h * w, 0.2);
    const bytes = handModel({
      opset: 17,
      inputs: [['x', [-1, h, w]]],
      outputs: ['y'],
      initializers: [
        { name: 'ln.weight', dims: [h, w], data: scale },
        { name: 'ln.bias', dims: [h, w], data: bias },
      ],
      nodes: [{ op_type: 'LayerNormalization', input: ['x', 'ln.weight', 'ln.bias'], output: ['y'], attribute: [intAttr('axis', -2), floatAttr('epsilon', 1e-5)] }],
    });
    // float64 reference from the float32 inputs the model sees.
    const x32 = Float32Array.from(xs);
    const s32 = Float32Array.from(scale);
    const b32 = Float32Array.from(bias);
    const want: number[] = [];
    for (let r = 0; r < n; r++) {
      const row = Array.from(x32.subarray(r * h * w, (r + 1) * h * w));
      const mean = row.reduce((a, b) => a + b, 0) / row.length;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length;
      row.forEach((v, i) => want.push(((v - mean) / Math.sqrt(variance + Math.fround(1e-5))) * s32[i]! + b32[i]!));
    }
    const got = importOnnx(bytes).forward(tensor(x32, { shape: [n, h, w] })).dataSync();
    // A one-pass float32 mean is off by ~1e-5 of the spread here; the second pass brings it to float32 rounding.
    expect(worstError(got, want)).toBeLessThan(2e-6);
  });

  it('an op outside the set is a FormatError listing the ops found and the ops supported', () => {
    const bytes = handModel({
      inputs: [['x', [1, 1, 4, 4]]],
      outputs: ['y'],
      nodes: [
        { name: 'conv0', op_type: 'Conv', input: ['x', 'x'], output: ['c'] },
        { op_type: 'Relu', input: ['c'], output: ['r'] },
        { name: 'pool', op_type: 'MaxPool', input: ['r'], output: ['y'] },
      ],
    });
    let err: unknown;
    try {
      importOnnx(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/cannot import: Conv \(first at node 'conv0' \(Conv\)\), MaxPool \(first at node 'pool' \(MaxPool\)\)/);
    expect(msg).toContain('Ops in the model: Conv, MaxPool, Relu.');
    expect(msg).toMatch(/Ops nn imports: .*BatchNormalization.*Gemm.*LayerNormalization.*Softmax/);
  });

  it('corrupt or non-ONNX bytes are a FormatError; a node reading a missing value names the node', () => {
    const good = fixture('mlp.onnx');
    expect(() => importOnnx(good.subarray(0, 200))).toThrow(FormatError);
    expect(() => importOnnx(new Uint8Array(0))).toThrow(FormatError);
    expect(() => importOnnx(new TextEncoder().encode('{"not": "an onnx file"}'))).toThrow(FormatError);
    const garbage = Uint8Array.from({ length: 256 }, (_, i) => (i * 97 + 13) & 255);
    expect(() => importOnnx(garbage)).toThrow(FormatError);
    expect(() => importOnnx('mlp.onnx' as unknown as Uint8Array)).toThrow(ArgumentError);
    const dangling = handModel({ inputs: [['x', [2]]], outputs: ['y'], nodes: [{ name: 'r', op_type: 'Relu', input: ['nowhere'], output: ['y'] }] });
    expect(() => importOnnx(dangling)).toThrow(/node 'r' \(Relu\) reads 'nowhere', which no node, graph input or initializer makes/);
    // A weight whose raw bytes do not fill its dims.
    const m = decodeModel(good) as { graph: { initializer: { raw_data: Uint8Array }[] } };
    m.graph.initializer[0]!.raw_data = m.graph.initializer[0]!.raw_data.subarray(4);
    expect(() => importOnnx(encodeModel(m))).toThrow(/initializer '0.weight'.*holds 39 values, expected 40/);
  });

  it("torch's deduplicated weights (a fresh BatchNorm's running_var an Identity of its weight's ones) are untied: buffers apart, trained apart, exported apart", async () => {
    // What torch 1.13 writes for Sequential(Linear(2, 3), BatchNorm1d(3)) fresh: equal tensors once, the rest Identity nodes.
    const bytes = handModel({
      opset: 17,
      inputs: [['x', [-1, 2]]],
      outputs: ['y'],
      initializers: [
        { name: '0.weight', dims: [3, 2], data: seq(6, 0.8) },
        { name: '0.bias', dims: [3], data: seq(3, 0.4) },
        { name: '1.weight', dims: [3], data: [1, 1, 1] },
        { name: '1.bias', dims: [3], data: [0, 0, 0] },
      ],
      nodes: [
        { op_type: 'Identity', input: ['1.weight'], output: ['1.running_var'] },
        { op_type: 'Identity', input: ['1.bias'], output: ['1.running_mean'] },
        { op_type: 'Gemm', input: ['x', '0.weight', '0.bias'], output: ['g'], attribute: [intAttr('transB', 1)] },
        { op_type: 'BatchNormalization', input: ['g', '1.weight', '1.bias', '1.running_mean', '1.running_var'], output: ['y'], attribute: [floatAttr('epsilon', 1e-5)] },
      ],
    });
    const m = importOnnx(bytes);
    expect(m.namedParameters().map(([k]) => k)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(m.namedBuffers().map(([k]) => k).sort()).toEqual(['1.running_mean', '1.running_var']);
    // A fine-tune step on the scale leaves the running variance at 1.
    noGrad(() => m.namedParameters().find(([k]) => k === '1.weight')![1].mul_(3));
    const x = tensor(Float32Array.from(seq(8, 1.7)), { shape: [4, 2] });
    const g = tensor(Float32Array.from(seq(6, 0.8)), { shape: [3, 2] });
    const want = x.matmul(g.t()).add(tensor(Float32Array.from(seq(3, 0.4)))).mul(3 / Math.sqrt(1 + 1e-5)).dataSync();
    expect(worstError(m.forward(x).dataSync(), want)).toBeLessThan(TOL);
    // Out again: no Identity copies, each tensor its own initializer, and ONNX Runtime agrees.
    const again = await exportOnnx(m, x);
    const graph = decodeModel(again).graph as { node: { op_type: string }[]; initializer: { name: string }[] };
    expect(graph.node.map((n) => n.op_type)).toEqual(['Gemm', 'BatchNormalization']);
    expect(graph.initializer.map((t) => t.name)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.running_var', '1.running_mean']);
    const [ortOut] = await runOrt(again, { x });
    expect(worstError(ortOut!, want)).toBeLessThan(TOL);
  });

  it('weights in an external file are a FormatError saying how to save them inside; initializers also listed as inputs (IR 3) are not inputs', async () => {
    const external = decodeModel(handModel({ inputs: [['x', [3]]], outputs: ['y'], initializers: [{ name: 'w', dims: [3], data: [1, 2, 3] }], nodes: [{ op_type: 'Add', input: ['x', 'w'], output: ['y'] }] })) as { graph: { initializer: Record<string, unknown>[] } };
    external.graph.initializer[0] = { name: 'w', dims: [3], data_type: onnx.DataType.FLOAT, data_location: 1, external_data: [{ key: 'location', value: 'w.bin' }] };
    const err = (() => { try { importOnnx(encodeModel(external)); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(FormatError);
    expect(String(err)).toMatch(/initializer 'w': tensor 'w' keeps its data in an external file; save the model with its weights inside \(onnx\.save_model\(m, path, save_as_external_data=False\)\)/);
    // Before IR 4 every initializer was a graph input too; ONNX Runtime feeds only the rest, and so does nn.
    const old = decodeModel(handModel({ opset: 9, inputs: [['x', [3]], ['w', [3]]], outputs: ['y'], initializers: [{ name: 'w', dims: [3], data: [1, 2, 3] }], nodes: [{ op_type: 'Add', input: ['x', 'w'], output: ['y'] }] }));
    old.ir_version = 3;
    const bytes = encodeModel(old);
    const m = importOnnx(bytes);
    expect(m.inputs.map((i) => i.name)).toEqual(['x']);
    const x = tensor([0.5, -1, 2]);
    const [want] = await runOrt(bytes, { x });
    expect(Array.from(m.forward(x).dataSync())).toEqual(Array.from(want!));
    expect(Array.from(want!)).toEqual([1.5, 1, 5]);
  });

  it('is an OnnxModule: to() moves the constants with the weights, dispose frees them', () => {
    const m = importOnnx(fixture('zoo.onnx'));
    expect(m).toBeInstanceOf(OnnxModule);
    const c = caseOf('zoo');
    // GELU's Constant nodes (√2, 1, 0.5) are tensors too: a forward on cpu2 would fail on a cpu constant.
    m.to('cpu2');
    const [probs] = m.forwardAll(toTensor(c.inputs[0]!).to('cpu2'));
    expect(probs!.device).toBe('cpu2');
    expect(worstError(probs!.dataSync(), c.outputs[0]!.data)).toBeLessThan(TOL);
    expect(String(m)).toMatch(/^OnnxModule\(opset=17, inputs=\[x\], outputs=\[probs, logprobs\], ops=\{.*Gemm: 5/);
    m.dispose();
    expect(() => m.parameters()[0]!.dataSync()).toThrow(StateError);
  });
});

describe('importOnnx: Reshape with 0 past the input\'s rank', () => {
  it('is a FormatError naming the node, the shape and the input\'s shape (not a NaN size)', () => {
    const bytes = handModel({
      inputs: [['x', [2, 3]]],
      outputs: ['y'],
      nodes: [
        { op_type: 'Constant', input: [], output: ['s'], attribute: [{ name: 'value', type: onnx.AttributeType.TENSOR, t: { dims: [3], data_type: onnx.DataType.INT64, int64_data: [0, 3, 0] } }] },
        { op_type: 'Reshape', input: ['x', 's'], output: ['y'] },
      ],
    });
    const m = importOnnx(bytes);
    const x = tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
    const err = (() => { try { m.forward(x); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(/Reshape.*shape \[0, 3, 0\] has 0 at dim 2 .*input has shape \[2, 3\] \(2 dims\)/);
  });
});
