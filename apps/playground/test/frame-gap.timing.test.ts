import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LabView } from '../src/lab/index.js';
import { chromiumBaseArgs } from '../../../packages/gpu/test/chromium.js';
import { chromiumPath, frameGaps, servePlayground, type FrameGaps, type Served } from './browser.js';

// Issue 15's "no stutter": the largest gap between animation frames while a
// net trains, on each device, on the seed page and in the lab, in headless
// Chromium, twice:
// - with Chromium's own defaults (no GPU flags: on a machine without a GPU,
//   headless Chromium 156's chrome://gpu says "Compositing: Software only" and
//   "WebGL: Software only", a SwiftShader fallback): the cpu device, with the
//   issue's bound of 100 ms;
// - with SwiftShader as the GPU (the flags every gpu suite here uses), so that
//   WebGL2 and WebGPU train: "Compositing: Hardware accelerated", on emulated GL, which
//   is harder than any user's browser (a GPU composites there): a looser bound
//   on every device, with the figures printed.
//
// This file runs in the `timing` project, which vitest starts only after every
// other test file has finished (sequence.groupOrder), so nothing else shares
// the machine's cores: on a 2-core machine with other suites beside it the
// same page's *idle* frames were 150–1400 ms apart, which measures the
// neighbours, not the page.

/** The bound: the longest the page may stand still while the cpu trains. */
const CPU_FRAME_GAP_MS = 100;
/**
 * The bound with SwiftShader as Chromium's GPU, on every device. The page's
 * frames are then composited by emulated GL in the GPU process, which is also
 * where gpu.js's WebGL2/WebGPU kernels run (a frame can wait for a kernel, which
 * no page code can split), and the cpu's training takes one of the 2 cores the
 * emulation needs. Measured alone on this machine: 67–117 ms on the cpu, 33–183
 * ms on WebGL2/WebGPU (the same pages give 17–67 ms without SwiftShader). The
 * figure is printed, and 100 ms exceeded is said.
 */
const SWIFTSHADER_FRAME_GAP_MS = 250;
/** Seconds of training watched per device and page: two windows, the largest gap of both. */
const WINDOW_MS = 3000;

type Device = 'cpu' | 'webgl2' | 'webgpu';
const DEVICES: Device[] = ['cpu', 'webgl2', 'webgpu'];

let served: Served;
let plain: Browser;
const errors: string[] = [];

/** A new tab of `browser` on the playground (`hash`: '' the seed page, '#lab' the lab). */
async function open(browser: Browser, hash: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('pageerror', (e) => errors.push(`uncaught${hash}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console${hash}: ${m.text()}`);
  });
  await page.goto(served.url + hash);
  return page;
}

beforeAll(async () => {
  served = await servePlayground('frame-gap');
  // Chromium's own defaults: not even the --enable-unsafe-swiftshader Playwright adds to every launch.
  plain = await chromium.launch({ executablePath: chromiumPath, args: chromiumBaseArgs, ignoreDefaultArgs: ['--enable-unsafe-swiftshader'] });
}, 180_000);

afterAll(async () => {
  await plain?.close();
  await served?.close();
});

/** Watch two windows of training: the largest gap and task of both, and the frames of both. */
async function watch(page: Page): Promise<FrameGaps> {
  const a = await frameGaps(page, WINDOW_MS);
  const b = await frameGaps(page, WINDOW_MS);
  return { maxGap: Math.max(a.maxGap, b.maxGap), longestTask: Math.max(a.longestTask, b.longestTask), frames: a.frames + b.frames };
}

/** Check a measurement against `bound`, saying the figures (and the 100 ms, when exceeded). */
function judge(what: string, bound: number, idle: FrameGaps, busy: FrameGaps, steps: number): void {
  console.log(
    `${what}: largest frame gap ${busy.maxGap.toFixed(0)} ms over ${(2 * WINDOW_MS) / 1000} s of training ` +
      `(${busy.frames} frames, ${steps} steps; longest main-thread task ${busy.longestTask.toFixed(0)} ms, 0: none over 50 ms); ` +
      `idle page ${idle.maxGap.toFixed(0)} ms; bound ${bound} ms`,
  );
  if (busy.maxGap > CPU_FRAME_GAP_MS) console.log(`${what}: over the issue's ${CPU_FRAME_GAP_MS} ms (bound here ${bound} ms)`);
  expect(steps, `${what}: the net trained while the frames were watched`).toBeGreaterThan(0);
  expect(busy.maxGap, `${what}: largest gap between animation frames while training`).toBeLessThanOrEqual(bound);
}

/** A net training on `device` on the seed page (three-layer autograd): the idle page's frames, then two windows of training. */
async function seedRun(seed: Page, device: Device): Promise<{ idle: FrameGaps; busy: FrameGaps; steps: number }> {
  const settled = (): Promise<unknown> => seed.waitForFunction(() => document.body.dataset.busy === '0', undefined, { timeout: 300_000, polling: 100 });
  const steps = (): Promise<number> => seed.$eval('#step-count', (e) => Number(e.textContent));
  await settled();
  await seed.selectOption('#net', 'three');
  await seed.selectOption('#style', 'autograd');
  await seed.selectOption('#device', device);
  await seed.fill('#steps', '100000');
  await seed.dispatchEvent('#steps', 'change');
  await settled();
  await seed.click('#reset');
  await settled();
  // The device that runs is the one chosen (gpu.js's kernel class for a gpu; no fallback to cpu).
  const backend = await seed.$eval('#backend', (e) => ({ ...(e as HTMLElement).dataset }));
  if (device === 'cpu') expect(backend.device).toBe('cpu');
  else expect(backend.runtime).toBe(device);
  const idle = await frameGaps(seed, 2000);
  await seed.click('#train');
  // Past the first steps (a gpu run compiles its kernels there), then watch.
  await seed.waitForFunction(() => Number(document.querySelector('#step-count')!.textContent) >= 3, undefined, { timeout: 120_000, polling: 100 });
  const s0 = await steps();
  const busy = await watch(seed);
  const s1 = await steps();
  await seed.click('#pause');
  await settled();
  // The measurement means something only if the worker trained (on the page's thread the page would stutter by design).
  expect(await seed.$eval('#backend', (e) => (e as HTMLElement).dataset.thread)).toBe('worker');
  return { idle, busy, steps: s1 - s0 };
}

/** The lab's moons net training on `device`: the idle page's frames, then two windows of training. */
async function labRun(lab: Page, device: Device): Promise<{ idle: FrameGaps; busy: FrameGaps; steps: number }> {
  const view = (): Promise<LabView | undefined> => lab.evaluate(() => JSON.parse(JSON.stringify((globalThis as { nnLab?: unknown }).nnLab ?? null)) ?? undefined);
  const step = async (): Promise<number> => (await view())?.snapshot?.step ?? 0;
  const state = (s: string): Promise<unknown> =>
    lab.waitForFunction((s) => document.querySelector<HTMLElement>('#lab-state')!.dataset.state === s, s, { timeout: 60_000, polling: 50 });
  // Ready for a run: built and not training (paused after the device before).
  const ready = (): Promise<unknown> =>
    lab.waitForFunction(() => ['ready', 'paused'].includes((globalThis as { nnLab?: LabView }).nnLab?.state ?? ''), undefined, { timeout: 300_000, polling: 100 });
  await ready();
  if ((await lab.$eval('#lab-device', (e) => (e as HTMLSelectElement).value)) !== device) {
    const builds = (await view())!.builds;
    await lab.selectOption('#lab-device', device);
    await lab.waitForFunction((n) => ((globalThis as { nnLab?: LabView }).nnLab?.builds ?? 0) > n, builds, { timeout: 300_000, polling: 100 });
    await ready();
  }
  const backend = await lab.$eval('#lab-backend', (e) => ({ ...(e as HTMLElement).dataset }));
  if (device !== 'cpu') expect(backend.runtime).toBe(device);
  expect(backend.fallback).toBe('0');
  expect(backend.thread).toBe('worker');
  const idle = await frameGaps(lab, 2000);
  await lab.click('#lab-train');
  await state('training');
  await lab.waitForFunction(() => ((globalThis as { nnLab?: LabView }).nnLab?.snapshot?.step ?? 0) >= 3, undefined, { timeout: 120_000, polling: 100 });
  const s0 = await step();
  const busy = await watch(lab);
  const s1 = await step();
  await lab.click('#lab-pause');
  await state('paused');
  return { idle, busy, steps: s1 - s0 };
}

/** What chrome://gpu says of `browser`'s compositing ("Software only…", "Hardware accelerated"). */
async function compositing(browser: Browser): Promise<string> {
  const page = await browser.newPage();
  await page.goto('chrome://gpu');
  await page.waitForFunction(() => /Compositing: /.test(document.querySelector('info-view')?.shadowRoot?.textContent ?? ''), undefined, { timeout: 30_000 });
  const text = await page.evaluate(() => document.querySelector('info-view')!.shadowRoot!.textContent!);
  await page.close();
  return /Compositing: ([^*\n]+)/.exec(text)![1]!.trim();
}

test('the two browsers composite as said: in software with the defaults, on (emulated) GL with the SwiftShader flags', async () => {
  expect(await compositing(plain)).toMatch(/^Software only/);
  expect(await compositing(served.browser)).toMatch(/^Hardware accelerated/);
});

describe('headless Chromium with its own defaults (no GPU flags): the cpu device trains in the worker (alone on the machine, after every other test file)', () => {
  test(`seed page, three-layer autograd net: frames ≤ ${CPU_FRAME_GAP_MS} ms apart`, async () => {
    const page = await open(plain, '');
    const r = await seedRun(page, 'cpu');
    await page.close();
    judge('Chromium defaults, seed page, cpu', CPU_FRAME_GAP_MS, r.idle, r.busy, r.steps);
  }, 300_000);

  test(`lab, moons: frames ≤ ${CPU_FRAME_GAP_MS} ms apart`, async () => {
    const page = await open(plain, '#lab');
    const r = await labRun(page, 'cpu');
    await page.close();
    judge('Chromium defaults, lab, cpu', CPU_FRAME_GAP_MS, r.idle, r.busy, r.steps);
  }, 300_000);
});

describe('headless Chromium with SwiftShader as its GPU (its compositing emulated too): each device trains in the worker', () => {
  // One page at a time: the seed page's tab (served.page), closed before the lab's opens.
  let lab: Page | undefined;
  afterAll(async () => {
    await lab?.close();
  });

  for (const device of DEVICES) {
    test(`seed page, three-layer autograd net on ${device}: frames ≤ ${SWIFTSHADER_FRAME_GAP_MS} ms apart`, async () => {
      const r = await seedRun(served.page, device);
      judge(`SwiftShader Chromium, seed page, ${device}`, SWIFTSHADER_FRAME_GAP_MS, r.idle, r.busy, r.steps);
    }, 300_000);
  }

  for (const device of DEVICES) {
    test(`lab, moons on ${device}: frames ≤ ${SWIFTSHADER_FRAME_GAP_MS} ms apart`, async () => {
      if (!lab) {
        await served.page.close();
        lab = await open(served.browser, '#lab');
      }
      const r = await labRun(lab, device);
      judge(`SwiftShader Chromium, lab, ${device}`, SWIFTSHADER_FRAME_GAP_MS, r.idle, r.busy, r.steps);
    }, 300_000);
  }
});

test('no page error or console error while measuring', () => {
  expect([...errors, ...served.errors]).toEqual([]);
});
