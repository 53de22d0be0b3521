import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumPath } from '../../packages/gpu/test/chromium.js';

// Minified bundles of programs that use the built packages (dist, through their
// exports maps), as an application's bundler makes them: a minifier renames
// functions and classes, which once broke the cpu's worker threads and the gpu's
// kernel-class check. Each program trains and reports what really ran.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const programs = fileURLToPath(new URL('./programs/', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'nn-bundles-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function bundle(entry: string, platform: 'node' | 'browser'): Promise<string> {
  const outfile = join(out, entry.replace(/\.mjs$/, `.${platform}.min.js`));
  await build({
    entryPoints: [join(programs, entry)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform,
    target: 'es2022',
    outfile,
    nodePaths: [join(ROOT, 'node_modules')],
    logLevel: 'error',
  });
  return outfile;
}

describe('minified bundles', () => {
  it('cpu, Node: the seed loop trains with the gemm shared by a worker thread', async () => {
    const file = await bundle('cpu-seed.mjs', 'node');
    // The minifier did rename runChunk: the bundle has no function of that name left.
    expect(readFileSync(file, 'utf8')).not.toMatch(/function runChunk\(/);
    const got = JSON.parse(execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 120_000 }));
    expect(got.runtime).toMatch(/^wasm-(relaxed-)?simd$/);
    expect(got.note).toContain('on 2 threads');
    expect(got.note).not.toContain('failed');
    expect(got.workerChunks).toBeGreaterThan(0);
    // The README's numbers for this loop: 99 352.515…, 199 0.9168…
    expect(got.losses[0]).toBeCloseTo(352.515, 2);
    expect(got.losses[1]).toBeCloseTo(0.9169, 3);
  }, 180_000);

  describe('gpu, headless Chromium', () => {
    let server: Server;
    let url = '';
    beforeAll(async () => {
      const js = readFileSync(await bundle('gpu-train.mjs', 'browser'));
      const html = '<!doctype html><meta charset="utf-8"><script type="module" src="/app.js"></script>';
      server = createServer((req, res) => {
        const body = req.url === '/app.js' ? js : html;
        res.writeHead(200, { 'content-type': req.url === '/app.js' ? 'text/javascript' : 'text/html' });
        res.end(body);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    }, 120_000);
    afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

    it('WebGL2 and WebGPU train and report the gpu.js kernel class that ran, like the cpu', async () => {
      const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(url);
        await page.waitForFunction(() => 'nnResult' in window, undefined, { timeout: 60_000 });
        const got = await page.evaluate(() => (window as unknown as { nnResult: Promise<Record<string, any>> }).nnResult);
        expect(errors).toEqual([]);
        expect(got.error).toBeUndefined();
        expect(got.webgl2).toMatchObject({ runtime: 'webgl2', fallback: false, kernelClass: 'WebGL2Kernel' });
        expect(got.webgpu).toMatchObject({ runtime: 'webgpu', fallback: false, kernelClass: 'WebGPUKernel' });
        const [first, last] = got.cpu.losses;
        expect(last).toBeLessThan(first / 2);
        for (const mode of ['webgl2', 'webgpu']) {
          expect(got[mode].losses[0], mode).toBeCloseTo(first, 0);
          expect(Math.abs(got[mode].losses[1] - last) / last, mode).toBeLessThan(1e-3);
        }
      } finally {
        await browser.close();
      }
    }, 300_000);
  });
});
