import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { ArgumentError, DTypeError, FormatError, ShapeError, StateError, manualSeed, noGrad, randn, registerBackend, scope, tensor, type Tensor } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { BatchNorm1d, Dropout, Embedding, GELU, LayerNorm, Linear, Module, ReLU, Sequential, Softmax } from '@nn/layers';
import { decodeModel, encodeModel, exportOnnx } from './index.js';
import { EXPORT_CASES, exportCaseInput, type ExportCase } from './export-cases.js';

registerBackend(createCpuBackend());
registerBackend(createCpuBackend({ device: 'cpu2' }));

const FIXTURES = fileURLToPath(new URL('../fixtures/exported/', import.meta.url));
// NN_WRITE_ONNX_FIXTURES=1 rewrites fixtures/exported/*.onnx; then run scripts/check-models.py and commit both.
const WRITE = process.env.NN_WRITE_ONNX_FIXTURES === '1';

type Model = { graph: { node: { op_type: string; input: string[] }[]; initializer?: { name: string }[]; input: ValueInfo[]; output: ValueInfo[] }; opset_import: { version: number }[]; ir_version: number };
type ValueInfo = { name: string; type: { tensor_type: { elem_type: number; shape: { dim: { dim_value?: number; dim_param?: string }[] } } } };

// nn's eval-mode forward and ONNX Runtime's on the same input.
async function both(model: Module, bytes: Uint8Array, x: Tensor): Promise<{ nn: Float32Array; ort: Float32Array; shape: readonly number[]; ortShape: readonly number[] }> {
  const want = noGrad(() => scope(() => model.forward(x)));
  const session = await ort.InferenceSession.create(bytes);
  const data = await x.data();
  const feed = x.dtype === 'int32' ? new ort.Tensor('int32', Int32Array.from(data), [...x.shape]) : new ort.Tensor('float32', Float32Array.from(data), [...x.shape]);
  const out = await session.run({ [session.inputNames[0]!]: feed });
  const got = out[session.outputNames[0]!]!;
  const res = { nn: (await want.data()) as Float32Array, ort: got.data as Float32Array, shape: want.shape, ortShape: got.dims };
  want.dispose();
  await session.release();
  return res;
}

// |ort − nn| ≤ ATOL + RTOL·|nn| elementwise. ONNX Runtime sums Gemm's products in another order (blocked, FMA)
// and has its own erf/exp/tanh and LayerNorm/BatchNorm formulas (one-pass E[x²] − E[x]², a precomputed
// 1/√(var + eps)), so each op may be a few float32 ulps (6e-8 relative) off, a few tens after 7 layers:
// RTOL 1e-5 leaves room for that, ATOL 1e-6 for outputs near 0, where a relative bound means nothing.
// Measured (2026-11, these seeds): worst 4.8e-7 absolute (gelu-tanh, batchnorm), 0 for the Gemm-only cases;
// a wrong constant (GELU's 0.044715, LeakyReLU's alpha, an eps) is off by 1e-3 or more.
const RTOL = 1e-5;
const ATOL = 1e-6;
function worstExcess(a: Float32Array, b: Float32Array): { excess: number; maxAbs: number } {
  let excess = -Infinity;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    maxAbs = Math.max(maxAbs, d);
    excess = Math.max(excess, d - (ATOL + RTOL * Math.abs(a[i]!)));
  }
  return { excess, maxAbs };
}

const exportCase = async (c: ExportCase, opts = {}): Promise<{ model: Module; bytes: Uint8Array }> => {
  const model = c.build();
  return { model, bytes: await exportOnnx(model, exportCaseInput(c, c.inputShape[0]!), opts) };
};

describe('exportOnnx: every case runs in ONNX Runtime as in nn', () => {
  for (const c of EXPORT_CASES) {
    it(`${c.name}: batch sizes 1 and 5 from one file (dynamic batch)`, async () => {
      const { model, bytes } = await exportCase(c);
      for (const batch of [1, 5]) {
        const r = await both(model, bytes, exportCaseInput(c, batch));
        expect(r.ortShape).toEqual(r.shape);
        expect(r.ort.length).toBe(r.nn.length);
        const { excess, maxAbs } = worstExcess(r.nn, r.ort);
        expect(excess, `${c.name} batch ${batch}: max |ort − nn| = ${maxAbs}`).toBeLessThanOrEqual(0);
      }
    });
  }
});

describe('the comparison can fail', () => {
  it('a LeakyRelu alpha off by 1e-3 (0.2 → 0.2002) exceeds the tolerance', async () => {
    const c = EXPORT_CASES.find((k) => k.name === 'activations')!;
    const { model, bytes } = await exportCase(c);
    const m = decodeModel(bytes) as unknown as { graph: { node: { op_type: string; attribute: { f: number }[] }[] } };
    m.graph.node.find((n) => n.op_type === 'LeakyRelu')!.attribute[0]!.f = 0.2002;
    const r = await both(model, encodeModel(m as unknown as Record<string, unknown>), exportCaseInput(c, 5));
    expect(worstExcess(r.nn, r.ort).excess).toBeGreaterThan(0);
  });
});

describe('exportOnnx: the decoded model', () => {
  for (const c of EXPORT_CASES) {
    it(`${c.name}: op types, initializers named by the state-dict keys, dim_param 'batch', opset 17 / IR 8`, async () => {
      const { model, bytes } = await exportCase(c);
      const m = decodeModel(bytes) as unknown as Model;
      expect(m.graph.node.map((n) => n.op_type).filter((op) => op !== 'Constant')).toEqual(c.ops);
      // Each tensor once (tied weights under their first name); num_batches_tracked has no role at inference.
      const keys = [...model.namedParameters(), ...model.namedBuffers()].map(([k]) => k).filter((k) => !k.endsWith('num_batches_tracked'));
      expect((m.graph.initializer ?? []).map((t) => t.name).sort()).toEqual(keys.sort());
      expect(m.opset_import).toEqual([{ domain: '', version: 17 }]);
      expect(m.ir_version).toBe(8);
      expect(m.graph.input.map((v) => v.name)).toEqual(['input']);
      expect(m.graph.output.map((v) => v.name)).toEqual(['output']);
      const dims = (v: ValueInfo): unknown[] => v.type.tensor_type.shape.dim.map((d) => d.dim_param ?? d.dim_value);
      expect(dims(m.graph.input[0]!)).toEqual(['batch', ...c.inputShape.slice(1)]);
      expect(dims(m.graph.output[0]!)[0]).toBe('batch');
      expect(m.graph.input[0]!.type.tensor_type.elem_type).toBe(c.indices === undefined ? 1 : 6);
    });
  }

  it('the bytes are a plain Uint8Array over their own ArrayBuffer (not a slice of protobufjs\'s Buffer pool)', async () => {
    const { bytes } = await exportCase(EXPORT_CASES[0]!);
    expect(bytes.constructor).toBe(Uint8Array);
    expect([bytes.byteOffset, bytes.buffer.byteLength]).toEqual([0, bytes.length]);
    // The copy is made in encodeModel, so its other callers (toOnnxModel's re-export, users) get it too.
    const again = encodeModel(decodeModel(bytes));
    expect(again.constructor).toBe(Uint8Array);
    expect([again.byteOffset, again.buffer.byteLength]).toEqual([0, again.length]);
  });

  it('encodeModel and decodeModel name a bad argument or a bad model', () => {
    expect(() => encodeModel(null as never)).toThrow(ArgumentError);
    expect(() => encodeModel({ ir_version: 'eight' })).toThrow(/encodeModel: not a valid ModelProto: ir_version/);
    expect(() => encodeModel({ ir_version: 'eight' })).toThrow(FormatError);
    expect(() => decodeModel('abc' as never)).toThrow(ArgumentError);
    expect(() => decodeModel(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(/decodeModel: these 3 bytes are not an ONNX model/);
  });

  it('the tied weights are one initializer, read by both Gemm nodes', async () => {
    const m = decodeModel((await exportCase(EXPORT_CASES.find((c) => c.name === 'tied-weights')!)).bytes) as unknown as Model;
    const gemms = m.graph.node.filter((n) => n.op_type === 'Gemm');
    expect(gemms.map((n) => n.input.slice(1))).toEqual([['0.weight', '0.bias'], ['0.weight', '0.bias']]);
  });

  it('dynamicBatch: false fixes dim 0; names and opset 20 (Gelu, IR 9) as asked, and that file runs', async () => {
    const c = EXPORT_CASES.find((k) => k.name === 'gelu')!;
    const { model, bytes } = await exportCase(c, { dynamicBatch: false, inputNames: ['pixels'], outputNames: ['logits'], opset: 20 });
    const m = decodeModel(bytes) as unknown as Model;
    expect(m.graph.input[0]!.type.tensor_type.shape.dim).toEqual([{ dim_value: 3 }, { dim_value: 6 }]);
    expect(m.graph.output[0]!.type.tensor_type.shape.dim).toEqual([{ dim_value: 3 }, { dim_value: 8 }]);
    expect([m.graph.input[0]!.name, m.graph.output[0]!.name]).toEqual(['pixels', 'logits']);
    expect(m.graph.node.map((n) => n.op_type)).toEqual(['Gemm', 'Gelu']);
    expect([m.opset_import[0]!.version, m.ir_version]).toEqual([20, 9]);
    const r = await both(model, bytes, exportCaseInput(c, 3));
    expect(worstExcess(r.nn, r.ort).excess).toBeLessThanOrEqual(0);
  });

  it('every opset from 17 to 21 runs in ONNX Runtime as in nn (IR 8, 8, 9, 9, 10)', async () => {
    manualSeed(21);
    const model = new Sequential(new Linear(6, 8), new LayerNorm(8), new GELU(), new Linear(8, 8), new BatchNorm1d(8), new GELU({ approximate: 'tanh' }), new Softmax(-1)).eval();
    const c: ExportCase = { name: 'opsets', build: () => model, inputShape: [2, 6], ops: [] };
    for (const [opset, ir] of [[17, 8], [18, 8], [19, 9], [20, 9], [21, 10]] as const) {
      const bytes = await exportOnnx(model, exportCaseInput(c, 2), { opset });
      const m = decodeModel(bytes) as unknown as Model;
      expect([m.opset_import[0]!.version, m.ir_version]).toEqual([opset, ir]);
      expect(m.graph.node.some((n) => n.op_type === 'Gelu')).toBe(opset >= 20);
      const r = await both(model, bytes, exportCaseInput(c, 4));
      expect(worstExcess(r.nn, r.ort).excess, `opset ${opset}`).toBeLessThanOrEqual(0);
    }
  });

  it('a batch merged into dim 0 by Flatten(0, -1) is an unnamed dim; a 1-D float input has no batch dim', async () => {
    const { Flatten } = await import('@nn/layers');
    const flat = decodeModel(await exportOnnx(new Flatten(0, -1).eval(), randn([2, 3]))) as unknown as Model;
    expect(flat.graph.output[0]!.type.tensor_type.shape.dim).toEqual([{}]);
    const single = decodeModel(await exportOnnx(new Linear(3, 2).eval(), randn([3]))) as unknown as Model;
    expect(single.graph.input[0]!.type.tensor_type.shape.dim).toEqual([{ dim_value: 3 }]);
    expect(single.graph.node.map((n) => n.op_type)).toEqual(['Transpose', 'MatMul', 'Add']);
  });

  it('a model on another device exports the same bytes (parameters read with await data())', async () => {
    const c = EXPORT_CASES.find((k) => k.name === 'batchnorm')!;
    const { bytes } = await exportCase(c);
    const moved = c.build().to('cpu2');
    expect(await exportOnnx(moved, exportCaseInput(c, 3).to('cpu2'))).toEqual(bytes);
  });

  it('a module with toOnnxModel(options) writes its own model, given the options with their defaults', async () => {
    const seen: unknown[] = [];
    const own = {
      forward: (x: Tensor) => x,
      toOnnxModel(options: unknown) {
        seen.push(options);
        return Promise.resolve({ ir_version: 8, producer_name: 'own', graph: { name: 'g' } });
      },
    } as unknown as Module;
    const bytes = await exportOnnx(own, randn([1, 2]), { outputNames: ['y'] });
    expect(bytes).toEqual(new Uint8Array(encodeModel({ ir_version: 8, producer_name: 'own', graph: { name: 'g' } })));
    expect(seen).toEqual([{ opset: 17, inputNames: ['input'], outputNames: ['y'], dynamicBatch: true }]);
  });
});

class MyLayer extends Module {
  forward(x: Tensor): Tensor {
    return x.mul(2);
  }
}
class MyLinear extends Linear {}

describe('exportOnnx: errors name the module, its path and the fix', () => {
  it('a module without an ONNX counterpart: its path in the Sequential, its class, what is supported', async () => {
    const err = await exportOnnx(new Sequential(new Linear(2, 3), new MyLayer()), randn([1, 2])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect(String(err)).toMatch(/module 1 \(MyLayer\) has no ONNX counterpart/);
    expect(String(err)).toMatch(/Linear, ReLU, .*Sequential/);
    await expect(exportOnnx(new Sequential(new Linear(2, 3), new Sequential(new ReLU(), new MyLayer())), randn([1, 2]))).rejects.toThrow(/module 1\.1 \(MyLayer\)/);
    await expect(exportOnnx(new MyLayer(), randn([1, 2]))).rejects.toThrow(/the top module \(MyLayer\)/);
    await expect(exportOnnx(new MyLinear(2, 2), randn([1, 2]))).rejects.toThrow(/MyLinear.*a subclass of Linear is not written as Linear/);
  });

  it('BatchNorm1d in training mode: a StateError that says to call .eval(); without running statistics: a FormatError', async () => {
    const bn = new Sequential(new Linear(2, 3), new BatchNorm1d(3));
    const err = await exportOnnx(bn, randn([4, 2])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateError);
    expect(String(err)).toMatch(/module 1 \(BatchNorm1d\) is in training mode.*model\.eval\(\)/);
    await expect(exportOnnx(new BatchNorm1d(3, { trackRunningStats: false }).eval(), randn([4, 3]))).rejects.toThrow(/trackRunningStats: false/);
  });

  it('bad options and a bad example input: ArgumentError naming the option', async () => {
    const lin = new Linear(2, 2).eval();
    const x = randn([1, 2]);
    const cases: [unknown, RegExp][] = [
      [{ opset: 16 }, /opset must be a whole number in \[17, 21\], got 16/],
      [{ opset: 17.5 }, /opset must be a whole number/],
      [{ inputNames: 'x' }, /inputNames must be an array of one non-empty string/],
      [{ outputNames: [] }, /outputNames must be/],
      [{ dynamicBatch: 'yes' }, /dynamicBatch must be true or false/],
      [{ opsetVersion: 17 }, /opsetVersion/],
    ];
    for (const [opts, msg] of cases) {
      const err = await exportOnnx(lin, x, opts as object).catch((e: unknown) => e);
      expect(err, JSON.stringify(opts)).toBeInstanceOf(ArgumentError);
      expect(String(err)).toMatch(msg);
    }
    await expect(exportOnnx(lin, [1, 2] as unknown as Tensor)).rejects.toThrow(/exampleInput must be a Tensor/);
    await expect(exportOnnx(null as unknown as Module, x)).rejects.toThrow(/expected a Module/);
  });

  it('input and output names that clash with each other or with a graph value: ArgumentError (ONNX Runtime refuses such a file, or lets the input replace a weight)', async () => {
    const net = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 2)).eval();
    const x = randn([1, 2]);
    const cases: [object, RegExp][] = [
      [{ inputNames: ['x'], outputNames: ['x'] }, /inputNames and outputNames are both \['x'\]/],
      [{ inputNames: ['0.weight'] }, /inputNames \['0\.weight'\] is already the name of the parameter 0\.weight/],
      [{ outputNames: ['2.bias'] }, /outputNames \['2\.bias'\] is already the name of the parameter 2\.bias/],
      [{ outputNames: ['/0/Gemm_output_0'] }, /outputNames \['\/0\/Gemm_output_0'\] is already the name of a node's output/],
    ];
    for (const [opts, msg] of cases) {
      const err = await exportOnnx(net, x, opts).catch((e: unknown) => e);
      expect(err, JSON.stringify(opts)).toBeInstanceOf(ArgumentError);
      expect(String(err)).toMatch(msg);
    }
    // The last node's own output name is no clash: it is the value being named.
    const bytes = await exportOnnx(net, x, { outputNames: ['/2/Gemm_output_0'] });
    const session = await ort.InferenceSession.create(bytes);
    expect(session.outputNames).toEqual(['/2/Gemm_output_0']);
    await session.release();
    await expect(exportOnnx(new Dropout(0.1), x, { inputNames: ['a'], outputNames: ['a'] })).rejects.toThrow(ArgumentError);
  });

  it('shapes and dtypes that do not fit: ShapeError / DTypeError naming the module', async () => {
    const err = await exportOnnx(new Sequential(new Linear(2, 3), new Linear(4, 1)), randn([1, 2])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShapeError);
    expect(String(err)).toMatch(/module 1 \(Linear\) maps \[\.\.\., 4\] to \[\.\.\., 1\], but its input is \[1, 3\]/);
    await expect(exportOnnx(new Embedding(5, 2).eval(), randn([2, 3]))).rejects.toThrow(/the top module \(Embedding\) looks up rows by int32 indices/);
    await expect(exportOnnx(new Embedding(5, 2).eval(), randn([2, 3]))).rejects.toBeInstanceOf(DTypeError);
    await expect(exportOnnx(new Sequential(new GELU()), tensor([[1, 2]], { dtype: 'int32' }))).rejects.toThrow(/module 0 \(GELU\) gets an int32 input/);
  });
});

describe('fixtures/exported: the files scripts/check-models.py checks are what exportOnnx writes today', () => {
  it('each case exports byte-identical to its committed file, and check-output.txt lists each one as valid', async () => {
    if (WRITE) mkdirSync(FIXTURES, { recursive: true });
    for (const c of EXPORT_CASES) {
      const { bytes } = await exportCase(c);
      const file = `${FIXTURES}${c.name}.onnx`;
      if (WRITE) writeFileSync(file, bytes);
      expect(existsSync(file), `${file} missing: run NN_WRITE_ONNX_FIXTURES=1 on this test, then scripts/check-models.py`).toBe(true);
      expect(new Uint8Array(readFileSync(file)), `${c.name}.onnx differs from today's export: rewrite the fixtures and rerun the python check`).toEqual(bytes);
    }
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.onnx')).sort();
    expect(files).toEqual(EXPORT_CASES.map((c) => `${c.name}.onnx`).sort());
    if (WRITE) return;
    const lines = readFileSync(`${FIXTURES}check-output.txt`, 'utf8').trim().split('\n');
    expect(lines.filter((l) => / ok /.test(l)).map((l) => l.split(' ')[0])).toEqual(files);
  });
});
