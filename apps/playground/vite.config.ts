import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const src = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/** The fixed address `npm run playground` serves on. */
export const PORT = 4173;
export const HOST = '127.0.0.1';

// The page imports the packages' sources (as the root vitest config does), so
// it never runs against a stale dist/ and needs no package build first.
// gpu.js resolves to its browser build through its package.json "browser" field.
// No COOP/COEP headers: cross-origin isolation would only give @nn/cpu a shared
// WebAssembly memory for gemm threads, and the training now runs in a Web Worker
// that uses none (@nn/cpu's threads are Node's worker_threads); without a thread
// to share with, the headers buy nothing and make every cross-origin resource need CORP.

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
      { find: /^@nn\/explain$/, replacement: src('../../packages/explain/src/index.ts') },
      { find: /^@nn\/data$/, replacement: src('../../packages/data/src/index.ts') },
      { find: /^@nn\/onnx$/, replacement: src('../../packages/onnx/src/index.ts') },
    ],
  },
  // The lab's worker is a module worker: it loads @nn/gpu (and gpu.js) on demand, which needs code splitting.
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000 },
  server: { host: HOST, port: PORT + 1 },
  preview: { host: HOST, port: PORT, strictPort: true },
});
