import { registerBackend } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { twoLayer } from './dist/nn.js';
import { loadTf, tfTwoLayer } from './dist/tfjs.js';
import { loopData, loops } from './dist/workloads.js';
registerBackend(createCpuBackend({ threads: 1 }));
registerBackend(createCpuBackend({ device: 'cpu2', threads: 2 }));
const { tf } = await loadTf('wasm');
const d = loopData(loops.W1, 0);
const S = Number(process.argv[2] ?? 100);
const runs = { 'nn 1 thread': () => twoLayer(d, 'cpu', 1e-6, S), 'nn 2 threads': () => twoLayer(d, 'cpu2', 1e-6, S), 'tfjs wasm': () => tfTwoLayer(tf, d, 1e-6, S, true) };
for (const f of Object.values(runs)) f();
const best = {};
for (let r = 0; r < 3; r++) for (const [k, f] of Object.entries(runs)) { const t = performance.now(); f(); const ms = (performance.now() - t) / S; best[k] = Math.min(best[k] ?? 1e9, ms); }
for (const [k, v] of Object.entries(best)) console.log(k, v.toFixed(3), 'ms/step');
