import { registerBackend } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import { twoLayer } from './dist/nn.js';
import { loopData, loops } from './dist/workloads.js';
registerBackend(createCpuBackend({ threads: Number(process.argv[2] ?? 1), kernels: process.argv[3] ?? 'auto' }));
const d = loopData(loops.W1, 0);
const S = Number(process.argv[4] ?? 300);
twoLayer(d, 'cpu', 1e-6, 50);
for (let r = 0; r < 3; r++) {
const c = process.cpuUsage(); const t = performance.now(); twoLayer(d, 'cpu', 1e-6, S); const u = process.cpuUsage(c);
console.log(((performance.now() - t) / S).toFixed(3), 'ms/step wall', ((u.user + u.system) / 1000 / S).toFixed(3), 'ms/step cpu');
}
