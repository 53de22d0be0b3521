import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumArgs, chromiumPath } from '../../../packages/gpu/test/chromium.js';
import { frameGaps } from './browser.js';

// End-to-end: build the page, serve it on 127.0.0.1, and drive Debian's
// Chromium with real WebGL2 and WebGPU (SwiftShader) through the page's own
// controls, as a user would.

const CHROMIUM = chromiumPath;
const ARGS = chromiumArgs;
/**
 * Steps per gpu run: 200, as the issue asks. One step of the 64·1000·100·10 net
 * takes 0.3–0.85 s on WebGL2 and 0.25–1.1 s on WebGPU under SwiftShader on 2
 * cores, so these runs take minutes (CI has the time); PLAYGROUND_GPU_STEPS=25
 * gives a quick local run. Each gpu run is checked against the cpu run of the
 * same net, style and seed at the same step.
 */
const GPU_STEPS = Number(process.env.PLAYGROUND_GPU_STEPS ?? 200);
/**
 * How far a gpu run's loss may be from the cpu run's at the same step,
 * relative. Both are float32 but sum in another order (wasm gemm vs shader
 * loops), and training carries the rounding forward: after 25 steps the
 * differences seen are below 1e-5; after 200 steps the two-layer nets agree to
 * 1e-4, but the three-layer layers net (lr 1e-4) amplifies rounding — two cpu
 * kernels (js and wasm) already differ by 5.5e-4 there, and WebGL2 by 1.0e-2.
 */
const cpuGpuRtol = (steps: number): number => (steps <= 50 ? 2e-3 : 3e-2);
/**
 * The longest main-thread task allowed while the worker trains: one message
 * handled or one picture drawn (a 1000×100 heatmap pair, or the health panel).
 * Measured 0 ms (no task of 50 ms or more) in a full run, 75–133 ms at load
 * 8–10, and 224 and 284 ms in runs of this test alone right after the page
 * loaded, at load 7 (a task's time is wall time: a starved thread stretches
 * it); training on the main thread had 128–287 ms, so on this machine it tells
 * little. The bound is 500 ms so that CI's shared cores do not fail it (a 284 ms
 * task failed the earlier 250 ms bound once); a page frozen by training (a
 * 100,000-step run on its own thread) would still fail it.
 */
const MAX_TASK_MS = 500;

const root = fileURLToPath(new URL('..', import.meta.url));
// Screenshots go to docs/images only when asked (NN_UPDATE_SCREENSHOTS=1), so a test run never rewrites tracked files.
const shots = process.env.NN_UPDATE_SCREENSHOTS
  ? fileURLToPath(new URL('../../../docs/images/', import.meta.url))
  : join(tmpdir(), `nn-playground-shots-${process.pid}`);
mkdirSync(shots, { recursive: true });
const outDir = join(tmpdir(), `nn-playground-e2e-${process.pid}`);

let server: PreviewServer;
let browser: Browser;
let page: Page;
let url = '';
const consoleErrors: string[] = [];
/** Loss per step of the cpu runs, by `net/style`, to check the gpu runs against. */
const cpuLosses = new Map<string, Map<number, number>>();

type Net = 'two' | 'three';
type Style = 'manual' | 'autograd' | 'layers';
type Device = 'cpu' | 'webgl2' | 'webgpu';

/** Wait until every queued action of the page has finished. */
async function settled(timeout = 600_000): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.busy === '0', undefined, { timeout, polling: 100 });
}

async function text(sel: string): Promise<string> {
  return ((await page.textContent(sel)) ?? '').trim();
}

async function data(sel: string, key: string): Promise<string | undefined> {
  return page.$eval(sel, (e, k) => (e as HTMLElement).dataset[k], key);
}

/** Pick settings through the controls (each change starts a new run) and wait for the page. */
async function configure(o: { net: Net; style: Style; device: Device; steps: number; lr?: string; seed?: number }): Promise<void> {
  await page.selectOption('#net', o.net);
  await page.selectOption('#style', o.style);
  await page.selectOption('#device', o.device);
  await page.fill('#steps', String(o.steps));
  if (o.seed !== undefined) {
    await page.fill('#seed', String(o.seed));
    await page.dispatchEvent('#seed', 'change');
  }
  if (o.lr !== undefined) {
    await page.fill('#lr', o.lr);
    await page.dispatchEvent('#lr', 'change');
  }
  await settled();
  // A fresh run for exactly these settings, whatever ran before (a changed setting has made one already).
  if ((await text('#step-count')) !== '0' || (await data('#state', 'state')) !== 'ready') {
    await page.click('#reset');
    await settled();
  }
  expect(await data('#state', 'state')).toBe('ready');
  expect(await text('#step-count')).toBe('0');
  // A fresh run shows no loss rows of the run before it.
  expect(await page.$$eval('#loss-table tr', (rows) => rows.length)).toBe(0);
}

/** The current run's (step, loss) table. */
async function lossTable(lastStep: number): Promise<Map<number, number>> {
  const open = await page.$eval('#loss-values', (d) => (d as HTMLDetailsElement).open);
  if (!open) await page.click('#loss-values summary');
  // The table fills on the details' toggle event, which comes after the click;
  // a new run empties it, so a last row at lastStep belongs to this run.
  await page.waitForFunction((n) => document.querySelector('#loss-table tr:last-child td')?.textContent === String(n), lastStep, { timeout: 10_000 });
  const rows = await page.$$eval('#loss-table tr', (trs) => trs.map((tr) => [Number(tr.children[0]!.textContent), Number((tr.children[1] as HTMLElement).dataset.value)] as [number, number]));
  if (!open) await page.click('#loss-values summary');
  return new Map(rows);
}

/** Distinct colours in each heatmap canvas of a kind (value or grad). */
async function heatmapColours(kind: 'value' | 'grad'): Promise<number[]> {
  return page.$$eval(`canvas.heatmap-${kind}`, (cs) =>
    (cs as HTMLCanvasElement[]).map((c) => {
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < px.length; i += 4) seen.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
      return seen.size;
    }),
  );
}

/** Train `steps` steps with the chosen settings and check what the page shows. */
async function trainAndCheck(o: { net: Net; style: Style; device: Device; steps: number }): Promise<{ first: number; last: number; seconds: number; gapMs: number }> {
  await configure(o);
  const t0 = performance.now();
  await page.click('#train');
  await settled();
  const seconds = (performance.now() - t0) / 1000;
  expect(await text('#message')).toBe('');
  expect(await data('#state', 'state')).toBe('done');
  expect(await text('#step-count')).toBe(String(o.steps));

  // The loss shown falls.
  const first = Number(await data('#first-loss', 'value'));
  const last = Number(await data('#loss', 'value'));
  expect(Number.isFinite(first) && Number.isFinite(last)).toBe(true);
  expect(last).toBeLessThan(first);
  if (o.steps >= 200) expect(last).toBeLessThan(first / 10);

  // The backend shown is the one asked for, with no fallback notice.
  expect(await data('#backend', 'device')).toBe(o.device === 'cpu' ? 'cpu' : 'gpu');
  if (o.device !== 'cpu') {
    expect(await data('#backend', 'runtime')).toBe(o.device);
    expect(await page.isHidden('#device-warning')).toBe(true);
  }
  expect(Number(await text('#sps'))).toBeGreaterThan(0);
  // Every device trains in the seed worker here (gpu.js opens WebGL2 on an OffscreenCanvas, WebGPU through the worker's navigator.gpu).
  expect(await data('#backend', 'thread')).toBe('worker');
  // The page's own meter: the longest gap between two frames over the whole run (reported by the callers).
  const gapMs = Number(await data('#frame-gap', 'ms'));
  expect(gapMs).toBeGreaterThan(0);

  // Heatmaps of every weight and gradient are drawn, with structure (not one flat colour).
  const nWeights = o.net === 'two' ? 2 : 3;
  for (const kind of ['value', 'grad'] as const) {
    const colours = await heatmapColours(kind);
    expect(colours).toHaveLength(nWeights);
    for (const c of colours) expect(c).toBeGreaterThan(8);
  }

  // The health panel: a mask per ReLU layer with active units, gradient norms drawn, nothing wrong found.
  const masks = await page.$$eval('canvas.heatmap-mask', (cs) => cs.map((c) => Number((c as HTMLElement).dataset.active)));
  expect(masks).toHaveLength(nWeights - 1);
  for (const a of masks) expect(a).toBeGreaterThan(0);
  expect(Number(await data('#grad-norms', 'samples'))).toBeGreaterThan(5);
  expect(await page.$$eval('#health-findings li', (li) => li.map((e) => e.textContent))).toEqual([]);

  // Graphs and the chain rule for the current net.
  await checkExplain(o.net, o.style);

  // Same numbers as the cpu: the loss at the last step of the gpu run.
  const table = await lossTable(o.steps);
  expect(table.get(o.steps)).toBe(last);
  const key = `${o.net}/${o.style}`;
  if (o.device === 'cpu') cpuLosses.set(key, table);
  else {
    const ref = cpuLosses.get(key)?.get(o.steps);
    expect(ref, `a cpu run of ${key} reaching step ${o.steps} ran first`).toBeDefined();
    expect(Math.abs(last - ref!) / Math.abs(ref!)).toBeLessThan(cpuGpuRtol(o.steps));
  }
  return { first, last, seconds, gapMs };
}

async function checkExplain(net: Net, style: Style = 'manual'): Promise<void> {
  expect(await data('#explain-status', 'ok'), await text('#explain-status')).toBe('1');
  const fwd = await text('#graph-forward svg');
  const bwd = await text('#graph-backward svg');
  const weights = style === 'layers' ? ['0.weight', '2.weight', '4.weight'] : ['w1', 'w2', 'w3'];
  const names = ['x', ...weights.slice(0, net === 'two' ? 2 : 3), 'loss'];
  for (const n of names) {
    expect(fwd).toContain(n);
    expect(bwd).toContain(n);
  }
  expect(bwd).toContain('dL/dy_pred');
  const closed = await text('#closed-form');
  expect(closed).toMatch(/^grad_\S*w/);
  // The closed form the manual code uses agrees with autograd.
  const rel = Number(await data('#explain-diff', 'relative'));
  expect(rel).toBeLessThan(1e-3);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the playground's end-to-end tests need Debian's Chromium at ${CHROMIUM} (apt-get install chromium; scripts/setup.sh installs it)`);
  }
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  server = await preview({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  url = server.resolvedUrls!.local[0]!;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
  await page.goto(url);
  await settled();
  mkdirSync(shots, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(outDir, { recursive: true, force: true });
});

describe('playground (Chromium, SwiftShader)', () => {
  test('opens on the two-layer net on cpu, with graphs, heatmaps and labelled controls', async () => {
    expect(await data('#state', 'state')).toBe('ready');
    expect(await data('#backend', 'device')).toBe('cpu');
    await checkExplain('two');
    expect((await heatmapColours('value')).every((c) => c > 8)).toBe(true);
    // Every control has a label a screen reader can announce.
    const unlabeled = await page.$$eval('select, input', (els) => els.filter((e) => !(e as HTMLInputElement).labels?.length).map((e) => e.id));
    expect(unlabeled).toEqual([]);
    // No COOP/COEP: the page is not cross-origin isolated, and @nn/cpu says its products run on one thread.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    expect(await page.textContent('#backend-note')).toContain('a browser runs the products on one thread');
  });

  test('Step advances exactly one step, from the keyboard too', async () => {
    await configure({ net: 'two', style: 'manual', device: 'cpu', steps: 500 });
    await page.click('#step');
    await settled();
    expect(await text('#step-count')).toBe('1');
    const loss1 = Number(await data('#loss', 'value'));
    await page.focus('#step');
    await page.keyboard.press('Enter');
    await settled();
    expect(await text('#step-count')).toBe('2');
    expect(await data('#state', 'state')).toBe('paused');
    expect(Number(await data('#loss', 'value'))).toBeLessThan(loss1);
    // After a step the gradients exist and are drawn.
    expect((await heatmapColours('grad')).every((c) => c > 8)).toBe(true);
  });

  test('training runs in the seed worker, no main-thread task is long, and Pause stops it between steps', async () => {
    await configure({ net: 'two', style: 'autograd', device: 'cpu', steps: 100000 });
    await page.click('#train');
    await page.waitForFunction(() => Number(document.querySelector('#step-count')!.textContent) >= 20, undefined, { timeout: 60_000 });
    expect(await data('#state', 'state')).toBe('training');
    // The longest main-thread task over 4 s of training with heatmap and health redraws (a page
    // whose thread trained would hold it for minutes: 100000 steps). The gaps between frames are
    // measured in frame-gap.timing.test.ts, which runs alone after every other file.
    const s0 = Number(await text('#step-count'));
    const busy = await frameGaps(page, 4000);
    const steps = Number(await text('#step-count')) - s0;
    expect(await data('#backend', 'thread')).toBe('worker');
    expect(await text('#backend-note')).toContain('Trains in a Web Worker');
    console.log(`cpu training in the seed worker, two-layer autograd: longest task ${busy.longestTask.toFixed(0)} ms, ${busy.frames} frames and ${steps} steps in 4 s; the page's meter says ${await text('#frame-gap')}`);
    // Pause first, so that a failed check below leaves no run going for the tests after it.
    await page.click('#pause');
    await settled();
    expect(await data('#state', 'state')).toBe('paused');
    expect(steps).toBeGreaterThan(10);
    expect(busy.longestTask).toBeLessThan(MAX_TASK_MS);
    // The page measures its frame gaps too and shows them in the Run panel.
    expect(Number(await data('#frame-gap', 'ms'))).toBeGreaterThan(0);
    const at = Number(await text('#step-count'));
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(100000);
    await page.waitForTimeout(300);
    expect(Number(await text('#step-count'))).toBe(at);
  });

  test('the graphs fit the panel, zoom and pan, and highlight the chosen weight\'s chain-rule paths', async () => {
    await configure({ net: 'three', style: 'manual', device: 'cpu', steps: 500 });
    for (const id of ['#graph-forward', '#graph-backward']) {
      const vp = `${id} .graph-viewport`;
      // Fitted: the whole picture as wide as the panel, nothing to scroll.
      const fit = await page.$eval(vp, (v) => {
        const svg = v.querySelector('svg')!.getBoundingClientRect();
        const box = v.getBoundingClientRect();
        return { svgW: svg.width, boxW: box.width, scroll: v.scrollWidth - v.clientWidth, zoom: (v as HTMLElement).dataset.zoom };
      });
      expect(fit.zoom).toBe('1.000');
      expect(fit.scroll).toBe(0);
      expect(fit.svgW).toBeLessThanOrEqual(fit.boxW + 1);
      await page.click(`${id} button.zoom-in`);
      expect(Number(await data(vp, 'zoom'))).toBeCloseTo(1.25, 3);
      const viewBox = (): Promise<string> => page.$eval(`${vp} svg`, (s) => s.getAttribute('viewBox')!);
      const before = await viewBox();
      const r = (await page.$(vp))!;
      const b = (await r.boundingBox())!;
      await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
      await page.mouse.down();
      await page.mouse.move(b.x + b.width / 2 + 60, b.y + b.height / 2 + 30, { steps: 4 });
      await page.mouse.up();
      const panned = (await viewBox()).split(' ').map(Number);
      const start = before.split(' ').map(Number);
      expect(panned[0]).toBeLessThan(start[0]!);
      expect(panned[1]).toBeLessThan(start[1]!);
      await page.mouse.wheel(0, -200);
      await page.waitForFunction((sel) => Number((document.querySelector(sel) as HTMLElement).dataset.zoom) > 1.3, vp);
      await page.click(`${id} button.fit`);
      expect(await data(vp, 'zoom')).toBe('1.000');
    }
    // The chain-rule paths from the loss to w1 pass every layer; to w3, only the last.
    const onPath = async (): Promise<string[]> => ((await data('#graph-backward', 'path')) ?? '').split(' ');
    expect(await page.inputValue('#explain-weight')).toBe('w1');
    expect(await onPath()).toEqual(expect.arrayContaining(['loss', 'y_pred', 'h2_relu', 'h2', 'h1_relu', 'h1', 'w1']));
    await page.selectOption('#explain-weight', 'w3');
    await settled();
    const w3 = await onPath();
    expect(w3).toContain('w3');
    expect(w3).not.toContain('w1');
    expect(w3).not.toContain('h1');
    expect(await page.$$eval('#graph-backward g.node.on-path', (n) => n.length)).toBe(w3.length);
    expect(await page.$$eval('#graph-backward path.on-path', (n) => n.length)).toBeGreaterThan(0);
    await page.selectOption('#explain-weight', 'w1');
    await settled();
  });

  test('a dead ReLU layer is named, with the step and the fix: the three-layer net at lr 1e-6', async () => {
    await configure({ net: 'three', style: 'autograd', device: 'cpu', steps: 30, lr: '1e-6' });
    await page.click('#train');
    await settled();
    // Not a divergence: the loss is finite, stuck at sum(y²) with every gradient 0.
    expect(await data('#state', 'state')).toBe('done');
    expect(Number(await data('#loss', 'value'))).toBeCloseTo(673.3, 1);
    expect(await data('#message', 'kind')).toBe('health');
    expect(await text('#message')).toMatch(/all 100 units of h2_relu are inactive since step \d+: the learning rate is too high for this init; try 1e-8/);
    const kinds = await page.$$eval('#health-findings li', (li) => li.map((e) => (e as HTMLElement).dataset.kind));
    expect(kinds[0]).toBe('dead-relu');
    expect(kinds).toContain('vanishing-gradient');
    expect(await page.$eval('canvas.heatmap-mask[data-layer=h2_relu]', (c) => (c as HTMLElement).dataset.active)).toBe('0');
    expect(await page.textContent('#grad-norms + figcaption')).toMatch(/w1 \S+ → 0; w2 \S+ → 0; w3 \S+ → 0/);
    await page.locator('#health-panel').screenshot({ path: join(shots, 'playground-dead-relu.png') });
    // A new run at the default rate is healthy again: the message goes.
    await page.selectOption('#style', 'manual');
    await settled();
    await page.click('#step');
    await settled();
    expect(await text('#message')).toBe('');
  }, 120_000);

  test('cpu: 200 steps of each net (manual, autograd, layers)', async () => {
    const runs = [
      await trainAndCheck({ net: 'two', style: 'manual', device: 'cpu', steps: 200 }),
      await trainAndCheck({ net: 'three', style: 'autograd', device: 'cpu', steps: 200 }),
      await trainAndCheck({ net: 'three', style: 'layers', device: 'cpu', steps: 200 }),
    ];
    // The chart saves as an SVG file drawn by core's lossPlotSvg, one line per run.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-svg')]);
    const svg = readFileSync((await download.path())!, 'utf8');
    expect(svg).toMatch(/<svg[\s\S]*<\/svg>\s*$/);
    expect(svg).toContain('three-layer, layers, cpu');
    console.log(`cpu runs: ${runs.map((r) => `${r.first.toPrecision(4)} → ${r.last.toPrecision(4)} in ${r.seconds.toFixed(1)} s, longest frame gap ${r.gapMs} ms`).join('; ')}`);
    await page.screenshot({ path: join(shots, 'playground-cpu.png'), fullPage: true });
  }, 240_000);

  test(`gpu WebGL2: ${GPU_STEPS} steps of each net, same losses as cpu`, async () => {
    const runs = [
      await trainAndCheck({ net: 'two', style: 'manual', device: 'webgl2', steps: GPU_STEPS }),
      await trainAndCheck({ net: 'three', style: 'layers', device: 'webgl2', steps: GPU_STEPS }),
    ];
    console.log(`webgl2 runs: ${runs.map((r) => `${r.first.toPrecision(4)} → ${r.last.toPrecision(4)} in ${r.seconds.toFixed(1)} s, longest frame gap ${r.gapMs} ms`).join('; ')}`);
    await page.screenshot({ path: join(shots, 'playground-webgl2.png'), fullPage: true });
  }, 1_500_000);

  test(`gpu WebGPU: ${GPU_STEPS} steps of each net, same losses as cpu`, async () => {
    const runs = [
      await trainAndCheck({ net: 'two', style: 'manual', device: 'webgpu', steps: GPU_STEPS }),
      await trainAndCheck({ net: 'three', style: 'autograd', device: 'webgpu', steps: GPU_STEPS }),
    ];
    console.log(`webgpu runs: ${runs.map((r) => `${r.first.toPrecision(4)} → ${r.last.toPrecision(4)} in ${r.seconds.toFixed(1)} s, longest frame gap ${r.gapMs} ms`).join('; ')}`);
    await page.screenshot({ path: join(shots, 'playground-webgpu.png'), fullPage: true });
  }, 1_500_000);

  test('a diverging run (learning rate 1) says NaN/Inf in words and stops', async () => {
    for (const device of ['cpu', 'webgl2'] as const) {
      await configure({ net: 'two', style: 'manual', device, steps: 200, lr: '1' });
      await page.click('#train');
      await settled();
      expect(await data('#state', 'state')).toBe('diverged');
      expect(await data('#message', 'kind')).toBe('diverged');
      expect(await text('#message')).toMatch(/NaN\/Inf.*learning rate of 1 is too large.*Training stopped/);
      const stoppedAt = Number(await text('#step-count'));
      expect(stoppedAt).toBeLessThan(200);
      // It stays stopped: no step runs afterwards, and Train/Step wait for a Reset.
      await page.waitForTimeout(300);
      expect(Number(await text('#step-count'))).toBe(stoppedAt);
      expect(await page.isDisabled('#train')).toBe(true);
      expect(await page.isDisabled('#step')).toBe(true);
      if (device === 'cpu') await page.screenshot({ path: join(shots, 'playground-diverged.png'), fullPage: false });
    }
  }, 240_000);

  test('without WebGPU in the browser, asking for it says so and names what runs instead', async () => {
    // The same Chromium without --enable-unsafe-webgpu offers no WebGPU adapter.
    const plain = await chromium.launch({ executablePath: CHROMIUM, args: ARGS.filter((a) => a !== '--enable-unsafe-webgpu') });
    try {
      const p = await plain.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      p.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await p.goto(url);
      await p.waitForFunction(() => document.body.dataset.busy === '0', undefined, { timeout: 60_000 });
      // The picker says so before anything is tried.
      await p.waitForFunction(() => /not offered here/.test(document.querySelector('#device option[value=webgpu]')!.textContent!), undefined, { timeout: 10_000 });
      await p.selectOption('#device', 'webgpu');
      await p.waitForFunction(() => document.body.dataset.busy === '0', undefined, { timeout: 120_000, polling: 100 });
      expect(await p.$eval('#state', (e) => (e as HTMLElement).dataset.state)).toBe('ready');
      const runtime = await p.$eval('#backend', (e) => (e as HTMLElement).dataset.runtime);
      expect(runtime).not.toBe('webgpu');
      expect(await p.isVisible('#device-warning')).toBe(true);
      const warning = (await p.textContent('#device-warning')) ?? '';
      expect(warning).toContain('WebGPU is not available in this browser');
      expect(warning).toContain(`gpu.js runs ${runtime} instead`);
      // The worker cannot open WebGPU either: the page trains the fallback itself, and says so and why.
      expect(await p.$eval('#backend', (e) => (e as HTMLElement).dataset.thread)).toBe('main thread');
      expect(await p.textContent('#backend-note')).toMatch(/Trains on the page's main thread.*gpu\.js cannot run WebGPU in a Web Worker here/);
      await p.screenshot({ path: join(shots, 'playground-fallback.png'), clip: { x: 0, y: 0, width: 1280, height: 560 } });
      expect(errors).toEqual([]);
    } finally {
      await plain.close();
    }
  }, 180_000);

  test('served as plain static files, the cpu path trains and says what runs', async () => {
    // A bare static server, as a user might put dist/ behind (vite preview is not needed).
    const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
    const bare = createServer((req, res) => {
      const path = join(outDir, decodeURIComponent((req.url ?? '/').split('?')[0]!).replace(/\/$/, '/index.html'));
      if (!path.startsWith(outDir) || !existsSync(path)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': types[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
    });
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await p.goto(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/`);
      await p.waitForFunction(() => document.body.dataset.busy === '0', undefined, { timeout: 60_000 });
      expect(await p.evaluate(() => crossOriginIsolated)).toBe(false);
      // Chromium ships relaxed SIMD, so @nn/cpu's gemm runs fused multiply-adds there.
      expect(await p.$eval('#backend', (e) => (e as HTMLElement).dataset.runtime)).toBe('wasm-relaxed-simd');
      expect(await p.textContent('#backend-note')).toContain('a browser runs the products on one thread');
      await p.fill('#steps', '20');
      await p.click('#train');
      await p.waitForFunction(() => document.body.dataset.busy === '0', undefined, { timeout: 120_000 });
      expect(await p.$eval('#state', (e) => (e as HTMLElement).dataset.state)).toBe('done');
      const first = Number(await p.$eval('#first-loss', (e) => (e as HTMLElement).dataset.value));
      const last = Number(await p.$eval('#loss', (e) => (e as HTMLElement).dataset.value));
      expect(Number.isFinite(last) && last < first / 10).toBe(true);
      // The same numbers as the page vite preview serves, step for step.
      const ref = cpuLosses.get('two/manual')?.get(20);
      expect(ref, 'the cpu run of two/manual ran first').toBeDefined();
      expect(Math.abs(last - ref!) / ref!).toBeLessThan(1e-4);
    } finally {
      await p.close();
      await new Promise((r) => bare.close(r));
    }
  }, 180_000);

  test('the browser console has no error', () => {
    expect(consoleErrors).toEqual([]);
  });
});
