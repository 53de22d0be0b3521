// The browser project of @nn/onnx: the exported models run in ONNX Runtime Web (wasm backend, one thread) in
// Debian's headless Chromium, compared with nn's cpu outputs computed in the same page.
//   onnx-browser  packages/onnx/src/*.browser.test.ts
// ort-web's .wasm is served from node_modules/onnxruntime-web/dist through Vite's /@fs/ route (nothing is
// fetched from a CDN); the test reads the folder with inject('ortDist').
import { createRequire } from 'node:module';
import { playwright } from '@vitest/browser-playwright';
import type { TestProjectInlineConfiguration } from 'vitest/config';
import { chromiumArgs, chromiumPath } from '../gpu/test/chromium.js';

// The package exports its .wasm files by name (its package.json is not exported): the folder they are in.
const ortDist = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm').replace(/[^/]+$/, '');

/** Vitest projects of @nn/onnx; `alias` maps @nn/* to the packages' sources. */
export function onnxProjects(alias: unknown): TestProjectInlineConfiguration[] {
  return [
    {
      resolve: { alias } as TestProjectInlineConfiguration['resolve'],
      optimizeDeps: { include: ['onnxruntime-web/wasm', 'protobufjs'] },
      test: {
        name: 'onnx-browser',
        include: ['packages/onnx/src/**/*.browser.test.ts'],
        testTimeout: 120_000,
        hookTimeout: 120_000,
        provide: { ortDist: `/@fs${ortDist}` },
        browser: {
          enabled: true,
          headless: true,
          screenshotFailures: false,
          provider: playwright({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
          instances: [{ browser: 'chromium' }],
        },
      },
    },
  ];
}
