import { toSvg, type Graph } from '@nn/explain';
import { GraphView } from './graph-view.js';
import { explainData, type Explained } from './nets/explain-data.js';
import type { Trainer } from './nets/index.js';

/** Put an SVG string into `view` as real SVG (parsed, never run as HTML); returns it, or null when it did not parse. */
function showSvg(view: GraphView, host: HTMLElement, svg: string, label: string): SVGSVGElement | null {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.nodeName !== 'svg' || doc.getElementsByTagName('parsererror').length) {
    host.querySelector('.graph-viewport')?.replaceChildren(para(`The ${label} could not be drawn: the SVG did not parse.`, 'error'));
    return null;
  }
  const el = document.importNode(root, true) as unknown as SVGSVGElement;
  el.setAttribute('role', 'img');
  el.setAttribute('aria-label', label);
  el.classList.add('graph-svg');
  view.show(el);
  return el;
}

/**
 * Mark the chain-rule paths from the loss to the weight named `leaf` in a
 * drawn graph: every node that lies on a path between them (data flows from
 * the weight to the loss forward, the gradient from the loss to the weight
 * backward) gets the class on-path, as does every edge between two such nodes.
 * toSvg draws node g's with the graph's ids and one path[marker-end] per edge, in order.
 */
function highlightPath(svg: SVGSVGElement, g: Graph, leaf: string): string[] {
  const [src, dst] = g.view === 'forward' ? ['from', 'to'] as const : ['to', 'from'] as const;
  const start = g.nodes.find((n) => n.name === leaf && n.isLeaf)?.id;
  const end = g.nodes.find((n) => n.isOutput)?.id;
  const reach = (from: string | undefined, a: 'from' | 'to', b: 'from' | 'to'): Set<string> => {
    const seen = new Set<string>(from ? [from] : []);
    const todo = [...seen];
    while (todo.length) {
      const id = todo.pop()!;
      for (const e of g.edges) if (e[a] === id && !seen.has(e[b])) (seen.add(e[b]), todo.push(e[b]));
    }
    return seen;
  };
  // Downstream of the weight and upstream of the loss, in data-flow terms.
  const down = reach(start, src, dst);
  const up = reach(end, dst, src);
  const on = new Set([...down].filter((id) => up.has(id)));
  for (const node of svg.querySelectorAll('g.node')) node.classList.toggle('on-path', on.has(node.id));
  const paths = svg.querySelectorAll('path[marker-end]');
  g.edges.forEach((e, k) => paths[k]?.classList.toggle('on-path', on.has(e.from) && on.has(e.to)));
  return g.nodes.filter((n) => on.has(n.id)).map((n) => n.name);
}

function para(text: string, cls?: string): HTMLParagraphElement {
  const p = document.createElement('p');
  p.textContent = text;
  if (cls) p.className = cls;
  return p;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

const fmtShape = (s: readonly number[]): string => `[${s.join('×')}]`;

/**
 * The explain panel: the forward and backward graphs of the current net and,
 * for the chosen weight, the chain-rule paths, the closed matrix form the
 * manual code uses, and how far that formula is from autograd's gradient.
 * Everything comes from @nn/core's explain tools run on the page's own tensors.
 */
export class ExplainPanel {
  private readonly forward: HTMLElement;
  private readonly backward: HTMLElement;
  private readonly forwardView: GraphView;
  private readonly backwardView: GraphView;
  private readonly chain: HTMLElement;
  readonly select: HTMLSelectElement;
  private readonly availability: HTMLElement;

  constructor(root: HTMLElement) {
    this.forward = root.querySelector('#graph-forward')!;
    this.backward = root.querySelector('#graph-backward')!;
    this.forwardView = new GraphView(this.forward, 'forward graph');
    this.backwardView = new GraphView(this.backward, 'backward graph');
    this.chain = root.querySelector('#chain')!;
    this.select = root.querySelector('#explain-weight')!;
    this.availability = root.querySelector('#explain-status')!;
  }

  /** Offer the trainer's weights in the weight picker, keeping the choice when it still exists. */
  setWeights(names: readonly string[]): void {
    const prev = this.select.value;
    this.select.replaceChildren(...names.map((n) => new Option(n, n)));
    this.select.value = names.includes(prev) ? prev : names[0] ?? '';
  }

  /** Redraw everything for the trainer's current weights (the trainer on this thread). */
  async update(trainer: Trainer): Promise<void> {
    this.begin();
    try {
      this.show(await explainData(trainer, this.select.value));
    } catch (e) {
      this.fail((e as Error).message);
    }
  }

  /** Say an explanation is on its way (the seed worker computes it off the page). */
  begin(): void {
    this.select.disabled = false;
    this.availability.textContent = 'Explaining the current weights…';
    this.availability.className = 'muted';
    delete this.availability.dataset.ok;
  }

  /** Draw an explanation computed by explainData, here or in the seed worker. */
  show(shown: Explained): void {
    const leaf = shown.ex.leaf;
    const fwdSvg = showSvg(this.forwardView, this.forward, toSvg(shown.fwd), 'Forward graph: how the data flows from x and the weights to the loss');
    const bwdSvg = showSvg(this.backwardView, this.backward, toSvg(shown.bwd), 'Backward graph: how the gradient flows from the loss to each weight, each edge labelled with its local derivative');
    if (fwdSvg) highlightPath(fwdSvg, shown.fwd, leaf);
    if (bwdSvg) this.backward.dataset.path = highlightPath(bwdSvg, shown.bwd, leaf).join(' ');
    this.showExplanation(shown.ex);
    this.availability.textContent = shown.note;
    this.availability.className = shown.rewritten ? 'notice' : 'muted';
    this.availability.dataset.ok = '1';
  }

  /** Say the explanation failed, and why. */
  fail(message: string): void {
    this.availability.textContent = `The explanation failed: ${message}`;
    this.availability.className = 'error';
    this.availability.dataset.ok = '0';
  }

  private showExplanation(ex: Explained['ex']): void {
    const out: HTMLElement[] = [];
    out.push(el('h4', `How autograd gets grad_${ex.leaf} ${fmtShape(ex.shape)}`));
    ex.paths.forEach((path, k) => {
      out.push(el('p', ex.paths.length > 1 ? `Path ${k + 1} of ${ex.paths.length}, from the loss to ${ex.leaf}:` : `The path from the loss to ${ex.leaf}:`));
      const ol = el('ol', undefined, 'path');
      for (const s of path) {
        const li = el('li');
        li.append(el('code', s.local), ` — gives ${s.to} ${fmtShape(s.shape)}`);
        if (s.reads.length) li.append(`, reads the saved ${s.reads.join(', ')}`);
        ol.append(li);
      }
      out.push(ol);
    });
    out.push(el('p', 'The manual code, one line per step:'));
    out.push(el('pre', ex.program.map((l) => `${l.name} = ${l.formula}    ${fmtShape(l.shape)}`).join('\n'), 'program'));
    out.push(el('p', 'Closed matrix form:'));
    const closed = el('pre', [ex.closedForm, ...ex.where.map((w) => `  where ${w}`)].join('\n'), 'closed');
    closed.id = 'closed-form';
    out.push(closed);
    if (ex.savedReads.length) {
      const ul = el('ul');
      for (const r of ex.savedReads) ul.append(el('li', `${r.tensor}: used in the forward pass by ${r.forwardUses.join(', ')}; ${r.readBy}`));
      out.push(el('p', 'Forward values the backward pass reads again:'), ul);
    }
    const diff = el('p', undefined, 'diff');
    diff.id = 'explain-diff';
    if (ex.maxAbsDiff === null) diff.textContent = 'No autograd gradient to compare with.';
    else {
      const rel = ex.maxAbsGrad ? ex.maxAbsDiff / ex.maxAbsGrad : 0;
      diff.textContent =
        `Largest difference between this formula and autograd's gradient, on ${ex.device}: ${ex.maxAbsDiff.toExponential(2)} ` +
        `(the gradient's largest entry is ${(ex.maxAbsGrad ?? 0).toExponential(2)}; relative ${rel.toExponential(1)}).`;
      diff.dataset.maxAbsDiff = String(ex.maxAbsDiff);
      diff.dataset.relative = String(rel);
    }
    out.push(diff);
    this.chain.replaceChildren(...out);
  }
}
