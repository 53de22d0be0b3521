import { describe, expect, it } from 'vitest';
import { manualSeed, memory, noGrad, randn, scope, tensor, where, type Tensor } from '@nn/core';
import { useGpu } from '../test/use-gpu.js';

// Review of tree fusion, blocked matmul and integer indexing (headless-gl): aliasing with
// in-place ops, disposal of deferred trees, products read twice or broadcast, int32 and NaN
// through trees, and blocked products on edge shapes, each against the same program on cpu.
useGpu('headlessgl');
const stats = () => memory().gpu!;

/** Run `make` on cpu and on gpu from the same seed and compare every value (NaN must match NaN). */
function both(make: (device: string) => Tensor | Tensor[], tol = 1e-4): void {
  scope(() => {
    const run = (device: string): number[] => {
      manualSeed(7);
      const r = make(device);
      return (Array.isArray(r) ? r : [r]).flatMap((t) => Array.from(t.dataSync()));
    };
    const want = run('cpu');
    const got = run('gpu');
    expect(got.length).toBe(want.length);
    got.forEach((v, i) => {
      const w = want[i]!;
      if (Number.isNaN(w)) expect(v, `[${i}]: gpu ${v}, cpu NaN`).toBeNaN();
      else if (!Number.isFinite(w)) expect(v, `[${i}]`).toBe(w);
      else expect(Math.abs(v - w), `[${i}]: gpu ${v}, cpu ${w}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w)));
    });
  });
}

describe('tree fusion aliasing with in-place ops (headless-gl)', () => {
  it('x.add_(y) where y is a deferred tree reading x keeps y at the old x', () => {
    both((device) => {
      const x = randn([3, 4], { device });
      const w = randn([3, 4], { device });
      const y = x.mul(w).add(w);
      noGrad(() => x.add_(y));
      return [x, y];
    });
  });

  it('a view write-through does not change a pending tree that read the old buffer', () => {
    both((device) => {
      const a = randn([4, 4], { device });
      const b = randn([4, 4], { device });
      const t = a.add(b);
      const u = a.t().mul(b);
      noGrad(() => a.narrow(0, 1, 2).mul_(3));
      noGrad(() => a.t().narrow(0, 0, 1).add_(10));
      return [t, u, a];
    });
  });

  it('maskedFill_ on a clone of a deferred product leaves the product', () => {
    both((device) => {
      const a = randn([3, 5], { device });
      const b = randn([5, 4], { device });
      const p = a.mm(b);
      const c = p.clone();
      noGrad(() => c.maskedFill_(c.gt(0), 0));
      return [c, p];
    });
  });

  it('an in-place update of a tree input that another tensor still views', () => {
    both((device) => {
      const w = randn([4, 3], { device });
      const view = w.t();
      const g = randn([4, 3], { device });
      const s = w.mul(g);
      noGrad(() => w.sub_(g.mul(0.5)));
      noGrad(() => w.sub_(s));
      return [w, view, s];
    });
  });

  it('x.add_(x.mul(y)) twice in a row, reading x after each', () => {
    both((device) => {
      const x = randn([5], { device });
      const y = randn([5], { device });
      const out: Tensor[] = [];
      for (let i = 0; i < 3; i++) {
        noGrad(() => x.add_(x.mul(y)));
        out.push(x.clone());
      }
      return out;
    });
  });
});

describe('tree fusion disposal (headless-gl)', () => {
  it('a pending tree whose inputs were disposed still computes them', () => {
    both((device) => {
      const a = randn([6], { device });
      const b = randn([6], { device });
      const t = a.mul(b).add(a);
      a.dispose();
      b.dispose();
      return t;
    });
  });

  it('disposing pending results never run frees their leaves: no leak over a loop', () => {
    const a = randn([8, 8], { device: 'gpu' });
    const b = randn([8, 8], { device: 'gpu' });
    const before = stats();
    for (let i = 0; i < 20; i++) {
      scope(() => {
        const t = a.mm(b).mul(a).add(b);
        where(t.gt(0), t, a).sum();
        a.mul(b).add(a.mm(b)); // never read
      });
    }
    expect(stats().buffers).toBe(before.buffers);
    expect(stats().bytes).toBe(before.bytes);
    a.dispose();
    b.dispose();
  });

  it('a training-like loop of in-place updates keeps the live buffers flat', () => {
    const w = randn([6, 4], { device: 'gpu' });
    const x = randn([5, 6], { device: 'gpu' });
    const before = stats().buffers;
    for (let i = 0; i < 10; i++) {
      scope(() => {
        const y = x.mm(w);
        const g = x.t().mm(y.sub(1).mul(2));
        noGrad(() => w.sub_(g.mul(0.01)));
      });
    }
    expect(stats().buffers).toBe(before);
    expect(Array.from(w.dataSync()).every(Number.isFinite)).toBe(true);
    w.dispose();
    x.dispose();
  });
});

describe('products and trees read twice, broadcast, or through views (headless-gl)', () => {
  it('a product read twice and by a broadcast', () => {
    both((device) => {
      const a = randn([3, 4], { device });
      const b = randn([4, 3], { device });
      const p = a.mm(b);
      const q = p.mul(p).add(p.t());
      const col = a.mm(b.narrow(1, 0, 1));
      return [q, col.add(randn([3, 5], { device })), p.sum(0), col.expand(3, 4).mul(a)];
    });
  });

  it('a tree read by a reduce through a narrow view and by a transposed product', () => {
    both((device) => {
      const a = randn([5, 6], { device });
      const b = randn([5, 6], { device });
      const t = a.mul(b).sub(a);
      return [t.narrow(1, 2, 3).sum(1), t.narrow(0, 1, 3).t().mm(b.narrow(0, 0, 3)), t.t().sum(0)];
    });
  });

  it('flip and gather of deferred trees', () => {
    both((device) => {
      const a = randn([4, 3], { device });
      const b = randn([4, 3], { device });
      const t = a.mm(b.t()).add(1);
      return [t.flip(0), a.add(b).flip([0, 1]).mul(b.flip(1))];
    });
  });

  it('shapes with a 1-dim and size-0 tensors through trees', () => {
    both((device) => {
      const a = randn([1, 5, 1], { device });
      const b = randn([3, 1, 2], { device });
      const e = randn([0, 3], { device });
      const z = e.add(e.mul(2));
      const p = randn([0, 3], { device }).mm(randn([3, 4], { device }));
      return [a.mul(b).add(a), z.sum(0), randn([2, 0], { device }).mm(randn([0, 3], { device })).add(1), p.add(1), p.sum(0), p.t().mm(randn([0, 2], { device })).mul(3)];
    });
  });
});

describe('int32 and NaN through fused paths (headless-gl)', () => {
  it('int32 trees: add, mul, sub, where and a reduce', () => {
    both((device) => {
      const a = tensor([[3, -7, 12], [5, 0, -2]], { dtype: 'int32', device });
      const b = tensor([[2, 3, -5], [1, 4, 6]], { dtype: 'int32', device });
      const t = a.mul(b).sub(a).add(b);
      return [t.float(), where(a.gt(b), a, b).float(), t.sum().float(), a.div(b).float()];
    });
  });

  it('NaN and Inf propagate through fused binary, where, max and products', () => {
    both((device) => {
      const a = tensor([NaN, 1, -Infinity, 2, 0, Infinity], { device });
      const b = tensor([1, NaN, 3, -Infinity, 0, 1], { device });
      const m = tensor([NaN, 0, 1, 0, 1, 0], { device });
      return [a.maximum(b).add(b), a.minimum(b).mul(2), where(m, a, b).add(a), a.div(b).sub(1), a.reshape([2, 3]).mm(b.reshape([3, 2])).add(1), a.mul(b).sum()];
    });
  });

  it('two trees with the same shape and ops but different numbers give their own values', () => {
    both((device) => {
      const a = randn([4], { device });
      const b = randn([4], { device });
      return [a.mul(2).add(b.mul(3)), a.mul(5).add(b.mul(-1)), a.add(b).mul(0.5), a.add(a).mul(0.5), a.add(b.pow(2))];
    });
  });
});

describe('blocked matmul edge shapes on headless-gl (from 2^23 multiply-adds)', () => {
  it('m = 1, n % 4 = 0, odd k; and k = 1', { timeout: 120_000 }, () => {
    both((device) => randn([1, 2049], { device }).mm(randn([2049, 4096], { device })).sum(0), 1e-3);
    both((device) => randn([2048, 1], { device }).mm(randn([1, 4096], { device })).sum(1), 1e-3);
  });

  it('transposed views with offsets, chains on packed operands, broadcast batches', { timeout: 120_000 }, () => {
    both((device) => {
      const a = randn([260, 130], { device });
      const b = randn([514, 260], { device });
      const av = a.narrow(1, 1, 129).relu().mul(-2); // [260, 129]
      const bv = b.narrow(0, 2, 512).sub(0.5); // [512, 260]
      return av.t().mm(bv.t()).sum(0);
    }, 1e-3);
    both((device) => {
      const a = randn([3, 65, 257], { device });
      const b = randn([257, 1024], { device }).expand(3, 257, 1024);
      return a.bmm(b).abs().sum(1);
    }, 1e-3);
  });

  it('a blocked product into a binary op, read again after an in-place update of an operand', { timeout: 120_000 }, () => {
    both((device) => {
      const x = randn([256, 129], { device });
      const w = randn([256, 129], { device });
      const bias = randn([256], { device });
      const y = x.mm(w.t()).add(bias);
      noGrad(() => w.mul_(0));
      return [y.sum(0), x.mm(w.t()).sum()];
    }, 1e-3);
  });
});

describe('integer-exact indexing (headless-gl)', () => {
  it('a tree on a [2^24 + 8] tensor read through a view near its end', { timeout: 120_000 }, () => {
    const n = 2 ** 24 + 8;
    both((device) => {
      const a = randn([n], { device });
      const b = randn([n], { device });
      const t = a.mul(b).add(a);
      return [t.narrow(0, n - 9, 9).mul(2), t.narrow(0, 2 ** 24 - 3, 6).sum()];
    });
  });
});

describe('more consumers of deferred trees (headless-gl)', () => {
  it('write-through into views of a deferred base; copy_ between overlapping views of a tree', () => {
    both((device) => {
      const x = randn([4, 3], { device });
      const y = randn([4, 3], { device });
      const a = x.mul(y).add(x);
      noGrad(() => a.narrow(0, 1, 2).mul_(3));
      const b = x.sub(y);
      noGrad(() => b.narrow(0, 0, 2).copy_(b.narrow(0, 2, 2)));
      const c = x.mm(y.t());
      noGrad(() => c.t().narrow(0, 1, 1).zero_());
      return [a, b, c, x];
    });
  });

  it('products read by reduces, arg reductions and cumsum through views', () => {
    both((device) => {
      const a = randn([5, 4], { device });
      const b = randn([4, 6], { device });
      const p = a.mm(b);
      return [p.narrow(1, 1, 3).sum(0), p.t().narrow(0, 2, 3).max(1), p.argmax(1).float(), p.add(a.mm(b).mul(2)).argmin(0).float(), p.cumsum(1), p.exp().sum(), p.mul(p).mean(1)];
    });
  });

  it('a product reading a cheap tree with a broadcast input, transposed either way', () => {
    both((device) => {
      const x = randn([5, 3], { device });
      const w = randn([3, 4], { device });
      const bias = randn([4], { device });
      const y = randn([5, 4], { device });
      const g = x.mm(w).add(bias).sub(y);
      return [x.t().mm(g), g.t().mm(x), g.mm(w.t()), g.mul(2).mm(w.t().relu())];
    });
  });

  it('gather and scatterAdd with indices made by trees; a tree of eight leaves', () => {
    both((device) => {
      const x = randn([4, 5], { device });
      const i0 = randn([4, 2], { device }).abs().mul(0).int();
      const i1 = i0.add(i0.add(2)).add(1); // int32 3s through a tree
      const g = x.mul(2).add(x).gather(1, i1);
      const s = x.scatterAdd(1, i1, g.mul(g));
      const ls = Array.from({ length: 8 }, () => randn([3], { device }));
      const t = ls.reduce((p, q) => p.add(q.mul(2)));
      return [g, s, t, where(ls[0]!.gt(0), ls.slice(1, 4).reduce((p, q) => p.mul(q)), ls.slice(4).reduce((p, q) => p.sub(q)))];
    });
  });

  it('autograd through trees: a two-layer net\'s gradients', () => {
    both((device) => {
      const x = randn([6, 4], { device });
      const w1 = randn([4, 5], { device, requiresGrad: true });
      const w2 = randn([5, 2], { device, requiresGrad: true });
      const y = randn([6, 2], { device });
      const loss = x.mm(w1).relu().mm(w2).sub(y).pow(2).mean();
      loss.backward();
      return [loss, w1.grad!, w2.grad!];
    });
  });
});

describe('a deferred product read through a broadcast view runs once (headless-gl)', () => {
  it('an expanded product read back or gathered is the product then a copy, not one dot product per copied element', () => {
    const stats0 = () => memory().gpu!;
    const launches = (): number => stats0().kernels - stats0().uploads;
    both((device) => {
      const a = randn([1, 64], { device });
      const b = randn([64, 8], { device });
      const p = a.mm(b);
      const before = launches();
      const e = p.expand(32, 8).clone();
      if (device === 'gpu') {
        e.dataSync();
        // Inlined, the copy's 256 threads would each compute a 64-long dot product: 32× the product's work.
        expect(launches() - before, 'the product, then the broadcast copy').toBe(2);
      }
      return [e, p.expand(4, 8).gather(1, tensor([[0], [3], [7], [1]], { dtype: 'int32', device }))];
    });
  });
});

describe('a large product reading a cheap tree runs blocked (headless-gl)', () => {
  it('xᵀ·(y − t) of 2^23 multiply-adds: the tree, then pack A, pack B, the packed product and the unpack', { timeout: 120_000 }, () => {
    const launches = (): number => memory().gpu!.kernels - memory().gpu!.uploads;
    both((device) => {
      const x = randn([512, 256], { device });
      const y = randn([512, 64], { device });
      const t = randn([512, 64], { device });
      const before = launches();
      const g = x.t().mm(y.sub(t)); // [256, 64]: 256·512·64 = 2^23 multiply-adds
      if (device === 'gpu') {
        g.dataSync();
        // Inlined, the product's operand is recomputed as it is read and the product runs one output per thread, unblocked.
        expect(launches() - before, 'the cheap tree, then the four blocked kernels').toBe(5);
      }
      return [g];
    }, 1e-3);
  });

  it('a sum over a short axis of a product of 2^23 multiply-adds runs the product blocked, not 2048 threads of 4096 multiply-adds', { timeout: 120_000 }, () => {
    const launches = (): number => memory().gpu!.kernels - memory().gpu!.uploads;
    both((device) => {
      const a = randn([2, 2048], { device });
      const b = randn([2048, 2048], { device });
      const before = launches();
      const s = a.mm(b).sum(0);
      if (device === 'gpu') {
        s.dataSync();
        expect(launches() - before, 'the four blocked kernels, then the sum').toBe(5);
      }
      return [s];
    }, 1e-3);
  });
});
