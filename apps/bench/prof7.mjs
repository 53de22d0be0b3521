import { registerBackend, memory } from '@nn/core';
import { createCpuBackend } from '@nn/cpu';
import * as L from '@nn/layers';
import { twoLayer, autogradLoop, layersLoop } from './dist/nn.js';
import { loopData, loops } from './dist/workloads.js';
registerBackend(createCpuBackend({ threads: 1 }));
const d = loopData(loops.W1, 0);
for (const [k, f] of Object.entries({ manual: () => twoLayer(d, 'cpu', 1e-6, 100), autograd: () => autogradLoop(d, 'cpu', 1e-6, 100), layers: () => layersLoop(L, d, 'cpu', 1e-6, 100) })) {
  f(); const k0 = memory().cpu.kernels; f(); console.log(k, (memory().cpu.kernels - k0) / 100, 'kernels/step');
}
const S = 300; autogradLoop(d, 'cpu', 1e-6, 50);
const c = process.cpuUsage(); autogradLoop(d, 'cpu', 1e-6, S); const u = process.cpuUsage(c); console.log('autograd', ((u.user + u.system) / 1000 / S).toFixed(3));
