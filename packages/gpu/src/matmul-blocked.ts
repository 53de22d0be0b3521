import { stridesOf } from '@nn/core';
import type { DeviceValue } from './handle.js';
import type { GpuRuntime } from './runtime.js';
import { divmod, intLocals, params, readLines, type Read } from './sources.js';

// A product kernel that computes a 1×4 block of outputs per thread: four
// consecutive columns j..j+3 of one output row, returned as gpu.js's Array(4).
// Each inner step reads op(A)[i,p] once for four products instead of once per
// product (5 reads per 4 multiply-adds, not 8), and the inner loop is unrolled
// so the shader spends its time on reads and multiply-adds, not on the loop.
// (tfjs-backend-webgl packs 2×2 blocks into RGBA texels; a 1×4 block is chosen
// here because its four values are consecutive in the row-major result, so the
// result's memory is exactly the plain [..., m, n] layout every kernel reads.)
// Shared-memory tiling is out of gpu.js's reach (no workgroup memory).

/** Output columns per thread: the block is one row by BLOCK columns (gpu.js returns at most Array(4)). */
export const BLOCK = 4;

/** Inner steps per loop iteration (the rest, k mod UNROLL, run in a second loop). */
export const UNROLL = 4;

/** The sizes of a (batched) product op(A)·op(B): [...batch, m, k]·[...batch, k, n]. */
export interface BlockedGeometry {
  readonly batch: readonly number[];
  readonly m: number;
  readonly k: number;
  readonly n: number;
}

/**
 * Smallest product (batch·m·k·n multiply-adds) run blocked, per path. GL runs
 * four kernels (pack A, pack B, product, unpack), so small products, as the
 * seed step's 64·1000·100, keep their one plain launch (and the launch counts
 * the fusion tests and the bench report); WebGPU runs one kernel either way,
 * and is faster blocked from about 64³ on Dawn (matmul-blocked.dawn.test.ts).
 */
export const BLOCKED_MIN_WORK: Partial<Record<GpuRuntime, number>> = { headlessgl: 2 ** 23, webgl2: 2 ** 23, webgl: 2 ** 23, webgpu: 2 ** 18 };

/**
 * Smallest product that runs blocked on its own rather than inlined into the
 * elementwise kernel or readback that reads it (fusion): one more launch, so
 * only where the product dominates; the seed step's 64·1000·100 products stay inlined.
 */
export const BLOCKED_OVER_INLINE = 2 ** 23;

/** One operand of a product as the backend reads it: its Read, its chain numbers, and the cache-key text of the read. */
export interface BlockedOperand {
  readonly read: Read;
  readonly args: readonly number[];
  readonly key: string;
}

/** One kernel of a blocked product, in launch order; the last one fills the product's buffer. */
export interface BlockedStep {
  readonly key: string;
  readonly source: () => string;
  /** Its input buffers: the operands 'a' and 'b', or the result of an earlier step (its index). */
  readonly reads: readonly ('a' | 'b' | number)[];
  /** Its chain numbers, the kernel's arguments after the buffers. */
  readonly args: readonly number[];
  /** Its threads: one Array(4) (a block, or a packed texel) each, except GL's unpack (one value each). */
  readonly threads: number;
  /** WebGPU: the Array(4) result is re-read as a plain buffer of 4·threads values (the same bytes). */
  readonly flatten: boolean;
}

/**
 * The kernels that compute a product blocked on `runtime`, or null where the
 * plain one-output-per-thread kernel is used (columns not a multiple of 4, a
 * product under BLOCKED_MIN_WORK, a host runtime). GL: op(A) and op(B) are
 * packed four values to a texel (each chain applied once per value), the
 * product reads them as vec4s, and an unpack kernel writes the plain layout.
 * WebGPU: one kernel reads the operands in place and its vec4 result buffer
 * is the plain layout already. `a.read.firstArg` must be 0, `b.read.firstArg` a's arg count.
 * Null too when a packed buffer would pass `maxThreads` (the device's largest
 * buffer): an operand broadcast over a batch is packed once per batch entry.
 */
export function blockedPlan(runtime: GpuRuntime, g: BlockedGeometry, a: BlockedOperand, b: BlockedOperand, maxThreads = Infinity): BlockedStep[] | null {
  const min = BLOCKED_MIN_WORK[runtime];
  if (min === undefined || !blockedFits(g) || blockedThreads(g) * BLOCK * g.k < min) return null;
  const { batch, m, k, n } = g;
  const threads = blockedThreads(g);
  if (runtime === 'webgpu') {
    const args = [...a.args, ...b.args];
    const key = `mm4|${batch}|${m}|${k}|${n}|${a.key}|${b.key}`;
    return [{ key, source: () => blockedMatmulSource(g, a.read, b.read, args.length), reads: ['a', 'b'], args, threads, flatten: true }];
  }
  const d = batch.length;
  const entries = threads * BLOCK / (m * n);
  const kq = Math.ceil(k / BLOCK);
  // op(B) is packed by rows p and columns j: its strides swap to [...batch, along p, along j].
  const rb: Read = { ...b.read, strides: [...b.read.strides.slice(0, d), b.read.strides[d + 1]!, b.read.strides[d]!], firstArg: 0 };
  const steps: BlockedStep[] = [
    { key: `packA|${batch}|${m}|${k}|${a.key}`, source: () => packSource(batch, m, m, k, a.read, a.args.length), reads: ['a'], args: a.args, threads: entries * m * kq, flatten: false },
    { key: `packB|${batch}|${k}|${n}|${b.key}`, source: () => packSource(batch, BLOCK * kq, k, n, rb, b.args.length), reads: ['b'], args: b.args, threads: entries * BLOCK * kq * (n / BLOCK), flatten: false },
    { key: `mm4packed|${batch}|${m}|${k}|${n}`, source: () => packedMatmulSource(g), reads: [0, 1], args: [], threads, flatten: false },
    { key: `unpack|${threads}`, source: unpackSource, reads: [2], args: [], threads: threads * BLOCK, flatten: false },
  ];
  return steps.every((s) => s.threads <= maxThreads) ? steps : null;
}

/** Whether the blocked kernel can compute this product: its column count splits into whole blocks. */
export function blockedFits(g: BlockedGeometry): boolean {
  return g.n % BLOCK === 0 && g.k > 0 && g.m > 0;
}

/** The number of threads (Array(4) outputs) of the blocked kernel: one per block of BLOCK output values. */
export function blockedThreads(g: BlockedGeometry): number {
  let size = g.m * g.n;
  for (const d of g.batch) size *= d;
  return size / BLOCK;
}

/** Lines of one inner step at inner index expression `p`: one read of A, BLOCK reads of B (each with its chain), BLOCK multiply-adds. */
function step(p: string, ap: number, bj: number, bp: number, ra: Read, rb: Read, tag: string): string[] {
  // Indices inline from int locals and loop counters: integer arithmetic (sources.ts, intLocals).
  const lines = readLines(`va${tag}`, 'x0', `ra + ${p} * ${ap}`, ra);
  for (let c = 0; c < BLOCK; c++) {
    lines.push(...readLines(`vb${tag}${c}`, 'x1', `${p} * ${bp} + cb${c === 0 ? '' : ` + ${c * bj}`}`, rb));
    lines.push(`acc${c} = acc${c} + va${tag} * vb${tag}${c};`);
  }
  return lines;
}

/**
 * op(A)·op(B) for a batch (possibly empty) of products, BLOCK outputs per
 * thread: thread t computes the values t·BLOCK … t·BLOCK + BLOCK − 1 of the
 * row-major [...batch, m, n] result (needs n % BLOCK = 0: blockedFits) and
 * returns them as an Array(4). Operands are read through their strides and
 * offsets (a transposed, broadcast or offset view in place) with their chains
 * applied on read, as bmmSource; each A value is read and chained once per block.
 */
export function blockedMatmulSource(g: BlockedGeometry, ra: Read, rb: Read, args: number): string {
  const { batch, m, k, n } = g;
  const d = batch.length;
  const [ai, ap] = [ra.strides[d]!, ra.strides[d + 1]!];
  const [bj, bp] = [rb.strides[d]!, rb.strides[d + 1]!];
  const nb = n / BLOCK;
  // The thread's batch entry e, row i and first column j, then each operand's offset for them.
  const lines: string[] = [intLocals(['e', 'rest', 'i', 'j', 'cd', 'oa', 'ob', 'w', 'ra', 'cb']), 'rest = this.thread.x;'];
  if (d > 0) lines.push(...divmod('e', 'rest', m * nb, 'cd'));
  lines.push(...divmod('i', 'rest', nb, 'cd'), `j = rest * ${BLOCK};`);
  lines.push(`oa = ${ra.offset};`, `ob = ${rb.offset};`);
  const block = stridesOf(batch);
  for (let t = 0; t < d; t++) {
    lines.push(...divmod('w', 'e', block[t]!, 'cd'));
    if (ra.strides[t] !== 0) lines.push(`oa = oa + w * ${ra.strides[t]!};`);
    if (rb.strides[t] !== 0) lines.push(`ob = ob + w * ${rb.strides[t]!};`);
  }
  lines.push(`ra = oa + i * ${ai};`, `cb = ob + j * ${bj};`);
  for (let c = 0; c < BLOCK; c++) lines.push(`let acc${c} = 0.0;`);
  const whole = Math.floor(k / UNROLL);
  if (whole > 0) {
    const body: string[] = [];
    for (let u = 0; u < UNROLL; u++) body.push(...step(`(q * ${UNROLL} + ${u})`, ap, bj, bp, ra, rb, `${u}`));
    lines.push(`for (let q = 0; q < ${whole}; q++) {\n    ${body.join('\n    ')}\n  }`);
  }
  const tail = k - whole * UNROLL;
  if (tail > 0) {
    lines.push(`for (let p = 0; p < ${tail}; p++) {\n    ${step(`(p + ${whole * UNROLL})`, ap, bj, bp, ra, rb, 't').join('\n    ')}\n  }`);
  }
  return `function (${params(2, args)}) {
  ${lines.join('\n  ')}
  return [${Array.from({ length: BLOCK }, (_, c) => `acc${c}`).join(', ')}];
}`;
}

/**
 * GL only: the blocked kernel's Array(4) result (one RGBA texel per block) as
 * a plain one-value-per-texel buffer of `size` values, which every kernel reads
 * with x[i]: thread i takes component i mod 4 of texel ⌊i/4⌋.
 */
export function unpackSource(): string {
  return `function (x) {
  ${intLocals(['t', 'c', 'cu'])}
  c = this.thread.x;
  ${divmod('t', 'c', BLOCK, 'cu').join('\n  ')}
  const v = x[t];
  if (c == 0) {
    return v[0];
  }
  if (c == 1) {
    return v[1];
  }
  if (c == 2) {
    return v[2];
  }
  return v[3];
}`;
}

/**
 * GL: one operand packed four values to a texel along its columns, for
 * packedMatmulSource. Thread t of the [...batch, rows, ⌈cols/4⌉] grid returns
 * x[e, r, 4c … 4c + 3] through the operand's `strides` ([...batch, along r,
 * along the columns]) and offset, its chain applied once per value; entries
 * past `cols`, or past `realRows` when the grid has padding rows, are 0.
 */
export function packSource(batch: readonly number[], rows: number, realRows: number, cols: number, r: Read, args: number): string {
  const d = batch.length;
  const cq = Math.ceil(cols / BLOCK);
  const [rs, cs] = [r.strides[d]!, r.strides[d + 1]!];
  const cc = Array.from({ length: BLOCK }, (_, c) => `cc${c}`);
  const lines: string[] = [intLocals(['e', 'rest', 'row', 'c0', 'o', 'w', 'rr', 'cd', ...cc]), 'rest = this.thread.x;'];
  lines.push(...divmod('e', 'rest', rows * cq, 'cd'), ...divmod('row', 'rest', cq, 'cd'), `c0 = rest * ${BLOCK};`);
  lines.push(`o = ${r.offset};`);
  const block = stridesOf(batch);
  for (let t = 0; t < d; t++) {
    lines.push(...divmod('w', 'e', block[t]!, 'cd'));
    if (r.strides[t] !== 0) lines.push(`o = o + w * ${r.strides[t]!};`);
  }
  // A padding row or column reads the last real one (an index inside the buffer) and is set to 0 after its chain.
  lines.push('rr = row;', `if (rr > ${realRows - 1}) {\n    rr = ${realRows - 1};\n  }`, `o = o + rr * ${rs};`);
  for (let c = 0; c < BLOCK; c++) {
    lines.push(`cc${c} = c0 + ${c};`, `if (cc${c} > ${cols - 1}) {\n    cc${c} = ${cols - 1};\n  }`);
    lines.push(...readLines(`v${c}`, 'x0', `o + cc${c} * ${cs}`, r));
    lines.push(`if (c0 + ${c} > ${cols - 1} || row > ${realRows - 1}) {\n    v${c} = 0.0;\n  }`);
  }
  return `function (${params(1, args)}) {
  ${lines.join('\n  ')}
  return [v0, v1, v2, v3];
}`;
}

/**
 * GL: op(A)·op(B) from packed operands, BLOCK outputs per thread, as
 * blockedMatmulSource's Array(4) result. `xa` is op(A) packed along the inner
 * index ([...batch, m, kq] texels, kq = ⌈k/4⌉) and `xb` op(B) packed along the
 * columns ([...batch, 4·kq, n/4] texels, zero rows past k): four inner steps
 * cost one texel of A and four of B for sixteen multiply-adds.
 */
export function packedMatmulSource(g: BlockedGeometry): string {
  const { batch, m, k, n } = g;
  const nb = n / BLOCK;
  const kq = Math.ceil(k / BLOCK);
  const threads = m * nb;
  const lines: string[] = [intLocals(['e', 'rest', 'i', 'jb', 'ra', 'cb', 'cd']), 'rest = this.thread.x;'];
  if (batch.length > 0) lines.push(...divmod('e', 'rest', threads, 'cd'));
  lines.push(...divmod('i', 'rest', nb, 'cd'), 'jb = rest;');
  lines.push(`ra = (e * ${m} + i) * ${kq};`, `cb = e * ${4 * kq * nb} + jb;`);
  for (let c = 0; c < BLOCK; c++) lines.push(`let acc${c} = 0.0;`);
  const body = ['const a = xa[ra + q];'];
  for (let u = 0; u < BLOCK; u++) body.push(`const b${u} = xb[cb + q * ${4 * nb}${u === 0 ? '' : ` + ${u * nb}`}];`);
  for (let c = 0; c < BLOCK; c++) body.push(`acc${c} = acc${c} + a[0] * b0[${c}] + a[1] * b1[${c}] + a[2] * b2[${c}] + a[3] * b3[${c}];`);
  lines.push(`for (let q = 0; q < ${kq}; q++) {\n    ${body.join('\n    ')}\n  }`);
  return `function (xa, xb) {
  ${lines.join('\n  ')}
  return [acc0, acc1, acc2, acc3];
}`;
}

/**
 * WebGPU: a blocked kernel's result (gpu.js's WebGPUBufferResult of `size`/4
 * Array(4) values, a vec4 storage buffer) as the plain result of `size`
 * values it already is in memory: a scalar result on the same GPU buffer,
 * which every kernel binds and reads as x[i] (gpu.js refuses Array(4) inputs).
 */
export function flatValues(v: DeviceValue, size: number): DeviceValue {
  const r = v as unknown as { constructor: new (settings: object) => DeviceValue; buffer: unknown; context: unknown; kernel: unknown; delete(): void };
  const flat = new r.constructor({ buffer: r.buffer, output: [size], componentCount: 1, context: r.context, kernel: r.kernel });
  // The new result holds its own reference to the buffer (gpu.js counts them); the Array(4) view is let go.
  r.delete();
  return flat;
}
