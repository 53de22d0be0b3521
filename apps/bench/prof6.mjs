import { registerBackend } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import * as L from '@nn/layers';
import { twoLayer, autogradLoop, layersLoop } from './dist/nn.js';
import { loopData, loops } from './dist/workloads.js';
registerBackend(createCpuBackend({ threads: 1 }));
const d = loopData(loops.W1, 0);
const S = 200;
const runs = { manual: () => twoLayer(d, 'cpu', 1e-6, S), autograd: () => autogradLoop(d, 'cpu', 1e-6, S), layers: () => layersLoop(L, d, 'cpu', 1e-6, S) };
for (const f of Object.values(runs)) f();
const best = {};
for (let r = 0; r < 3; r++) for (const [k, f] of Object.entries(runs)) { const c = process.cpuUsage(); f(); const u = process.cpuUsage(c); best[k] = Math.min(best[k] ?? 1e9, (u.user + u.system) / 1000 / S); }
for (const [k, v] of Object.entries(best)) console.log(k, v.toFixed(3), 'ms/step cpu');
