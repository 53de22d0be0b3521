import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { chromiumArgs, chromiumPath } from '../../../packages/gpu/test/chromium.js';

// The playground built by vite, served on 127.0.0.1 and opened in Debian's
// Chromium with WebGL2 and WebGPU on SwiftShader: the set-up of the lab's
// end-to-end test (the seed page's test keeps its own copy).

const root = fileURLToPath(new URL('..', import.meta.url));

/** Where screenshots go: docs/images with NN_UPDATE_SCREENSHOTS=1, else a temporary folder (tests never rewrite tracked files). */
export function shotsDir(): string {
  const dir = process.env.NN_UPDATE_SCREENSHOTS ? fileURLToPath(new URL('../../../docs/images/', import.meta.url)) : join(tmpdir(), `nn-lab-shots-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A built, served playground and a browser on it. */
export interface Served {
  url: string;
  browser: Browser;
  page: Page;
  /** Console errors and uncaught exceptions of `page`. */
  errors: string[];
  close(): Promise<void>;
}

/** Build the page into a temporary folder, serve it, and open `hash` in Chromium launched with `args` (by default with WebGL2 and WebGPU on SwiftShader). */
export async function servePlayground(name: string, hash = '', args: readonly string[] = chromiumArgs): Promise<Served> {
  const outDir = join(tmpdir(), `nn-${name}-e2e-${process.pid}`);
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server: PreviewServer = await preview({
    root,
    configFile: join(root, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  const url = server.resolvedUrls!.local[0]!;
  const browser = await chromium.launch({ executablePath: chromiumPath, args: [...args] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  await page.goto(url + hash);
  return {
    url,
    browser,
    page,
    errors,
    async close() {
      await browser.close();
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

export { chromiumPath };

/** What the page's thread did over a window: the longest gap between animation frames, the longest main-thread task (Long Tasks API: tasks of 50 ms or more; 0 when none), and the frames drawn. */
export interface FrameGaps {
  maxGap: number;
  longestTask: number;
  frames: number;
}

/** Watch `page`'s animation frames and long tasks for `ms` milliseconds. */
export function frameGaps(page: Page, ms: number): Promise<FrameGaps> {
  return page.evaluate(
    (ms) =>
      new Promise<FrameGaps>((resolve) => {
        let longestTask = 0;
        const obs = new PerformanceObserver((list) => {
          for (const e of list.getEntries()) longestTask = Math.max(longestTask, e.duration);
        });
        obs.observe({ type: 'longtask' });
        const t0 = performance.now();
        let last = t0;
        let maxGap = 0;
        let frames = 0;
        const tick = (now: number): void => {
          maxGap = Math.max(maxGap, now - last);
          last = now;
          frames++;
          if (now - t0 < ms) requestAnimationFrame(tick);
          else {
            obs.disconnect();
            resolve({ maxGap, longestTask, frames });
          }
        };
        requestAnimationFrame(tick);
      }),
    ms,
  );
}
