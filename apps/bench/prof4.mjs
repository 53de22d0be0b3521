import { createCpuBackend } from '@nn/cpu';
const be = createCpuBackend({ threads: 1 });
function bench(m, n, k, ta, tb, reps = 300) {
  const a = be.fromArray(new Float32Array(m * k).map(() => Math.random()), ta ? [k, m] : [m, k]);
  const b = be.fromArray(new Float32Array(k * n).map(() => Math.random()), tb ? [n, k] : [k, n]);
  for (let i = 0; i < 20; i++) be.free(be.matmul(a, b, ta, tb));
  const c = process.cpuUsage();
  for (let i = 0; i < reps; i++) be.free(be.matmul(a, b, ta, tb));
  const u = process.cpuUsage(c); const us = (u.user + u.system) / reps;
  console.log(`${m}x${n}x${k} ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'}: ${us.toFixed(1)} us cpu, ${(2 * m * n * k / us / 1e3).toFixed(1)} GFLOP/s`);
}
bench(64, 100, 1000, false, false);
bench(1000, 100, 64, true, false);
bench(64, 10, 100, false, false);
bench(100, 10, 64, true, false);
bench(64, 100, 10, false, true);
bench(1024, 1024, 1024, false, false, 5);
