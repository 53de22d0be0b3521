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

/** Build the page into a temporary folder, serve it, and open `hash` in Chromium. */
export async function servePlayground(name: string, hash = ''): Promise<Served> {
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
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
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
