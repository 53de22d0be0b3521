#!/usr/bin/env node
// Makes the pictures in docs/images/ from nn's own record of the seed program:
// forward and backward graphs of the two- and three-layer nets (SVG drawn by
// @nn/explain's toSvg, PNG screenshots of the same SVG by headless chromium) and
// the loss curves of both nets trained as the example trains them.
//
//   npm run build && node scripts/make-images.mjs
//
// Needs chromium (apt) for the PNGs; without it the script stops and says so.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { registerBackend, manualSeed, randn, noGrad, scope } from '@nn/core';
import { graph, toSvg, toDot, toMermaid, explainGradient, lossPlotSvg } from '@nn/explain';
import { createCpuBackend } from '@nn/cpu';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'docs', 'images');
mkdirSync(out, { recursive: true });
registerBackend(createCpuBackend());

const [N, D_IN, H, D_OUT] = [64, 1000, 100, 10];

// The seed program's data and weights (seeded, so the pictures are reproducible).
function setup(layers) {
  manualSeed(0);
  const x = randn([N, D_IN]).named('x');
  const y = randn([N, D_OUT]).named('y');
  const ws = [randn([D_IN, H]).named('w1')];
  if (layers === 3) ws.push(randn([H, H]).named('w2'));
  ws.push(randn([H, D_OUT]).named(`w${layers}`));
  for (const w of ws) w.requiresGrad = true;
  return { x, y, ws };
}

// The forward pass with the learner's names: h, h_relu for two layers; h1, h1_relu, h2, h2_relu for three.
function forward({ x, y, ws }) {
  const three = ws.length === 3;
  let a = x.mm(ws[0]).named(three ? 'h1' : 'h').clamp({ min: 0 }).named(three ? 'h1_relu' : 'h_relu');
  if (three) a = a.mm(ws[1]).named('h2').clamp({ min: 0 }).named('h2_relu');
  const yPred = a.mm(ws[ws.length - 1]).named('y_pred');
  return yPred.sub(y).pow(2).sum().named('loss');
}

const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((c) => spawnSync(c, ['--version']).status === 0);
if (!chromium) {
  console.error('make-images: no chromium found to turn the SVGs into PNGs; install it (apt-get install chromium, as scripts/setup.sh does)');
  process.exit(1);
}

// A PNG of exactly what the SVG shows, at 1.5x for sharp text.
function png(svgPath, svg) {
  const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg);
  const profile = mkdtempSync(join(tmpdir(), 'nn-images-'));
  const pngPath = svgPath.replace(/\.svg$/, '.png');
  const r = spawnSync(
    chromium,
    [
      '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--force-device-scale-factor=1.5',
      `--window-size=${w},${h}`, `--screenshot=${pngPath}`, pathToFileURL(svgPath).href,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  rmSync(profile, { recursive: true, force: true });
  if (r.status !== 0 || !existsSync(pngPath)) {
    console.error(`make-images: chromium could not render ${svgPath}:\n${r.stderr}`);
    process.exit(1);
  }
  return pngPath;
}

function write(name, text) {
  const p = join(out, name);
  writeFileSync(p, text);
  return p;
}

for (const layers of [2, 3]) {
  const net = setup(layers);
  const loss = forward(net);
  loss.backward();
  const tag = layers === 2 ? 'two-layer' : 'three-layer';
  for (const view of ['forward', 'backward']) {
    const g = graph(loss, { view });
    const svg = toSvg(g);
    const p = write(`${tag}-${view}.svg`, svg);
    write(`${tag}-${view}.dot`, toDot(g));
    write(`${tag}-${view}.mmd`, toMermaid(g));
    console.log(`wrote ${p} and ${png(p, svg)}`);
  }
  for (const w of net.ws) {
    const e = explainGradient(loss, w);
    console.log(`${tag} ${w.name}: ${e.closedForm}   (|formula − autograd| ≤ ${e.maxAbsDiff?.toExponential(2)})`);
  }
}

// Loss curves: the manual loop of the seed program, 500 steps, each net at the
// example's default learning rate (1e-6 for two layers; 1e-8 for three, where
// 1e-6 kills every ReLU in the first steps).
const runs = [];
for (const [layers, lr] of [[2, 1e-6], [3, 1e-8]]) {
  const net = setup(layers);
  const points = [];
  for (let t = 0; t < 500; t++) {
    // scope() frees each step's intermediates.
    const value = scope(() => {
      const loss = forward(net);
      loss.backward();
      noGrad(() => {
        for (const w of net.ws) {
          w.sub_(w.grad.mul(lr));
          w.zeroGrad();
        }
      });
      return loss.item();
    });
    points.push([t, value]);
  }
  console.log(`${layers}-layer: loss ${points[0][1].toExponential(3)} at step 0, ${points[499][1].toExponential(3)} at step 499`);
  runs.push({ label: `${layers === 2 ? "two" : "three"} layers (lr ${lr.toExponential(0)})`, points });
}
const plot = lossPlotSvg(runs, { title: 'Loss of the seed program: two vs three layers (cpu, float32)', xLabel: 'step t' });
const plotPath = write('loss-two-vs-three.svg', plot);
console.log(`wrote ${plotPath} and ${png(plotPath, plot)}`);
