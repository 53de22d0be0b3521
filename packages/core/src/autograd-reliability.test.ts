// Regression tests for issue 9's autograd findings (2, 3, 4, 6, 8, 9). Every expected
// gradient is PyTorch's (torch 1.13, float64 and float32, printed by the commands in the
// comments), never nn's own output.
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@nn/cpu';
import {
  registerBackend, tensor, noGrad, checkNumerics, scope, memory, where, maximum, minimum, pow, matmul, mul,
  ShapeError, DeviceError, StateError, NumericError, type Tensor,
} from './index.js';

beforeAll(() => {
  registerBackend(createCpuBackend());
  registerBackend(createCpuBackend({ device: 'cpu2' }));
});

// Values as plain numbers, -0 read as 0 (toEqual tells them apart); NaN equals NaN in toEqual.
const vals = (t: Tensor | null): number[] => Array.from(t!.dataSync(), (v) => (v === 0 ? 0 : v));
const leaf = (data: number[]): Tensor => tensor(data, { requiresGrad: true });
const buffers = (): number => memory().cpu!.buffers;
const caught = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
};

describe('finding 2: backward refuses a saved tensor changed in place, input or output', () => {
  // torch: w.exp() (sqrt, tanh, sigmoid, relu) then e.mul_(2) under no_grad, then e.sum().backward()
  // raises "one of the variables needed for gradient computation has been modified by an inplace operation".
  for (const op of ['exp', 'sqrt', 'tanh', 'sigmoid', 'relu'] as const) {
    it(`${op} saves its output`, () => {
      const w = leaf([1, 2]).named('w');
      const e = w[op]().named('e');
      noGrad(() => e.mul_(2));
      const err = caught(() => e.sum().backward());
      expect(err).toBeInstanceOf(StateError);
      expect(err.message).toMatch(new RegExp(`^backward: .*changed in place: e .*saved by ${op} as its output.*version 1 .*version 0`));
      expect(err.message).toMatch(/after backward\(\)|out-of-place/);
      // Refused before anything was computed: no gradient reached w.
      expect(w.grad).toBeNull();
    });
  }

  it('a saved input changed in place is refused too (log saves its input)', () => {
    const w = leaf([1, 2]);
    const h = w.add(1).named('h');
    const y = h.log();
    noGrad(() => h.mul_(2));
    expect(() => y.sum().backward()).toThrow(/h .*saved by log as its input a/);
  });

  it('an input no backward reads may change, as in PyTorch (w.grad = [1, 1])', () => {
    const w = leaf([1, 2]);
    const h = w.add(0);
    const y = h.add(1);
    noGrad(() => h.mul_(2));
    y.sum().backward();
    expect(vals(w.grad)).toEqual([1, 1]);
  });

  it('a tensor times a number saves no tensor: it may change in place, as in PyTorch (w.grad = [2, 2])', () => {
    // torch: h = w.add(0); y = h.mul(2); with no_grad: h.mul_(2); y.sum().backward() → w.grad [2, 2]
    for (const f of [(h: Tensor) => h.mul(2), (h: Tensor) => mul(3, h).div(1.5)]) {
      const w = leaf([1, 2]);
      const h = w.add(0);
      const y = f(h);
      noGrad(() => h.mul_(2));
      const loss = y.sum();
      loss.backward();
      expect(vals(w.grad)).toEqual([2, 2]);
      // The number is saved all the same: a second pass is refused (torch: "backward through the graph a second time").
      expect(() => loss.backward()).toThrow(/second time/);
    }
  });

  it('a saved tensor disposed before backward is named', () => {
    const w = leaf([1, 2]);
    const h = w.add(1).named('h');
    const y = h.log();
    h.dispose();
    expect(() => y.sum().backward()).toThrow(/h .*saved by log .*was disposed before backward/);
  });
});

describe('finding 3: every broadcasting op sums its gradient back to each input shape', () => {
  it('maskedFill with a mask that broadcasts x larger', () => {
    // torch: x=[1,2,3], m=[[1,0,0],[1,1,0]]; x.masked_fill(m.bool(), 0).sum().backward() → x.grad [0, 1, 2]
    const x = leaf([1, 2, 3]);
    const m = tensor([[1, 0, 0], [1, 1, 0]]);
    x.maskedFill(m, 0).sum().backward();
    expect(x.grad!.shape).toEqual([3]);
    expect(vals(x.grad)).toEqual([0, 1, 2]);
  });

  it('where with a condition larger than both operands', () => {
    // torch: (where(c, a, b) * [[1,2,3],[4,5,6]]).sum().backward() → a.grad [1, 0, 9], b.grad [11]
    const a = leaf([1, 2, 3]);
    const b = leaf([5]);
    const c = tensor([[1, 0, 1], [0, 0, 1]]);
    where(c, a, b).mul(tensor([[1, 2, 3], [4, 5, 6]])).sum().backward();
    expect(a.grad!.shape).toEqual([3]);
    expect(vals(a.grad)).toEqual([1, 0, 9]);
    expect(b.grad!.shape).toEqual([1]);
    expect(vals(b.grad)).toEqual([11]);
  });

  it('where with a number operand and a [2,1] operand', () => {
    const a = leaf([[2], [3]]);
    const c = tensor([[1, 0, 1], [1, 1, 0]]);
    where(c, a, 7).sum().backward();
    expect(vals(a.grad)).toEqual([2, 2]);
  });
});

describe('finding 4: gradients select with where (0, not NaN), ties split as PyTorch', () => {
  const grad = (f: (x: Tensor) => Tensor, data: number[]): number[] => {
    const x = leaf(data);
    f(x).sum().backward();
    return vals(x.grad);
  };

  it('clamp then sqrt at x = −1 gives 0 (torch: [0, inf, 0.25] at [−1, 0, 4])', () => {
    expect(grad((x) => x.clamp({ min: 0 }).sqrt(), [-1, 0, 4])).toEqual([0, Infinity, 0.25]);
  });
  it('relu then sqrt (torch: [0, 0, 0.25] at [−1, 0, 4])', () => {
    expect(grad((x) => x.relu().sqrt(), [-1, 0, 4])).toEqual([0, 0, 0.25]);
  });
  it('relu passes the gradient at NaN, as threshold_backward (torch: [0, 0, 1, 1] at [−1, 0, 4, NaN])', () => {
    expect(grad((x) => x.relu(), [-1, 0, 4, NaN])).toEqual([0, 0, 1, 1]);
  });
  it('clamp stops it at NaN and outside the bounds (torch: [0, 1, 1, 0, 0] at [−1, 0, 1, 2, NaN])', () => {
    expect(grad((x) => x.clamp({ min: 0, max: 1 }), [-1, 0, 1, 2, NaN])).toEqual([0, 1, 1, 0, 0]);
  });
  it('abs: sign(0) = sign(NaN) = 0, and an Inf gradient at 0 is NaN as in PyTorch (abs_backward multiplies)', () => {
    expect(grad((x) => x.abs(), [-1, 0, 2, NaN])).toEqual([-1, 0, 1, 0]);
    // torch: (x.abs()*inf).sum().backward() at [0, 1] → [nan, inf]
    expect(grad((x) => x.abs().mul(Infinity), [0, 1])).toEqual([NaN, Infinity]);
  });
  it('pow(0) has gradient 0 everywhere, 0 included (torch: [0, 0, 0])', () => {
    expect(grad((x) => x.pow(0), [0, 2, -1])).toEqual([0, 0, 0]);
    expect(grad((x) => x.pow(0).mul(Infinity), [0])).toEqual([0]);
  });
  it('pow with a tensor exponent at a = 0 (torch float32)', () => {
    // torch: a=[0,0,0,2,-1,0], b=[0,2,-1,3,0.5,0.5]; a.pow(b).sum().backward()
    const a = leaf([0, 0, 0, 2, -1, 0]);
    const b = leaf([0, 2, -1, 3, 0.5, 0.5]);
    pow(a, b).sum().backward();
    expect(vals(a.grad)).toEqual([0, 0, -Infinity, 12, NaN, Infinity]);
    const gb = vals(b.grad);
    expect([gb[0], gb[1], gb[2], gb[4], gb[5]]).toEqual([0, 0, -Infinity, NaN, 0]);
    expect(gb[3]).toBeCloseTo(5.545177444479562, 5);
  });
  it('pow with a number base (torch: pow(0, b) → [0, 0, −inf]; pow(2, b) → 2^b ln 2)', () => {
    expect(grad((b) => pow(0, b), [0, 2, -1])).toEqual([0, 0, -Infinity]);
    const g = grad((b) => pow(2, b), [0, 2, -1]);
    [0.6931471805599453, 2.772588722239781, 0.34657359027997264].forEach((want, i) => expect(g[i]).toBeCloseTo(want, 6));
  });
  it('maximum / minimum: ties split 0.5/0.5, NaN sends the gradient to both (torch float32)', () => {
    const a = leaf([1, 2, 3, NaN, 1]);
    const b = leaf([1, 1, 4, 1, NaN]);
    maximum(a, b).sum().backward();
    expect(vals(a.grad)).toEqual([0.5, 1, 0, 1, 1]);
    expect(vals(b.grad)).toEqual([0.5, 0, 1, 1, 1]);
    const c = leaf([1, 2, 3, NaN, 1]);
    const d = leaf([1, 1, 4, 1, NaN]);
    minimum(c, d).sum().backward();
    expect(vals(c.grad)).toEqual([0.5, 0, 1, 1, 1]);
    expect(vals(d.grad)).toEqual([0.5, 1, 0, 1, 1]);
  });
  it('maximum with a number ties 0.5 (torch: maximum([2, 1], 2) → [0.5, 0]); the loser gets 0 under an Inf gradient', () => {
    expect(grad((x) => maximum(x, 2), [2, 1])).toEqual([0.5, 0]);
    // torch: (maximum(a, b) * inf).sum().backward() at a=[1,2], b=[2,1] → a.grad [0, inf]
    expect(grad((x) => maximum(x, tensor([2, 1])).mul(Infinity), [1, 2])).toEqual([0, Infinity]);
  });
});

describe('finding 6: no leaks through .grad, NumericError or scalar operands', () => {
  it('a leaf made each step frees its .grad with it', () => {
    const step = (): void =>
      scope(() => {
        const x = leaf([1, 2, 3]);
        x.mul(x).sum().backward();
      });
    step();
    const before = buffers();
    for (let i = 0; i < 20; i++) step();
    expect(buffers()).toBe(before);
  });

  it('dispose() frees .grad; a .grad returned from a scope outlives its leaf', () => {
    const before = buffers();
    const x = leaf([1, 2]);
    scope(() => x.mul(3).sum().backward());
    const g = x.grad!;
    x.dispose();
    expect(g.isDisposed).toBe(true);
    expect(buffers()).toBe(before);
    const kept = scope(() => {
      const y = leaf([1, 2]);
      y.mul(3).sum().backward();
      return y.grad!;
    });
    expect(vals(kept)).toEqual([3, 3]);
    kept.dispose();
    expect(buffers()).toBe(before);
  });

  it('a caught NumericError leaves no buffer behind', () => {
    const x = tensor([-1, 4]);
    const before = buffers();
    checkNumerics(true);
    try {
      for (let i = 0; i < 5; i++) expect(() => x.log()).toThrow(NumericError);
    } finally {
      checkNumerics(false);
    }
    expect(buffers()).toBe(before);
    expect(vals(x)).toEqual([-1, 4]);
  });

  it('distinct scalars given to maskedFill and where are not kept as buffers', () => {
    const x = tensor([1, 2, 3]);
    const m = tensor([1, 0, 1]);
    const before = buffers();
    for (let i = 0; i < 50; i++) {
      const a = x.maskedFill(m, i + 0.5);
      const b = where(m, i + 0.25, x);
      const c = where(m, x, 0 - i);
      expect(vals(a)).toEqual([i + 0.5, 2, i + 0.5]);
      expect(vals(b)).toEqual([i + 0.25, 2, i + 0.25]);
      expect(vals(c)).toEqual([1, 0 - i, 3]);
      a.dispose();
      b.dispose();
      c.dispose();
    }
    expect(buffers()).toBe(before);
  });

  it('matmul of 1-D operands frees its reshaped operands and 2-D product with its output', () => {
    // torch.matmul(a, b) of two vectors is their dot product, and of a vector and a matrix a
    // vector; nn reshapes to matrices inside, and freeing what the caller holds frees all of it.
    for (const [sa, sb] of [[[2], [2]], [[2], [2, 3]], [[3, 2], [2]]] as const) {
      const before = buffers();
      const a = tensor(Array.from({ length: sa.reduce((p, v) => p * v, 1) }, (_, i) => i + 1), { shape: [...sa], requiresGrad: true });
      const b = tensor(Array.from({ length: sb.reduce((p, v) => p * v, 1) }, (_, i) => i - 1), { shape: [...sb], requiresGrad: true });
      const out = matmul(a, b);
      const loss = out.sum();
      loss.backward();
      expect(a.grad!.shape).toEqual([...sa]);
      const plain = noGrad(() => matmul(a, b));
      for (const t of [plain, loss, out, a, b]) t.dispose();
      expect(buffers()).toBe(before);
    }
  });

  it('a recorded where with a number frees that number with its output', () => {
    const before = buffers();
    const a = leaf([1, 2, 3]);
    const c = tensor([1, 0, 1]);
    const out = where(c, a, 7);
    const loss = out.sum();
    loss.backward();
    expect(vals(a.grad)).toEqual([1, 0, 1]);
    for (const t of [loss, out, c, a]) t.dispose();
    expect(buffers()).toBe(before);
  });

  it('scalars keep their exact values: ±0, ±Inf, NaN, tiny and huge', () => {
    const m = tensor([1]);
    for (const v of [0, -0, Infinity, -Infinity, NaN, 1e-38, 3e38, 1e-45]) {
      const got = tensor([5]).maskedFill(m, v).dataSync()[0]!;
      expect(Object.is(got, Math.fround(v))).toBe(true);
    }
  });
});

describe('finding 8: backward(gradient) must match the output device and shape', () => {
  it('a gradient on another device is a DeviceError naming both and .to()', () => {
    const w = leaf([1, 2, 3]);
    const y = w.mul(2);
    const err = caught(() => y.backward(tensor([1, 1, 1], { device: 'cpu2' })));
    expect(err).toBeInstanceOf(DeviceError);
    expect(err.message).toMatch(/^backward: .*'cpu2'.*'cpu'.*\.to\('cpu'\)/);
    expect(w.grad).toBeNull();
  });
  it('a gradient of another shape is a ShapeError naming both shapes', () => {
    const w = leaf([1, 2, 3]);
    const y = w.mul(2);
    const err = caught(() => y.backward(tensor([[1, 1, 1]])));
    expect(err).toBeInstanceOf(ShapeError);
    expect(err.message).toMatch(/^backward: the gradient has shape \[1, 3\] .*has shape \[3\]/);
    expect(w.grad).toBeNull();
  });
});

describe('finding 9: a second backward through a released graph is refused unless retainGraph', () => {
  it('refuses as PyTorch, and leaves .grad as the first backward left it', () => {
    const w = leaf([1, 2]);
    const loss = w.exp().sum();
    loss.backward();
    const err = caught(() => loss.backward());
    expect(err).toBeInstanceOf(StateError);
    expect(err.message).toMatch(/backward through the graph a second time.*exp.*retainGraph: true/);
    expect(vals(w.grad)).toEqual(Array.from(Float32Array.from([Math.E, Math.E ** 2])));
  });
  it('retainGraph keeps it (torch: retain_graph=True then backward → 2·e^w)', () => {
    const w = leaf([1, 2]);
    const loss = w.exp().sum();
    loss.backward({ retainGraph: true });
    loss.backward();
    const g = vals(w.grad);
    expect(g[0]).toBeCloseTo(5.4366, 3);
    expect(g[1]).toBeCloseTo(14.7781, 3);
    // The second call released it.
    expect(() => loss.backward()).toThrow(StateError);
  });
  it('backward(gradient, { retainGraph: true }) takes both', () => {
    const w = leaf([1, 2]);
    const y = w.mul(w);
    y.backward(tensor([1, 0]), { retainGraph: true });
    y.backward(tensor([0, 1]));
    expect(vals(w.grad)).toEqual([2, 4]);
  });
  it('ops that save nothing may be run again, as in PyTorch (add then sum: grad 2)', () => {
    const w = leaf([1, 2]);
    const loss = w.add(1).sum();
    loss.backward();
    loss.backward();
    expect(vals(w.grad)).toEqual([2, 2]);
  });
  it('a new graph on the same leaves is not affected', () => {
    const w = leaf([1, 2]);
    w.exp().sum().backward();
    w.exp().sum().backward();
    expect(vals(w.grad)[0]).toBeCloseTo(2 * Math.E, 5);
  });
});
