import { describe, expect, it } from 'vitest';
import { manualSeed, randn, registerBackend, scope, unregisterBackend, type Tensor } from '@nn/core';
import { createGpuBackend, type GpuBackend } from '../src/index.js';

// The blocked matmul (matmul-blocked.ts) on one gpu path, registered as 'gpu'
// by useGpu: each product is compared with @nn/cpu's, and the kernels it
// launched are counted (the blocked plan's, or one where the plain kernel must run).

/** What a path's suite needs: its mode, its launches for a blocked product, and sizes past its BLOCKED_MIN_WORK. */
export interface BlockedSuiteOptions {
  mode: 'headlessgl' | 'webgpu';
  /** Launches of one blocked product: 4 on GL (pack A, pack B, product, unpack), 1 on WebGPU. */
  launches: number;
  /**
   * Launches of x·w + b at the suite's sizes: the blocked product then the add where the product
   * reaches BLOCKED_OVER_INLINE (2^23), else 1 (the product inlined into the add's kernel).
   */
  linearLaunches: number;
  /** Rows, inner size (odd: the packing pads it) and columns of the cases, their product past the path's threshold. */
  m: number;
  k: number;
  n: number;
  /** Sizes n (n³ products) whose plain and blocked times are printed side by side. */
  ratioSizes: number[];
  /** The backend registered as 'gpu' (useGpu's). */
  gpu: () => GpuBackend;
}

/** The value of `t`, read as the path allows (WebGPU has no dataSync). */
async function values(t: Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

/** The largest |gpu − cpu| of `make` run on both devices from the same seed, and the gpu's launches (read included). */
async function compare(make: (device: 'gpu' | 'cpu') => Tensor, gpu: () => GpuBackend): Promise<{ err: number; scale: number; launches: number }> {
  manualSeed(7);
  const want = scope(() => make('cpu').dataSync());
  manualSeed(7);
  const before = gpu().stats().kernels - gpu().stats().uploads;
  const got = await (async () => {
    const t = scope(() => make('gpu'));
    try {
      return await values(t);
    } finally {
      t.dispose();
    }
  })();
  const launches = gpu().stats().kernels - gpu().stats().uploads - before;
  expect(got.length).toBe(want.length);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return { err, scale, launches };
}

/** Describe the blocked-matmul cases on the path `o.mode`. */
export function describeBlockedMatmul(where: string, o: BlockedSuiteOptions): void {
  const { m, k, n } = o;
  // float32 sums of k products of randn values: the error grows like k·eps·|terms|; a wrong index is off by O(√k).
  const tol = 2e-6 * k;
  // Each case makes its operands from the seed on the device it is given (randn draws the same numbers on both).
  const cases: [string, (d: 'gpu' | 'cpu') => Tensor][] = [
    ['A·B', (d) => randn([m, k], { device: d }).mm(randn([k, n], { device: d }))],
    ['Aᵀ·B (a transposed view read in place)', (d) => randn([k, m], { device: d }).t().mm(randn([k, n], { device: d }))],
    ['A·Bᵀ', (d) => randn([m, k], { device: d }).mm(randn([n, k], { device: d }).t())],
    ['Aᵀ·Bᵀ', (d) => randn([k, m], { device: d }).t().mm(randn([n, k], { device: d }).t())],
    [
      'offset views (narrow of wider tensors)',
      (d) => randn([m + 2, k + 5], { device: d }).narrow(0, 1, m).narrow(1, 3, k).mm(randn([k + 1, n + 8], { device: d }).narrow(0, 1, k).narrow(1, 4, n)),
    ],
    ['relu(A)·(0.5·B + 1) (chains applied on read)', (d) => randn([m, k], { device: d }).relu().mm(randn([k, n], { device: d }).mul(0.5).add(1))],
    ['batched [3,m,k]·[3,k,n]', (d) => randn([3, m, k], { device: d }).bmm(randn([3, k, n], { device: d }))],
    ['batch broadcast [3,m,k]ᵀ·[1,k,n]', (d) => randn([3, k, m], { device: d }).transpose(1, 2).matmul(randn([1, k, n], { device: d }))],
  ];

  describe(`blocked matmul on gpu (${where})`, () => {
    for (const [name, make] of cases) {
      it(`${name}, [${m}, ${k}]·[${k}, ${n}]: the blocked kernels, as cpu`, async () => {
        const r = await compare(make, o.gpu);
        expect(r.err, `max |gpu − cpu| (values up to ${r.scale})`).toBeLessThanOrEqual(tol);
        expect(r.launches).toBe(o.launches);
      });
    }

    it(`x·w + b (a Linear): ${o.linearLaunches} launches, as cpu`, async () => {
      const r = await compare((d) => randn([m, k], { device: d }).mm(randn([n, k], { device: d }).t()).add(randn([n], { device: d })), o.gpu);
      expect(r.err).toBeLessThanOrEqual(tol);
      expect(r.launches).toBe(o.linearLaunches);
    });

    it('a product whose columns are not a multiple of 4 runs the plain kernel (one launch), as cpu', async () => {
      const r = await compare((d) => randn([m, k], { device: d }).mm(randn([k, n + 1], { device: d })), o.gpu);
      expect(r.err).toBeLessThanOrEqual(tol);
      expect(r.launches).toBe(1);
    });

    it('the result is a plain buffer: an elementwise op and a reduce read it as any other', async () => {
      const r = await compare((d) => randn([m, k], { device: d }).mm(randn([k, n], { device: d })).sub(0.25).relu().sum(1), o.gpu);
      expect(r.err).toBeLessThanOrEqual(tol * n);
      const chained = await compare((d) => {
        const c = randn([m, k], { device: d }).mm(randn([k, n], { device: d }));
        return c.t().mm(randn([m, n], { device: d })); // the blocked result read transposed by the next product
      }, o.gpu);
      expect(chained.err).toBeLessThanOrEqual(tol * m);
    });

    it(`plain kernel vs blocked, same process, ${o.ratioSizes.map((s) => `${s}³`).join(' and ')}: same values, GFLOP/s printed`, async () => {
      const plain = await createGpuBackend({ mode: o.mode, device: 'gpu-plain', matmul: 'plain' });
      registerBackend(plain);
      try {
        const rows: string[] = [];
        for (const s of o.ratioSizes) {
          manualSeed(s);
          const [ha, hb] = [randn([s, s]), randn([s, s])];
          const [a, b, pa, pb] = [ha.to('gpu'), hb.to('gpu'), ha.to('gpu-plain'), hb.to('gpu-plain')];
          const best = { blocked: Infinity, plain: Infinity };
          let last: Record<'blocked' | 'plain', Float32Array | null> = { blocked: null, plain: null };
          // Alternate the two, best of 3 each (the first run of each compiles): the machine's load hits both alike.
          for (let rep = 0; rep < 4; rep++) {
            for (const which of ['plain', 'blocked'] as const) {
              const t0 = performance.now();
              const c = which === 'plain' ? pa.mm(pb) : a.mm(b);
              last = { ...last, [which]: await values(c) };
              c.dispose();
              if (rep > 0) best[which] = Math.min(best[which], performance.now() - t0);
            }
          }
          let diff = 0;
          for (let i = 0; i < s * s; i++) diff = Math.max(diff, Math.abs(last.blocked![i]! - last.plain![i]!));
          expect(diff, `${s}³: blocked vs plain`).toBeLessThanOrEqual(2e-6 * s);
          const gf = (ms: number): string => ((2 * s ** 3) / ms / 1e6).toFixed(2);
          rows.push(`${o.mode} ${s}³: plain ${best.plain.toFixed(1)} ms (${gf(best.plain)} GFLOP/s), blocked ${best.blocked.toFixed(1)} ms (${gf(best.blocked)} GFLOP/s), ratio ${(best.plain / best.blocked).toFixed(2)}×`);
          for (const t of [ha, hb, a, b, pa, pb]) t.dispose();
        }
        console.log(rows.join('\n'));
      } finally {
        unregisterBackend('gpu-plain');
        plain.dispose();
      }
    });
  });
}
