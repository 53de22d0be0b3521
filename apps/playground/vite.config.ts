import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const src = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/** The fixed address `npm run playground` serves on. */
export const PORT = 4173;
export const HOST = '127.0.0.1';

// The page imports the packages' sources (as the root vitest config does), so
// it never runs against a stale dist/ and needs no package build first.
// gpu.js resolves to its browser build through its package.json "browser" field.
// Cross-origin isolation gives the page SharedArrayBuffer, which @nn/cpu's
// WebAssembly kernels use for their memory when it is there.
const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: src('.'),
  base: './',
  resolve: {
    alias: [
      { find: /^@nn\/core\/testing$/, replacement: src('../../packages/core/src/testing/index.ts') },
      { find: /^@nn\/core$/, replacement: src('../../packages/core/src/index.ts') },
      { find: /^@nn\/cpu$/, replacement: src('../../packages/cpu/src/index.ts') },
      { find: /^@nn\/layers$/, replacement: src('../../packages/layers/src/index.ts') },
      { find: /^@nn\/gpu$/, replacement: src('../../packages/gpu/src/index.ts') },
    ],
  },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000 },
  server: { host: HOST, port: PORT + 1, headers },
  preview: { host: HOST, port: PORT, strictPort: true, headers },
});
