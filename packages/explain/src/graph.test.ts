import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createCpuBackend } from '@nn/cpu';
import { registerBackend, manualSeed, randn, type Tensor } from '@nn/core';
import { graph, toDot, toMermaid, toSvg, type Graph } from './index.js';
import { SAVED_COLOR } from './text.js';
import { parseXml } from '../test/xml.js';

beforeAll(() => {
  registerBackend(createCpuBackend());
});

/** The seed net (small sizes: the graph does not depend on them), two or three layers. */
function net(layers: 2 | 3): { loss: Tensor } {
  manualSeed(0);
  const x = randn([8, 12]).named('x');
  const y = randn([8, 3]).named('y');
  const w1 = randn([12, 6]).named('w1').requiresGrad_();
  // The learner's names: h, h_relu for the two-layer net; h1, h1_relu, h2, h2_relu for three layers.
  let a = x.mm(w1).named(layers === 2 ? 'h' : 'h1').clamp({ min: 0 }).named(layers === 2 ? 'h_relu' : 'h1_relu');
  if (layers === 3) {
    const w2 = randn([6, 6]).named('w2').requiresGrad_();
    a = a.mm(w2).named('h2').clamp({ min: 0 }).named('h2_relu');
  }
  const wLast = randn([6, 3]).named(layers === 3 ? 'w3' : 'w2').requiresGrad_();
  const yPred = a.mm(wLast).named('y_pred');
  return { loss: yPred.sub(y).pow(2).sum().named('loss') };
}

const names = (g: Graph): string[] => g.nodes.map((n) => n.name).sort();
const edgeSet = (g: Graph): string[] => {
  const byId = new Map(g.nodes.map((n) => [n.id, n.name]));
  return g.edges.map((e) => `${byId.get(e.from)} -> ${byId.get(e.to)}${e.label ? ` : ${e.label}` : ''}`).sort();
};

describe('graph()', () => {
  it('forward view of the two-layer net: every op and leaf, data edges', () => {
    const g = graph(net(2).loss);
    expect(names(g)).toEqual(['h', 'h_relu', 'loss', 'pow', 'sub', 'w1', 'w2', 'x', 'y', 'y_pred']);
    expect(edgeSet(g)).toEqual(
      ['h -> h_relu', 'h_relu -> y_pred', 'pow -> loss', 'sub -> pow', 'w1 -> h', 'w2 -> y_pred', 'x -> h', 'y -> sub', 'y_pred -> sub'].sort(),
    );
    const byName = new Map(g.nodes.map((n) => [n.name, n]));
    expect(byName.get('x')).toMatchObject({ isLeaf: true, requiresGrad: false, op: null, shape: [8, 12] });
    expect(byName.get('w1')).toMatchObject({ isLeaf: true, requiresGrad: true });
    expect(byName.get('h_relu')).toMatchObject({ isLeaf: false, op: 'clamp', formula: 'clamp(h, min=0)', saves: ['a'] });
    expect(byName.get('y_pred')).toMatchObject({ formula: 'h_relu · w2', shape: [8, 3] });
    expect(byName.get('sub')).toMatchObject({ named: false, formula: 'y_pred − y' });
    expect(byName.get('loss')).toMatchObject({ isOutput: true, shape: [] });
  });

  it('backward view of the two-layer net: gradients with local derivatives', () => {
    const g = graph(net(2).loss, { view: 'backward' });
    expect(names(g)).toEqual(['h', 'h_relu', 'loss', 'w1', 'w2', 'y_pred']);
    expect(edgeSet(g)).toEqual(
      [
        'loss -> y_pred : dL/dy_pred = 2(y_pred − y)',
        'y_pred -> h_relu : dy_pred/dh_relu = · w2ᵀ',
        'y_pred -> w2 : dy_pred/dw2 = h_reluᵀ ·',
        'h_relu -> h : dh_relu/dh = [h ≥ 0]',
        'h -> w1 : dh/dw1 = xᵀ ·',
      ].sort(),
    );
    const byName = new Map(g.nodes.map((n) => [n.name, n]));
    expect(byName.get('w2')!.grad).toBe('grad_w2 = h_reluᵀ · grad_y_pred');
    // The learner's question: h_relu is read again by the derivative that forms grad_w2 (and w2 by the one to h_relu).
    const edge = (from: string, to: string) => g.edges.find((e) => e.from === byName.get(from)!.id && e.to === byName.get(to)!.id)!;
    expect(edge('y_pred', 'w2').reads).toEqual([byName.get('h_relu')!.id]);
    expect(edge('y_pred', 'h_relu').reads).toEqual([byName.get('w2')!.id]);
    expect(edge('h', 'w1').reads).toEqual([]);
    expect(byName.get('h')!.grad).toBe('grad_h = grad_h_relu ⊙ [h ≥ 0]');
  });

  it('backward view with every op shows the hidden sub/pow steps one by one', () => {
    const g = graph(net(2).loss, { view: 'backward', allOps: true });
    expect(names(g)).toEqual(['h', 'h_relu', 'loss', 'pow', 'sub', 'w1', 'w2', 'y_pred']);
    expect(edgeSet(g)).toContain('pow -> sub : dpow/dsub = 2(y_pred − y)');
    expect(edgeSet(g)).toContain('sub -> y_pred : dsub/dy_pred = 1');
  });

  it('three-layer net: one more mm and clamp, forward and backward', () => {
    const { loss } = net(3);
    const f = graph(loss);
    expect(names(f)).toEqual(['h1', 'h1_relu', 'h2', 'h2_relu', 'loss', 'pow', 'sub', 'w1', 'w2', 'w3', 'x', 'y', 'y_pred']);
    expect(f.edges).toHaveLength(12);
    const b = graph(loss, { view: 'backward' });
    expect(edgeSet(b)).toEqual(
      [
        'loss -> y_pred : dL/dy_pred = 2(y_pred − y)',
        'y_pred -> h2_relu : dy_pred/dh2_relu = · w3ᵀ',
        'y_pred -> w3 : dy_pred/dw3 = h2_reluᵀ ·',
        'h2_relu -> h2 : dh2_relu/dh2 = [h2 ≥ 0]',
        'h2 -> h1_relu : dh2/dh1_relu = · w2ᵀ',
        'h2 -> w2 : dh2/dw2 = h1_reluᵀ ·',
        'h1_relu -> h1 : dh1_relu/dh1 = [h1 ≥ 0]',
        'h1 -> w1 : dh1/dw1 = xᵀ ·',
      ].sort(),
    );
  });
});

describe('renderers', () => {
  it('draw each saved-value link once, coloured and labelled with what it forms, in SVG, DOT and Mermaid alike', () => {
    const g = graph(net(2).loss, { view: 'backward' });
    const labels = ['h_relu ⇢ grad_w2', 'w2 ⇢ grad_h_relu'];
    const svg = parseXml(toSvg(g));
    for (const l of labels) expect(svg.texts.filter((t) => t === l), l).toHaveLength(1);
    const dot = toDot(g);
    const dashed = dot.split('\n').filter((l) => l.includes('style=dashed'));
    // One arrow per link (h_relu -> w2 and w2 -> h_relu are two links, each saying what it forms).
    expect(dashed).toHaveLength(2);
    for (const l of labels) expect(dashed.filter((d) => d.includes(` ${l} `) && d.includes(SAVED_COLOR)), l).toHaveLength(1);
    expect(dot).not.toContain('saved, read again');
    const mmd = toMermaid(g);
    for (const l of labels) expect(mmd.split('\n').filter((d) => d.includes(`-.->|"${l}"|`)), l).toHaveLength(1);
    expect(mmd).toMatch(new RegExp(`linkStyle 5,6 stroke:${SAVED_COLOR}`));
    checkMermaid(mmd);
  });

  for (const layers of [2, 3] as const) {
    for (const view of ['forward', 'backward'] as const) {
      const label = `${layers}-layer ${view}`;

      it(`SVG is well-formed XML and names every node (${label})`, () => {
        const g = graph(net(layers).loss, { view });
        const svg = toSvg(g);
        const doc = parseXml(svg);
        expect(doc.root).toBe('svg');
        for (const n of g.nodes) expect(doc.texts, n.name).toContain(n.name);
        for (const e of g.edges) if (e.label) expect(doc.texts).toContain(e.label);
      });

      it(`DOT is accepted by Graphviz (${label})`, () => {
        const dot = toDot(graph(net(layers).loss, { view }));
        const r = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
        if (r.error) {
          throw new Error(`Graphviz 'dot' could not run (${r.error.message}); install graphviz (scripts/setup.sh does: apt-get install graphviz)`);
        }
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        const doc = parseXml(r.stdout.replace(/<!DOCTYPE[^>]*>/, ''));
        expect(doc.root).toBe('svg');
        expect(doc.texts.join('\n')).toContain('y_pred');
      });

      it(`Mermaid text follows the flowchart grammar (${label})`, () => {
        const g = graph(net(layers).loss, { view });
        const m = checkMermaid(toMermaid(g));
        expect(m.nodes.sort()).toEqual(g.nodes.map((n) => n.id).sort());
        expect(m.edges).toBe(g.edges.length + g.edges.reduce((n, e) => n + e.reads.length, 0));
      });
    }
  }

  it('the XML check rejects what a browser would reject', () => {
    expect(() => parseXml('<svg><g></svg>')).toThrow(/closes <g>/);
    expect(() => parseXml('<svg><text>a & b</text></svg>')).toThrow(/bare '&'/);
    expect(() => parseXml('<svg a="1" a="2"/>')).toThrow(/repeated/);
    expect(() => parseXml('<svg x=1/>')).toThrow(/not quoted/);
    expect(() => parseXml('<svg/><svg/>')).toThrow(/second root/);
    expect(parseXml('<svg><text>[h &gt; 0] &amp; ok</text></svg>').texts).toEqual(['[h > 0] & ok']);
  });

  it('the Mermaid check rejects malformed lines', () => {
    expect(() => checkMermaid('flowchart TB\n  a["x"]\n  a --> b\n')).toThrow(/undeclared node b/);
    expect(() => checkMermaid('flowchart TB\n  a["say "hi""]\n')).toThrow(/line 2/);
    expect(() => checkMermaid('graph XY\n')).toThrow(/flowchart/);
  });
});

/**
 * Mermaid's own parser does not run here (mermaid 11 needs a DOM, 12 and
 * @mermaid-js/parser need Node 22, and the latter has no flowchart grammar),
 * so this checks the subset of the flowchart grammar toMermaid emits, strictly:
 * optional front matter with a quoted title, `flowchart TB`, node statements
 * `id["…"]`, `id(["…"])`, `id[["…"]]`, edges `a --> b` / `a ==>|"…"| b`,
 * `classDef` and `class` lines; quoted labels hold no raw `"`, and every edge
 * and class names a declared node.
 */
function checkMermaid(text: string): { nodes: string[]; edges: number } {
  const lines = text.split('\n');
  let i = 0;
  const fail = (msg: string): never => {
    throw new SyntaxError(`mermaid line ${i + 1}: ${msg}: ${JSON.stringify(lines[i])}`);
  };
  if (lines[0] === '---') {
    i = 1;
    while (i < lines.length && lines[i] !== '---') {
      if (!/^title: "[^"]*"$/.test(lines[i]!)) fail('front matter holds only a quoted title here');
      i++;
    }
    if (lines[i] !== '---') fail('front matter is not closed');
    i++;
  }
  if (!/^flowchart (TB|TD|BT|LR|RL)$/.test(lines[i] ?? '')) fail('expected a flowchart header');
  i++;
  const ID = '[A-Za-z][A-Za-z0-9_]*';
  const STR = '"[^"]*"';
  const nodeRe = new RegExp(`^  (${ID})(\\[${STR}\\]|\\(\\[${STR}\\]\\)|\\[\\[${STR}\\]\\])$`);
  const edgeRe = new RegExp(`^  (${ID}) (-->|==>|-\\.->)(\\|${STR}\\|)? (${ID})$`);
  const classDefRe = /^ {2}classDef [A-Za-z]\w* [a-z-]+:[#\w.]+(,[a-z-]+:[#\w.]+)*$/;
  const classRe = new RegExp(`^  class (${ID}(?:,${ID})*) [A-Za-z]\\w*$`);
  const linkStyleRe = /^ {2}linkStyle (\d+(?:,\d+)*) [a-z-]+:[#\w.]+(,[a-z-]+:[#\w.]+)*$/;
  const styled: number[] = [];
  const nodes: string[] = [];
  const refs: [string, number][] = [];
  let edges = 0;
  for (; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '' && i === lines.length - 1) break;
    let m: RegExpExecArray | null;
    if ((m = nodeRe.exec(l))) {
      if (nodes.includes(m[1]!)) fail(`node ${m[1]} declared twice`);
      // Only the HTML the renderer supports inside labels: <b>, </b>, <br/>.
      const tags = m[2]!.match(/<[^>]*>/g) ?? [];
      if (tags.some((t) => !['<b>', '</b>', '<br/>'].includes(t))) fail('unexpected HTML in a label');
      nodes.push(m[1]!);
    } else if ((m = edgeRe.exec(l))) {
      refs.push([m[1]!, i], [m[4]!, i]);
      edges++;
    } else if (classDefRe.test(l)) {
      // style definitions: checked by the pattern alone
    } else if ((m = classRe.exec(l))) {
      for (const id of m[1]!.split(',')) refs.push([id, i]);
    } else if ((m = linkStyleRe.exec(l))) {
      styled.push(...m[1]!.split(',').map(Number));
    } else {
      fail('not a statement of the emitted grammar');
    }
  }
  for (const [id, line] of refs) {
    if (!nodes.includes(id)) {
      i = line;
      fail(`undeclared node ${id}`);
    }
  }
  // linkStyle numbers the links in the order written, from 0.
  if (styled.some((n) => n >= edges)) fail(`linkStyle names link ${Math.max(...styled)} of ${edges}`);
  return { nodes, edges };
}
