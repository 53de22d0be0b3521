import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@nn/cpu';
import { registerBackend, type Tensor } from '@nn/core';
import { explainGradient, explainGradientAsync } from './index.js';
import { seedNet as net } from '../test/nets.js';

beforeAll(() => {
  registerBackend(createCpuBackend());
});

describe('derivations by index and by shape', () => {
  it("grad_w2: the index form and the shape check beside the matrix form, in the issue's own words", () => {
    const { loss, w2 } = net(2);
    const e = explainGradient(loss, w2);
    const d = e.derivations.find((x) => x.name === 'grad_w2')!;
    expect(d.forward).toEqual(['y_pred[n,j] = Σₖ h_relu[n,k]·w2[k,j]']);
    expect(d.index).toBe('∂L/∂w2[k,j] = Σₙ h_relu[n,k]·grad_y_pred[n,j] = (h_reluᵀ · grad_y_pred)[k,j]');
    expect(d.shapes).toMatch(/^\(100×64\)·\(64×10\) = 100×10 = w2's shape; the transpose is what sums over the batch/);
    const text = String(e);
    expect(text).toContain('by index: ∂L/∂w2[k,j] = Σₙ h_relu[n,k]·grad_y_pred[n,j]');
    expect(text).toContain("shapes:   (100×64)·(64×10) = 100×10 = w2's shape");
    // The loss itself, by index.
    expect(e.derivations[0]!.forward).toEqual(['loss = Σₙⱼ (y_pred[n,j] − y[n,j])²']);
    expect(e.derivations[0]!.index).toBe('∂L/∂y_pred[n,j] = 2(y_pred[n,j] − y[n,j])');
  });

  it('the ReLU mask: why grad_h[h < 0] = 0, and the third layer\'s extra mask', () => {
    const two = net(2);
    const d = explainGradient(two.loss, two.w1).derivations.find((x) => x.name === 'grad_h')!;
    expect(d.forward).toEqual(['h_relu[n,k] = clamp(h[n,k], min=0)']);
    expect(d.index).toBe('∂L/∂h[n,k] = grad_h_relu[n,k]·[h[n,k] ≥ 0]');
    expect(d.mask).toMatch(/keeps its own gradient where h ≥ 0 .* gets 0 where h < 0 .*grad_h\[h < 0\] = 0$/);
    expect(d.shapes).toBe("elementwise, no sum: 64×100 ⊙ 64×100 = 64×100 = h's shape");

    const three = net(3);
    const ds = explainGradient(three.loss, three.w1).derivations;
    expect(ds.map((x) => x.name)).toEqual(['grad_y_pred', 'grad_h2_relu', 'grad_h2', 'grad_h1_relu', 'grad_h1', 'grad_w1']);
    expect(ds.find((x) => x.name === 'grad_h2')!.mask).toContain('grad_h2[h2 < 0] = 0');
    expect(ds.find((x) => x.name === 'grad_h1')!.mask).toContain('grad_h1[h1 < 0] = 0');
    // One letter per axis across the whole explanation: h1's units k, h2's units m, the outputs j.
    expect(ds.find((x) => x.name === 'grad_h1_relu')!.index).toBe('∂L/∂h1_relu[n,k] = Σₘ grad_h2[n,m]·w2[k,m] = (grad_h2 · w2ᵀ)[n,k]');
  });

  it('every line of every weight of both nets has an index form and a shape check', () => {
    for (const layers of [2, 3] as const) {
      const n = net(layers, [8, 12, 6, 3]);
      for (const w of n.weights) {
        const e = explainGradient(n.loss, w);
        expect(e.derivations).toHaveLength(e.program.length);
        for (const d of e.derivations) {
          expect(d.index, `${layers}-layer ${w.name} ${d.name}`).not.toBeNull();
          expect(d.shapes).toMatch(/= \w+'s shape/);
        }
      }
    }
  });

  it('the index form, summed by hand, is autograd\'s gradient (a few (k,j) of w2)', () => {
    const { loss, w2, hRelu, yPred, y } = net(2);
    // grad_w2[k,j] = Σₙ h_relu[n,k]·grad_y_pred[n,j], with grad_y_pred = 2(y_pred − y), in plain loops.
    const hr = hRelu.dataSync();
    const yp = yPred.dataSync();
    const yy = y.dataSync();
    const g = w2.grad!.dataSync();
    const [N, H, D] = [64, 100, 10];
    let scale = 0;
    for (const v of g) scale = Math.max(scale, Math.abs(v));
    for (const [k, j] of [[0, 0], [17, 3], [99, 9], [50, 5]] as const) {
      let s = 0;
      for (let n = 0; n < N; n++) s += hr[n * H + k]! * 2 * (yp[n * D + j]! - yy[n * D + j]!);
      expect(Math.abs(s - g[k * D + j]!), `(${k},${j})`).toBeLessThanOrEqual(1e-5 * scale);
    }
    // The explanation runs the same check on its own index form.
    const e = explainGradient(loss, w2);
    expect(e.indexCheck!.form).toBe('grad_w2[k,j] = Σₙ h_relu[n,k]·grad_y_pred[n,j]');
    expect(e.indexCheck!.at).toEqual([[0, 0], [99, 9], [50, 5], [0, 9]]);
    expect(e.indexCheck!.maxAbsDiff).toBeLessThanOrEqual(1e-5 * scale);
    expect(String(e)).toMatch(/Check by index: grad_w2\[k,j\] = Σₙ h_relu\[n,k\]·grad_y_pred\[n,j\], summed with plain loops/);
  });

  it('checks the index form of every weight of both nets against autograd, also asynchronously', async () => {
    for (const layers of [2, 3] as const) {
      const n = net(layers, [16, 30, 12, 4]);
      for (const w of n.weights as Tensor[]) {
        for (const e of [explainGradient(n.loss, w), await explainGradientAsync(n.loss, w)]) {
          const c = e.indexCheck!;
          expect(c, `${layers}-layer ${w.name}`).not.toBeNull();
          expect(c.maxAbsDiff).toBeLessThanOrEqual(1e-5 * Math.max(...c.autograd.map(Math.abs)));
        }
      }
    }
  });

  it('a transposed gradient of a square weight fails the index check (it reads off the diagonal too)', () => {
    const n = net(3, [8, 12, 6, 3]);
    const w2 = n.w2; // [6, 6]
    explainGradient(n.loss, w2); // a first call with the true gradient
    const g = w2.grad!;
    g.copy_(g.t().clone());
    const e = explainGradient(n.loss, w2);
    expect(e.indexCheck!.at.some((p) => p[0] !== p[1])).toBe(true);
    expect(e.indexCheck!.maxAbsDiff).toBeGreaterThan(1e-2 * Math.max(...e.indexCheck!.autograd.map(Math.abs)));
  });

  it('a wrong gradient would fail the index check (the check can fail)', () => {
    const { loss, w2 } = net(2, [8, 12, 6, 3]);
    explainGradient(loss, w2); // a first call with the true gradient
    w2.grad!.mul_(1.5);
    const e = explainGradient(loss, w2);
    expect(e.indexCheck!.maxAbsDiff).toBeGreaterThan(1e-2 * Math.max(...e.indexCheck!.autograd.map(Math.abs)));
  });
});
