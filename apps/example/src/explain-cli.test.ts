import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerBackend, manualSeed, randn, memory } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { checkOutputName, explainNet, graphFiles, writeLossPlot } from './explain-cli.js';

beforeAll(() => {
  registerBackend(createCpuBackend());
});

function data(net: 2 | 3) {
  manualSeed(5);
  const x = randn([8, 20], { name: 'x' });
  const y = randn([8, 3], { name: 'y' });
  const ws = net === 2 ? [randn([20, 6], { name: 'w1' }), randn([6, 3], { name: 'w2' })] : [randn([20, 6], { name: 'w1' }), randn([6, 6], { name: 'w2' }), randn([6, 3], { name: 'w3' })];
  return { x, y, ws };
}

describe('--explain / --graph / --plot', () => {
  it('explains every weight of the three-layer net within float32 tolerance, leaving the run\'s weights alone', async () => {
    const { x, y, ws } = data(3);
    const before = ws.map((w) => Array.from(w.dataSync()));
    const lines: string[] = [];
    const found = await explainNet(3, x, y, ws, { explain: true, bothNets: false }, (l) => lines.push(l));
    expect(found.map((f) => f.name)).toEqual(['w1', 'w2', 'w3']);
    expect(found.every((f) => f.ok)).toBe(true);
    expect(found[0]!.closedForm).toBe('grad_w1 = xᵀ · ((((grad_y_pred · w3ᵀ) ⊙ [h2 ≥ 0]) · w2ᵀ) ⊙ [h1 ≥ 0])');
    const text = lines.join('\n');
    expect(text).toContain('h2_relu is used once in the forward pass');
    // Each weight's lines by index and by shape, with the three-layer net's extra mask.
    expect(text).toContain('by index: ∂L/∂w3[m,j] = Σₙ h2_relu[n,m]·grad_y_pred[n,j] = (h2_reluᵀ · grad_y_pred)[m,j]');
    expect(text).toContain("shapes:   (6×8)·(8×3) = 6×3 = w3's shape; the transpose is what sums over the batch");
    expect(text).toContain("the manual code's grad_h2[h2 < 0] = 0");
    expect(text).toContain("the manual code's grad_h1[h1 < 0] = 0");
    expect(text).toMatch(/Check by index: grad_w1\[i,k\] = Σₙ x\[n,i\]·grad_h1\[n,k\]/);
    expect(text).toMatch(/# explain \(three-layer net\): w1 \|formula − autograd\| /);
    expect(ws.map((w) => Array.from(w.dataSync()))).toEqual(before);
    expect(ws.every((w) => w.grad === null && !w.requiresGrad)).toBe(true);
  });

  it('writes FILE-forward.EXT and FILE-backward.EXT (with the net when both run) in the asked format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nn-explain-'));
    const { x, y, ws } = data(2);
    for (const ext of ['svg', 'dot', 'mmd']) {
      await explainNet(2, x, y, ws, { explain: false, graphFile: join(dir, `g.${ext}`), bothNets: false }, () => {});
    }
    expect(readFileSync(join(dir, 'g-forward.svg'), 'utf8')).toMatch(/^<svg[^]*h_relu[^]*<\/svg>\n$/);
    expect(readFileSync(join(dir, 'g-backward.svg'), 'utf8')).toContain('dy_pred/dw2 = h_reluᵀ ·');
    expect(readFileSync(join(dir, 'g-backward.dot'), 'utf8')).toMatch(/^digraph nn \{/);
    expect(readFileSync(join(dir, 'g-forward.mmd'), 'utf8')).toContain('flowchart TB');
    expect(graphFiles(join(dir, 'g.svg'), 3, true).backward).toBe(join(dir, 'g-three-layer-backward.svg'));
  });

  it('frees what it recorded', async () => {
    const { x, y, ws } = data(2);
    // A first run may cache constants (the 0 of a mask); count live buffers around a second one.
    await explainNet(2, x, y, ws, { explain: true, bothNets: false }, () => {});
    const before = memory()['cpu']!.buffers;
    expect(before).toBeGreaterThan(0);
    await explainNet(2, x, y, ws, { explain: true, bothNets: false }, () => {});
    expect(memory()['cpu']!.buffers).toBe(before);
  });

  it('writes the loss plot and checks file names up front', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nn-plot-'));
    const file = join(dir, 'loss.svg');
    writeLossPlot(file, [
      { net: 2, style: 'manual', device: 'cpu', lr: 1e-6, losses: [[0, 3e7], [99, 700], [199, 5], [299, 0.06]] },
      { net: 3, style: 'manual', device: 'cpu', lr: 1e-8, losses: [[0, 2e9], [99, 8e5], [199, 9e4], [299, 1.5e4]] },
    ]);
    const svg = readFileSync(file, 'utf8');
    expect(existsSync(file)).toBe(true);
    expect(svg).toContain('two-layer, manual, cpu, lr 1e-6');
    expect(svg).toContain('loss (log scale)');
    expect(checkOutputName('plot', 'a.png')).toMatch(/\*\.svg/);
    expect(checkOutputName('graph', 'a.png')).toMatch(/\.dot \(Graphviz\)/);
    expect(checkOutputName('graph', 'a.mmd')).toBeNull();
  });
});
