import { describe, it, expect, beforeAll } from 'vitest';
import { createCpuBackend } from '@nn/cpu';
import { registerBackend, manualSeed, randn, noGrad, tensor, where, matmulT, cat, opTable, isDifferentiable, topoOrder, type OpDef, type OpId, type Tensor } from '@nn/core';
import { explainGradient, explainGradientAsync, graph, ExplainError } from './index.js';
import { seedNet as net } from '../test/nets.js';

beforeAll(() => {
  registerBackend(createCpuBackend());
  // A second cpu under another name stands in for a second device (the `to` op).
  registerBackend(createCpuBackend({ device: 'cpu2' }));
});

const maxAbs = (a: Tensor, b: Tensor): number => {
  const da = a.dataSync();
  const db = b.dataSync();
  let m = 0;
  for (let i = 0; i < da.length; i++) m = Math.max(m, Math.abs(da[i]! - db[i]!));
  return m;
};

describe('explainGradient on the seed net', () => {
  it('gives the manual code: grad_w2 = h_reluᵀ · grad_y_pred, grad_w1 = xᵀ · ((grad_y_pred · w2ᵀ) ⊙ [h ≥ 0])', () => {
    const { loss, w1, w2 } = net(2);
    const e2 = explainGradient(loss, w2);
    expect(e2.closedForm).toBe('grad_w2 = h_reluᵀ · grad_y_pred');
    expect(e2.where).toEqual(['grad_y_pred = 2(y_pred − y)']);
    const e1 = explainGradient(loss, w1);
    expect(e1.closedForm).toBe('grad_w1 = xᵀ · ((grad_y_pred · w2ᵀ) ⊙ [h ≥ 0])');
    expect(e1.program.map((l) => `${l.name} = ${l.formula}`)).toEqual([
      'grad_y_pred = 2(y_pred − y)',
      'grad_h_relu = grad_y_pred · w2ᵀ',
      'grad_h = grad_h_relu ⊙ [h ≥ 0]',
      'grad_w1 = xᵀ · grad_h',
    ]);
  });

  it('lists the one path to w1 with each local derivative and shape', () => {
    const { loss, w1 } = net(2);
    const e = explainGradient(loss, w1);
    expect(e.paths).toHaveLength(1);
    const p = e.paths[0]!;
    expect(p.map((s) => s.local)).toEqual(['dL/dy_pred = 2(y_pred − y)', 'dy_pred/dh_relu = · w2ᵀ', 'dh_relu/dh = [h ≥ 0]', 'dh/dw1 = xᵀ ·']);
    expect(p.map((s) => s.shape)).toEqual([[64, 10], [64, 100], [64, 100], [1000, 100]]);
    expect(p[0]!.ops).toEqual(['sum', 'pow', 'sub']);
  });

  it('answers the question: h_relu is read again by the backward of the mm that used it, to form grad_w2', () => {
    const { loss, w2 } = net(2);
    const e = explainGradient(loss, w2);
    const r = e.savedReads.find((s) => s.tensor === 'h_relu');
    expect(r?.forwardUses).toEqual(['mm → y_pred']);
    expect(r?.readBy).toMatch(/h_relu is used once in the forward pass.*backward of mm \(y_pred = h_relu · w2\) reads it again to form grad_w2/);
    expect(String(e)).toContain('reads it again to form grad_w2');
  });

  it('each formula equals autograd within float32 tolerance (two and three layers)', () => {
    for (const layers of [2, 3] as const) {
      const n = net(layers);
      for (const w of [n.w1, n.w2, n.w3].filter((t): t is Tensor => t !== null)) {
        const e = explainGradient(n.loss, w);
        expect(e.maxAbsDiff, `${layers}-layer ${w.name}`).not.toBeNull();
        expect(e.maxAbsGrad!).toBeGreaterThan(0);
        expect(e.maxAbsDiff!).toBeLessThanOrEqual(1e-5 * e.maxAbsGrad!);
        expect(String(e)).toMatch(/differs from autograd's w\d\.grad by at most/);
      }
    }
  });

  it('the three-layer closed form reaches one layer further', () => {
    const { loss, w1, w2, w3 } = net(3);
    expect(explainGradient(loss, w3!).closedForm).toBe('grad_w3 = h2_reluᵀ · grad_y_pred');
    expect(explainGradient(loss, w2).closedForm).toBe('grad_w2 = h1_reluᵀ · ((grad_y_pred · w3ᵀ) ⊙ [h2 ≥ 0])');
    expect(explainGradient(loss, w1).closedForm).toBe('grad_w1 = xᵀ · ((((grad_y_pred · w3ᵀ) ⊙ [h2 ≥ 0]) · w2ᵀ) ⊙ [h1 ≥ 0])');
  });

  it('matches the hand-written backprop of the seed program, not only autograd', () => {
    const { x, y, w1, w2, h, hRelu, yPred, loss } = net(2, [16, 30, 12, 4]);
    const e = explainGradient(loss, w1);
    // The seed program's manual lines, with tensor ops.
    const manual = noGrad(() => {
      const gradYPred = yPred.sub(y).mul(2);
      const gradHRelu = gradYPred.mm(w2.t());
      const gradH = gradHRelu.clone();
      gradH.maskedFill_(h.lt(0), 0);
      return { w1: x.t().mm(gradH), w2: hRelu.t().mm(gradYPred) };
    });
    expect(maxAbs(manual.w1, w1.grad!)).toBeLessThanOrEqual(1e-4 * e.maxAbsGrad!);
    expect(maxAbs(manual.w2, w2.grad!)).toBeLessThanOrEqual(1e-4 * explainGradient(loss, w2).maxAbsGrad!);
  });

  it('a tensor used twice has two paths, and their gradients add', () => {
    manualSeed(7);
    const w = randn([3, 3]).named('w').requiresGrad_();
    const x = randn([4, 3]).named('x');
    const a = x.mm(w).named('a');
    const b = a.tanh().mm(w).named('b');
    const loss = b.sum().named('loss');
    loss.backward();
    const e = explainGradient(loss, w);
    expect(e.paths).toHaveLength(2);
    expect(e.closedForm).toContain(' + ');
    expect(e.maxAbsDiff!).toBeLessThanOrEqual(1e-5 * e.maxAbsGrad!);
  });

  it('the async version reads the comparison back asynchronously', async () => {
    const { loss, w2 } = net(2, [8, 10, 6, 3]);
    const e = await explainGradientAsync(loss, w2);
    expect(e.maxAbsDiff!).toBeLessThanOrEqual(1e-5 * e.maxAbsGrad!);
  });

  it('says how to compare when backward() has not run, and names the fix for a leaf off the graph', () => {
    manualSeed(1);
    const w = randn([2, 2]).named('w').requiresGrad_();
    const loss = w.mul(3).sum().named('loss');
    const e = explainGradient(loss, w);
    expect(e.maxAbsDiff).toBeNull();
    expect(String(e)).toContain('call loss.backward() before explainGradient');
    const other = randn([2, 2]).named('v');
    expect(() => explainGradient(loss, other)).toThrow(/not on a recorded path.*requiresGrad = true/);
  });
});

describe('an op the table does not know', () => {
  it('explainGradient refuses it and names where the rule goes; the graph still draws it', () => {
    manualSeed(2);
    const a = randn([2, 2]).named('a').requiresGrad_();
    const z = a.mul(2);
    // Stand-in for a node whose id has no entry in the op table (typed code cannot
    // record one: the table's type has an entry for every id; plain JS could).
    z._node = { ...z._node!, id: 'mystery' as OpId, op: 'mystery' };
    const loss = z.sum().named('loss');
    expect(() => explainGradient(loss, a)).toThrow(ExplainError);
    expect(() => explainGradient(loss, a)).toThrow(/no derivative rule for op 'mystery'.*ops\/table\.ts/);
    const g = graph(loss, { view: 'backward' });
    expect(g.nodes.map((n) => n.name).sort()).toEqual(['a', 'loss', 'mystery']);
    expect(g.edges.map((e) => e.label)).toContain('dmystery/da = G ↦ ∂mystery(G)');
  });
});

describe('the derivative table', () => {
  // Each op's rule, checked against the backward autograd runs for it, on
  // inputs away from kinks (abs, max) so both sides are well defined.
  const cases: [string, (a: Tensor, b: Tensor) => Tensor][] = [
    ['add', (a, b) => a.add(b)],
    ['add (broadcast)', (a, b) => a.add(b.sum(0, true))],
    ['sub', (a, b) => a.sub(b).sub(2)],
    ['mul', (a, b) => a.mul(b).mul(3)],
    ['div', (a, b) => a.div(b.abs().add(1)).div(2)],
    ['div (scalar over tensor)', (a) => a.abs().add(1).pow(-1).mul(2)],
    ['pow', (a) => a.pow(3)],
    ['pow (tensor exponent)', (a, b) => a.abs().add(1).pow(b)],
    ['max/min', (a, b) => a.maximum(b).add(a.minimum(b.mul(2)))],
    ['neg exp log sqrt', (a) => a.neg().exp().add(a.abs().add(1).log()).add(a.abs().add(1).sqrt())],
    ['abs tanh sigmoid relu', (a) => a.abs().add(a.tanh()).add(a.sigmoid()).add(a.relu())],
    ['sin cos', (a) => a.sin().mul(a.cos())],
    ['log1p expm1 erf', (a) => a.abs().log1p().add(a.expm1()).add(a.erf())],
    ['sign floor ceil round (zero gradients)', (a) => a.sign().add(a.floor()).add(a.ceil()).add(a.round()).add(a)],
    ['reciprocal rsqrt square', (a) => a.abs().add(1).reciprocal().add(a.abs().add(1).rsqrt()).add(a.square())],
    ['leakyRelu elu', (a) => a.leakyRelu(0.2).add(a.elu(0.7))],
    ['gelu exact and tanh', (a) => a.gelu().add(a.gelu({ approximate: 'tanh' }).mul(2))],
    ['softplus', (a) => a.mul(4).softplus().add(a.softplus(2, 1))],
    ['softmax logSoftmax logsumexp', (a, b) => a.softmax(1).mul(b).add(a.logSoftmax(0)).add(a.logsumexp(1, true))],
    ['var std', (a) => a.var(1).add(a.std(0).sum()).add(a.var(undefined, { correction: 0 }))],
    ['cumsum', (a, b) => a.cumsum(1).mul(b).add(a.cumsum(0))],
    ['clamp', (a) => a.clamp({ min: -0.5, max: 0.5 })],
    ['mm / matmul / t', (a, b) => a.mm(b.t()).matmul(a)],
    // @nn/layers' Linear records matmulT under its own name, with transposes as attrs.
    ['matmulT with transposes, any name', (a, b) => matmulT(a, b, true, false, 'Linear').add(matmulT(b, a, false, true, 'Linear').sum())],
    // A batched product (id bmm): broadcast batch dims and a transposed batch, summed back to each input's shape.
    ['matmul / bmm of batches', (a, b) => a.reshape(2, 2, 3).matmul(b.reshape(1, 4, 3).transpose(1, 2)).add(a.reshape(2, 2, 3).bmm(b.reshape(2, 2, 3).transpose(1, 2)).sum())],
    ['permute reshape expand clone', (a) => a.permute(1, 0).reshape(-1).reshape(3, 4).clone().sum(0, true).expand(2, 4)],
    ['sum mean max', (a) => a.sum(1).add(a.mean(0).sum()).add(a.max(1))],
    ['min (the reduction)', (a) => a.min(1).add(a.min())],
    ['maskedFill', (a, b) => a.maskedFill(b.gt(0), 0).add(b)],
    ['where', (a, b) => where(a.gt(b), a.mul(b), b.exp())],
    ['to (across devices)', (a) => a.to('cpu2').tanh().to('cpu')],
    ['narrow slice squeeze unsqueeze sliceScatter', (a, b) => a.narrow(0, 1, 2).mul(b.slice(0, 0, null, 2)).unsqueeze(0).squeeze(0).add(a.sliceScatter(b.narrow(1, 0, 1), 1, 2).sum())],
    ['cat flip repeat', (a, b) => cat([a, b.flip(0)], 1).repeat(2, 1)],
    ['gather indexSelect scatterAdd', (a, b) => a.gather(1, [[0, 2, 2], [1, 1, 0], [2, 0, 1], [0, 0, 0]]).add(b.indexSelect(0, [3, 0, 3, 1])).add(a.scatterAdd(0, [[3, 0, 1]], b.narrow(0, 0, 1).mul(b.narrow(0, 1, 1))))],
  ];
  const seen = new Set<string>();
  for (const [name, f] of cases) {
    it(name, () => {
      manualSeed(3);
      const a = randn([4, 3]).named('a').requiresGrad_();
      const b = randn([4, 3]).named('b').requiresGrad_();
      const loss = f(a, b).mul(tensor(1.5)).sum().named('loss');
      loss.backward();
      for (const t of topoOrder(loss, true)) if (t.gradFn) seen.add(t.gradFn.id);
      for (const leaf of [a, b]) {
        if (!leaf.grad) continue;
        const e = explainGradient(loss, leaf);
        expect(e.maxAbsDiff!, `${name}: ${e.closedForm}`).toBeLessThanOrEqual(1e-5 * Math.max(1, e.maxAbsGrad!));
      }
    });
  }
  it('the cases above exercise every differentiable op of the op table', () => {
    // The table's type proves each op has a backward and an explanation; this proves each
    // explanation agrees with its backward, so a new entry needs a case above.
    const differentiable = (Object.keys(opTable) as OpId[]).filter((id) => isDifferentiable(opTable[id] as OpDef<OpId>));
    expect(differentiable.length).toBeGreaterThan(20);
    expect([...seen].sort()).toEqual(differentiable.sort());
  });
});
