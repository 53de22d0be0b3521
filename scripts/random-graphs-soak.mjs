#!/usr/bin/env node
// An unbounded soak of the random-graph suite on the cpu backends (docs/testing.md):
// runs packages/cpu/src/random-graphs.test.ts with NN_GRAPHS=0 (no bound) and a
// fresh seed, printed first so that a failure can be replayed with NN_GRAPH_SEED.
//   node scripts/random-graphs-soak.mjs [graphs] [seed]
import { spawnSync } from 'node:child_process';

const graphs = process.argv[2] ?? '0';
const seed = process.argv[3] ?? String(Date.now() % 2 ** 31);
console.log(`random-graph soak: NN_GRAPHS=${graphs} (0 = unbounded) NN_GRAPH_SEED=${seed}`);
const r = spawnSync('npx', ['vitest', 'run', '--project', 'node', 'packages/cpu/src/random-graphs.test.ts'], {
  stdio: 'inherit',
  env: { ...process.env, NN_GRAPHS: graphs, NN_GRAPH_SEED: seed },
});
process.exit(r.status ?? 1);
