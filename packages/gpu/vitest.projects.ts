// The GPU test projects of the root vitest config: real shader paths only.
//   gpu-browser  *.browser.test.ts  Chromium (Debian's /usr/bin/chromium) with WebGL2 and WebGPU on SwiftShader
//   gpu-gl       *.gl.test.ts       Node + headless-gl on Mesa, under `xvfb-run -a`
//   gpu-dawn     *.dawn.test.ts     Node + Dawn (npm `webgpu`) on SwiftShader's Vulkan ICD
// A suite that cannot run fails in its setup and says what to install; none skips.
import { existsSync } from 'node:fs';
import { playwright } from '@vitest/browser-playwright';
import type { TestProjectInlineConfiguration } from 'vitest/config';
import { chromiumArgs, chromiumPath } from './test/chromium.js';

if (!existsSync(chromiumPath) && process.argv.some((a) => /vitest/.test(a))) {
  // Printed, then the browser project fails to launch: loud, never skipped.
  console.error(
    `\n[gpu-browser] no Chromium at ${chromiumPath}: the WebGL2/WebGPU suites cannot run. ` +
      `Install it with \`apt-get install chromium\` (scripts/setup.sh does), or point NN_CHROMIUM at a Chromium binary.\n`,
  );
}

/** Vitest projects of @nn/gpu; `alias` maps @nn/* to the packages' sources. */
export function gpuProjects(alias: unknown): TestProjectInlineConfiguration[] {
  const resolve = { alias } as TestProjectInlineConfiguration['resolve'];
  return [
    {
      resolve,
      test: {
        name: 'gpu-gl',
        environment: 'node',
        include: ['packages/gpu/src/**/*.gl.test.ts'],
        testTimeout: 120_000,
        hookTimeout: 120_000,
      },
    },
    {
      resolve,
      test: {
        name: 'gpu-dawn',
        environment: 'node',
        include: ['packages/gpu/src/**/*.dawn.test.ts'],
        testTimeout: 120_000,
        hookTimeout: 120_000,
      },
    },
    {
      resolve,
      // fast-check: the random-graph suite; prebundled so that Vite never reloads the page mid-run.
      optimizeDeps: { include: ['gpu.js', 'fast-check'] },
      test: {
        name: 'gpu-browser',
        include: ['packages/gpu/src/**/*.browser.test.ts'],
        testTimeout: 120_000,
        hookTimeout: 120_000,
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
