import { scope } from '@nn/core';
import { explainGradientAsync, graph, type GradientExplanation, type Graph } from '@nn/explain';
import type { ExplainTarget, Trainer } from './trainer.js';

/** What the explain panel draws, as plain data (it crosses postMessage from the seed worker). */
export interface Explained {
  fwd: Graph;
  bwd: Graph;
  /** The explanation without its toString (a function: it would not cross postMessage). */
  ex: Omit<GradientExplanation, 'toString'>;
  /** What to say about how the graph names this style's code, and any rewrite made (may be ''). */
  note: string;
  /** True when `note` says more than the style's usual explainNote (a rewrite happened). */
  rewritten: boolean;
}

/**
 * Explain the trainer's current weights for weight `weight` (the first when
 * not found): both graphs and the chain rule for it. Falls back to the
 * style's plain-tensor equivalent when an explain tool has no rule for an op.
 * Every tensor made for it is freed before this returns.
 */
export async function explainData(trainer: Trainer, weight: string): Promise<Explained> {
  const i = Math.max(0, trainer.weights.findIndex((w) => w.name === weight));
  const compute = async (target: ExplainTarget): Promise<Omit<Explained, 'note' | 'rewritten'>> => {
    const fwd = graph(target.loss, { view: 'forward' });
    const bwd = graph(target.loss, { view: 'backward' });
    scope(() => target.loss.backward());
    const { toString: _text, ...ex } = await explainGradientAsync(target.loss, target.weights[i]!);
    return { fwd, bwd, ex };
  };
  let target: ExplainTarget | null = null;
  let rewrite = '';
  try {
    let shown: Omit<Explained, 'note' | 'rewritten'>;
    try {
      target = trainer.explain();
      shown = await compute(target);
    } catch (e) {
      if (!trainer.explainEquivalent) throw e;
      target?.dispose();
      const eq = trainer.explainEquivalent();
      target = eq;
      rewrite = eq.note;
      shown = await compute(eq);
    }
    const note = [trainer.explainNote ?? '', rewrite].filter(Boolean).join(' ');
    return { ...shown, note, rewritten: rewrite !== '' };
  } finally {
    target?.dispose();
  }
}
