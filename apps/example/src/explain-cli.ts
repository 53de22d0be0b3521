/**
 * The example's --explain, --graph and --plot: the seed program's answer in
 * pictures and words, from nn's record of the run's own tensors.
 *
 *   --explain          print, for each weight, every chain-rule path from the loss,
 *                      the formula the manual code uses and its difference from autograd
 *   --graph FILE.svg   write the forward and backward graphs (.svg, .dot or .mmd):
 *                      FILE-forward.svg and FILE-backward.svg; when both nets run,
 *                      FILE-two-layer-forward.svg, FILE-three-layer-backward.svg, ...
 *   --plot FILE.svg    write the loss curve of the run (one line per net)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { dispose, topoOrder, type Tensor } from '@nn/core';
import { explainGradientAsync, graph, lossPlotSvg, toDot, toMermaid, toSvg } from '@nn/explain';

/** Write a file, making its folder first (as `--graph out/net.svg` into a new `out/` expects). */
function writeOut(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** Formats --graph writes, by file extension. */
export const GRAPH_FORMATS = ['.svg', '.dot', '.mmd'] as const;

/** The largest |formula − autograd| accepted, relative to the largest |gradient| (float32). */
export const EXPLAIN_TOLERANCE = 1e-4;

/** What --explain found for one weight. */
export interface ExplainedWeight {
  name: string;
  closedForm: string;
  maxAbsDiff: number;
  maxAbsGrad: number;
  ok: boolean;
}

/** Check a --graph or --plot file name up front; returns an error message, or null when fine. */
export function checkOutputName(flag: 'graph' | 'plot', file: string): string | null {
  const ext = extname(file).toLowerCase();
  if (flag === 'plot') return ext === '.svg' ? null : `--plot ${file}: the loss plot is written as SVG; name the file *.svg`;
  return (GRAPH_FORMATS as readonly string[]).includes(ext) ? null : `--graph ${file}: name the file *.svg, *.dot (Graphviz) or *.mmd (Mermaid)`;
}

/** The files --graph FILE writes for `net`: FILE-forward.EXT and FILE-backward.EXT, with the net's name when both nets run. */
export function graphFiles(file: string, net: 2 | 3, bothNets: boolean): { forward: string; backward: string } {
  const ext = extname(file);
  const base = file.slice(0, file.length - ext.length);
  const tag = bothNets ? `-${net === 2 ? 'two' : 'three'}-layer` : '';
  return { forward: `${base}${tag}-forward${ext}`, backward: `${base}${tag}-backward${ext}` };
}

// The forward pass of the seed program with its variable names, so the graphs
// and formulas speak the manual code's language: h, h_relu for the two-layer
// net; h1, h1_relu, h2, h2_relu for the three-layer net (nets/manual.ts).
function namedLoss(x: Tensor, y: Tensor, ws: readonly Tensor[]): Tensor {
  const three = ws.length === 3;
  let a = x.mm(ws[0]!).named(three ? 'h1' : 'h').clamp({ min: 0 }).named(three ? 'h1_relu' : 'h_relu');
  if (three) a = a.mm(ws[1]!).named('h2').clamp({ min: 0 }).named('h2_relu');
  const yPred = a.mm(ws[ws.length - 1]!).named('y_pred');
  return yPred.sub(y).pow(2).sum().named('loss');
}

/**
 * Record one forward and backward pass of `net` at the weights `ws` (copies:
 * the run's weights are untouched), then print the explanation of every
 * weight's gradient (`explain`) and write the graphs (`graphFile`).
 * `print` gets the text; the return value says how far each formula is from autograd.
 */
export async function explainNet(
  net: 2 | 3,
  x: Tensor,
  y: Tensor,
  ws: readonly Tensor[],
  opts: { explain: boolean; graphFile?: string | undefined; bothNets: boolean },
  print: (text: string) => void,
): Promise<ExplainedWeight[]> {
  const made: Tensor[] = [];
  try {
    const weights = ws.map((w, i) => {
      const c = w.detach().named(w.name ?? `w${i + 1}`);
      c.requiresGrad = true;
      made.push(c);
      return c;
    });
    const loss = namedLoss(x, y, weights);
    made.push(loss);
    loss.backward();

    if (opts.graphFile) {
      const files = graphFiles(opts.graphFile, net, opts.bothNets);
      const ext = extname(opts.graphFile).toLowerCase();
      const render = ext === '.dot' ? toDot : ext === '.mmd' ? toMermaid : toSvg;
      writeOut(files.forward, render(graph(loss, { view: 'forward' })));
      writeOut(files.backward, render(graph(loss, { view: 'backward' })));
      print(`# wrote the forward graph to ${files.forward} and the backward graph to ${files.backward}`);
    }

    const found: ExplainedWeight[] = [];
    for (const w of opts.explain ? weights : []) {
      const e = await explainGradientAsync(loss, w);
      const rel = e.maxAbsDiff! / Math.max(e.maxAbsGrad!, Number.MIN_VALUE);
      found.push({ name: w.name!, closedForm: e.closedForm, maxAbsDiff: e.maxAbsDiff!, maxAbsGrad: e.maxAbsGrad!, ok: rel <= EXPLAIN_TOLERANCE });
      print('');
      for (const line of String(e).split('\n')) print(line ? `  ${line}` : '');
    }
    if (opts.explain) {
      print('');
      print(`# explain (${net === 2 ? 'two' : 'three'}-layer net): ` + found.map((f) => `${f.name} |formula − autograd| ${f.maxAbsDiff.toExponential(2)}`).join(', '));
    }
    return found;
  } finally {
    // The recorded intermediates (h, h_relu, ...) were made outside any scope: free them with the copies.
    const loss = made.length > ws.length ? made[made.length - 1]! : null;
    if (loss) dispose(topoOrder(loss, true).filter((t) => !t.isLeaf));
    for (const t of made) {
      t.zeroGrad();
      t.dispose();
    }
  }
}

/** One line of the --plot chart: which run, and its [t, loss] points. */
export interface PlotRun {
  net: 2 | 3;
  style: string;
  device: string;
  lr: number;
  losses: readonly (readonly [number, number])[];
}

/** Write the loss curves of the runs to `file` as SVG (log scale when the loss spans decades). */
export function writeLossPlot(file: string, runs: readonly PlotRun[]): void {
  const lines = runs.map((r) => ({
    label: `${r.net === 2 ? 'two' : 'three'}-layer, ${r.style}, ${r.device}, lr ${r.lr.toExponential(0)}`,
    points: r.losses,
  }));
  const devices = [...new Set(runs.map((r) => r.device))].join(', ');
  writeOut(file, lossPlotSvg(lines, { title: `Loss per step (${devices}, float32)`, xLabel: 'step t' }));
}
