import { scope } from '@nn/core';
import { explainGradientAsync, graph, toSvg, type GradientExplanation as Explanation } from '@nn/explain';
import type { ExplainTarget, Trainer } from './nets/index.js';

/** Put an SVG string into `host` as real SVG (parsed, never run as HTML). */
function showSvg(host: HTMLElement, svg: string, label: string): void {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.nodeName !== 'svg' || doc.getElementsByTagName('parsererror').length) {
    host.replaceChildren(para(`The ${label} could not be drawn: the SVG did not parse.`, 'error'));
    return;
  }
  const el = document.importNode(root, true) as unknown as SVGSVGElement;
  el.setAttribute('role', 'img');
  el.setAttribute('aria-label', label);
  el.classList.add('graph-svg');
  host.replaceChildren(el);
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
  private readonly chain: HTMLElement;
  readonly select: HTMLSelectElement;
  private readonly availability: HTMLElement;

  constructor(root: HTMLElement) {
    this.forward = root.querySelector('#graph-forward')!;
    this.backward = root.querySelector('#graph-backward')!;
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

  /** Redraw everything for the trainer's current weights. */
  async update(trainer: Trainer): Promise<void> {
    this.select.disabled = false;
    this.availability.textContent = 'Explaining the current weights…';
    this.availability.className = 'muted';
    delete this.availability.dataset.ok;
    const i = Math.max(0, trainer.weights.findIndex((w) => w.name === this.select.value));
    // Everything the panel shows, computed before anything is drawn.
    const compute = async (target: ExplainTarget): Promise<{ fwd: string; bwd: string; ex: Explanation }> => {
      const fwd = toSvg(graph(target.loss, { view: 'forward' }));
      const bwd = toSvg(graph(target.loss, { view: 'backward' }));
      scope(() => target.loss.backward());
      return { fwd, bwd, ex: await explainGradientAsync(target.loss, target.weights[i]!) };
    };
    let target: ExplainTarget | null = null;
    let note = '';
    try {
      let shown: { fwd: string; bwd: string; ex: Explanation };
      try {
        target = trainer.explain();
        shown = await compute(target);
      } catch (e) {
        if (!trainer.explainEquivalent) throw e;
        target?.dispose();
        const eq = trainer.explainEquivalent();
        target = eq;
        note = eq.note;
        shown = await compute(eq);
      }
      showSvg(this.forward, shown.fwd, 'Forward graph: how the data flows from x and the weights to the loss');
      showSvg(this.backward, shown.bwd, 'Backward graph: how the gradient flows from the loss to each weight, each edge labelled with its local derivative');
      this.showExplanation(shown.ex);
      this.availability.textContent = note;
      this.availability.className = note ? 'notice' : 'muted';
      this.availability.dataset.ok = '1';
    } catch (e) {
      this.availability.textContent = `The explanation failed: ${(e as Error).message}`;
      this.availability.className = 'error';
      this.availability.dataset.ok = '0';
    } finally {
      target?.dispose();
    }
  }

  private showExplanation(ex: Explanation): void {
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
