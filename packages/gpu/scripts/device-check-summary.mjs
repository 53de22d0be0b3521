// The device check's summary: reads DIR/device-check-{webgpu,headlessgl,cpu,torch}.json and
// prints Markdown tables (nn gpu, nn cpu and PyTorch side by side) to paste into
// docs/device-check/README.md; also writes them to DIR/device-check-summary.md.
//   node device-check-summary.mjs DIR
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const dir = process.argv[2] ?? process.env.OUT ?? '.';
const load = (m) => {
  const f = `${dir}/device-check-${m}.json`;
  try {
    return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null;
  } catch (e) {
    return { ok: false, error: `unreadable ${f}: ${e.message}` };
  }
};
const nn = { webgpu: load('webgpu'), headlessgl: load('headlessgl'), cpu: load('cpu') };
const torch = load('torch');

// Columns: each nn mode that ran, then PyTorch CUDA and CPU.
const cols = [];
if (nn.webgpu) cols.push({ head: `nn gpu, Dawn (${nn.webgpu.kernelClass ?? '?'})`, r: nn.webgpu });
if (nn.headlessgl) cols.push({ head: `nn gpu, headless-gl (${nn.headlessgl.kernelClass ?? '?'})`, r: nn.headlessgl });
if (nn.cpu) cols.push({ head: `nn cpu (${nn.cpu.info?.runtime ?? '?'}, ${nn.cpu.threads ?? '?'} threads)`, r: nn.cpu });
if (torch?.cuda) cols.push({ head: `PyTorch ${torch.torch} CUDA`, r: torch.cuda, torch: true });
if (torch?.cpu) cols.push({ head: `PyTorch ${torch.torch} CPU (${torch.cpuThreads} threads)`, r: torch.cpu, torch: true });

const fmt = (x, d = 3) => (x == null ? '—' : Number(x) >= 100 ? Math.round(x).toLocaleString('en-US') : Number(x).toPrecision(d));
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const lines = [];

const sizes = [...new Set(cols.flatMap((c) => (c.r.matmul ?? []).map((m) => m.n)))].sort((a, b) => a - b);
lines.push('**matmul n×n·n×n, GFLOP/s** (float32; PyTorch with TF32 off)', '');
lines.push(
  table(['n', ...cols.map((c) => c.head)], sizes.map((n) => [`${n}³`, ...cols.map((c) => {
    const m = (c.r.matmul ?? []).find((x) => x.n === n);
    if (!m) return 'not run';
    if (m.refused) return `refused: ${(m.errorName ?? '') + ' ' + (m.error ?? '')}`.slice(0, 140).replace(/\|/g, '/');
    return `${fmt(m.gflops)}${m.ok === false ? ` (FAILED: err/√k ${m.maxErrOverSqrtK?.toExponential(1)}, ${m.launchesPerProduct} launches per product)` : ''}`;
  })])),
  '',
);

const keys = [...new Set(cols.flatMap((c) => Object.keys(c.r.loops ?? {})))];
lines.push('**training loops**: ms per step after the first (the first step; all steps)', '');
lines.push(
  table(['loop', ...cols.map((c) => c.head)], keys.map((k) => [k, ...cols.map((c) => {
    const l = c.r.loops?.[k];
    if (!l) return 'not run';
    if (l.error) return `failed: ${l.error}`.slice(0, 100);
    return `${fmt(l.msPerStepAfterFirst)} (${fmt(l.firstStepMs)} ms; ${l.steps} in ${fmt(l.ms)} ms)`;
  })])),
  '',
);
const lastLoss = (l) => (l?.losses?.length ? l.losses[l.losses.length - 1] : null);
lines.push('**losses at the last logged step** (nn from the same seeded inputs on every device; PyTorch from nn\'s inputs where the cpu run dumped them)', '');
lines.push(
  table(['loop', ...cols.map((c) => c.head)], keys.map((k) => [k, ...cols.map((c) => {
    const ll = lastLoss(c.r.loops?.[k]);
    return ll ? `t=${ll[0]}: ${Number(ll[1]).toPrecision(7)}` : '—';
  })])),
  '',
);

const gpuCols = cols.filter((c) => !c.torch);
lines.push('**nn counters per step** (after the first step; launches and compiles from backend.stats(); peak: most bytes held, sampled at the end of each step\'s body)', '');
const counterRows = [];
for (const c of gpuCols) {
  for (const [k, l] of Object.entries(c.r.loops ?? {})) {
    if (l.error) continue;
    counterRows.push([c.head, k, fmt(l.launchesPerStep), `${l.compilesFirstStep} / ${l.compilesAfterFirst}`, fmt(l.usPerLaunch), `${(l.peakBytes / 2 ** 20).toFixed(1)} MiB`, `${l.liveBuffersBefore} → ${l.liveBuffersAfter}`]);
  }
}
for (const c of cols.filter((x) => x.torch)) for (const [k, l] of Object.entries(c.r.loops ?? {})) if (l.peakBytes) counterRows.push([c.head, k, '—', '—', '—', `${(l.peakBytes / 2 ** 20).toFixed(1)} MiB`, '—']);
lines.push(table(['device', 'loop', 'launches/step', 'compiles first step / after', 'µs per launch', 'peak bytes', 'live buffers before → after'], counterRows), '');

lines.push('**what ran**', '');
for (const [m, r] of Object.entries(nn)) {
  if (!r) {
    lines.push(`- ${m}: not run`);
    continue;
  }
  const asserts = (r.asserts ?? []).map((a) => `${a.what} ${a.ok ? 'ok' : 'FAILED'}`).join(', ');
  const where = r.adapter ? `adapter ${JSON.stringify(r.adapter)}` : r.gl ? `GL ${r.gl.unmaskedRenderer ?? r.gl.renderer}` : '';
  lines.push(`- ${m}: ${r.ok ? 'ok' : r.ok === undefined ? `UNFINISHED (stopped by its time limit after ${r.steps?.at(-1)?.name ?? 'set-up'})` : `FAILED (${r.error ?? '?'})`}; ${r.info?.name ?? ''} ${r.info?.runtime ?? ''}, fallback ${r.info?.fallback}, kernel class ${r.kernelClass ?? '—'} → ${r.kernelClassAtEnd ?? '—'}; ${where}${asserts ? `; asserts: ${asserts}` : ''}`);
  if (r.twin) lines.push(`  - W1 on a twin backend with ${JSON.stringify(r.twin.options)}: ${r.twin.available ? 'measured' : `not measured: ${r.twin.why}`}`);
  if (r.nan) lines.push(`  - NaN/±Inf: ${Object.entries(r.nan).map(([k, v]) => `${k} [${v.got.join(', ')}] ${v.ok ? 'ok' : 'WRONG'}`).join('; ')}`);
}
lines.push(`- torch: ${torch ? (torch.ok ? `ok, ${torch.torch}, ${torch.name ?? 'no CUDA'}` : `FAILED (${torch.error})`) : 'not run'}`);

const md = lines.join('\n') + '\n';
writeFileSync(`${dir}/device-check-summary.md`, md);
console.log(md);
