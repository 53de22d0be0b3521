import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import { gpuProjects } from './packages/gpu/vitest.projects.ts';
import { onnxProjects } from './packages/onnx/vitest.projects.ts';

const src = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

// Tests import the packages' sources, so they never run against a stale build.
export const alias = [
  { find: /^@nn\/core\/testing$/, replacement: src('./packages/core/src/testing/index.ts') },
  { find: /^@nn\/core$/, replacement: src('./packages/core/src/index.ts') },
  { find: /^@nn\/cpu$/, replacement: src('./packages/cpu/src/index.ts') },
  { find: /^@nn\/layers$/, replacement: src('./packages/layers/src/index.ts') },
  { find: /^@nn\/gpu$/, replacement: src('./packages/gpu/src/index.ts') },
  { find: /^@nn\/explain$/, replacement: src('./packages/explain/src/index.ts') },
  { find: /^@nn\/data$/, replacement: src('./packages/data/src/index.ts') },
  { find: /^@nn\/onnx$/, replacement: src('./packages/onnx/src/index.ts') },
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'node',
          environment: 'node',
          // tests/architecture: no import cycles (dependency-cruiser). tests/packaging: the published form (registry installs, minified bundles, publint and attw) over the built dist.
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'tests/packaging/**/*.test.ts', 'tests/architecture/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.browser.test.ts', '**/*.gl.test.ts', '**/*.dawn.test.ts', '**/*.timing.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          // Measurements of time (the playground's frame gaps): started only after every other
          // project's files have finished (groupOrder 1 > the default 0), so that nothing else shares the cores.
          name: 'timing',
          environment: 'node',
          include: ['apps/*/test/**/*.timing.test.ts'],
          testTimeout: 300_000,
          sequence: { groupOrder: 1 },
        },
      },
      ...gpuProjects(alias),
      ...onnxProjects(alias),
    ],
  },
});
