import type { Device } from '../backend.js';
import { ShapeError } from '../errors.js';
import { tensor, zeros } from '../creation.js';
import type { Tensor } from '../tensor.js';
import { assertClose, assertShape, assertThrows } from './assert.js';
import { ARG_CASES, ARG_X, ARG_Y, MIN_G, MIN_GRAD_ALL, MIN_GRAD_DIM } from './argmax-min.generated.js';
import type { GradCase } from './conformance.js';

// The conformance cases of argmax, argmin and min (the reduction): torch's values at ties,
// NaN and ±Inf (scripts/make_argmax_min.py), min's gradient at ties, int32 results, and the
// refusal of an empty dimension.

type Add = (name: string, run: (ctx: { device: Device }) => void | Promise<void>) => void;

async function read(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

// Each fixture's call, on x or y.
function call(name: string, x: Tensor, y: Tensor): Tensor {
  switch (name) {
    case 'x.argmax(1)': return x.argmax(1);
    case 'x.argmin(1)': return x.argmin(1);
    case 'x.argmax(0)': return x.argmax(0);
    case 'x.argmin(0)': return x.argmin(0);
    case 'x.argmax()': return x.argmax();
    case 'x.argmin()': return x.argmin();
    case 'x.argmax(1, true)': return x.argmax(1, true);
    case 'y.argmax(1)': return y.argmax(1);
    case 'y.argmin(1)': return y.argmin(1);
    case 'y.argmax(-1)': return y.argmax(-1);
    case 'y.argmin(0)': return y.argmin(0);
    case 'y.argmax()': return y.argmax();
    case 'x.min(1)': return x.min(1);
    case 'x.min(0)': return x.min(0);
    case 'x.min()': return x.min();
    case 'y.min(1)': return y.min(1);
    case 'y.min([0, 2], true)': return y.min([0, 2], true);
    default: throw new Error(`no call for fixture ${name}`);
  }
}

/** Add the argmax/argmin/min cases to the conformance suite. */
export function addReduceArgCases(add: Add): void {
  add('reduce: argmax, argmin and min at ties, NaN and ±Inf, as torch', async ({ device }) => {
    const x = tensor(ARG_X, { device });
    const y = tensor(ARG_Y, { device });
    for (const f of ARG_CASES) {
      const r = call(f.call, x, y);
      assertShape(r, f.shape, f.call);
      if (f.call.includes('arg') && r.dtype !== 'int32') throw new Error(`${f.call} should be int32, got ${r.dtype}`);
      if (!f.call.includes('arg') && r.dtype !== 'float32') throw new Error(`${f.call} should be float32, got ${r.dtype}`);
      assertClose(await read(r), f.values, { atol: 0, rtol: 0 }, f.call);
    }
  });

  add('reduce: argmax/argmin of an int32 tensor, a scalar and a long row', async ({ device }) => {
    const i = tensor([[3, -1, 3], [0, 0, -5]], { dtype: 'int32', device });
    assertClose(await read(i.argmax(1)), [0, 0], { atol: 0, rtol: 0 }, 'int32 argmax');
    assertClose(await read(i.argmin()), [5], { atol: 0, rtol: 0 }, 'int32 argmin');
    const m = i.min(0);
    if (m.dtype !== 'int32') throw new Error(`min of int32 should stay int32, got ${m.dtype}`);
    assertClose(await read(m), [0, -1, -5], { atol: 0, rtol: 0 }, 'int32 min');
    const s = tensor(7, { device });
    assertShape(s.argmax(), [], 'scalar argmax');
    assertClose(await read(s.argmax()), [0], { atol: 0, rtol: 0 }, 'scalar argmax');
    // A large index in one reduction is kept exactly. (60000, not more: headless-gl's reductions
    // over more than 65536 elements lose the elements past that, for sum and max too.)
    const n = 60_000;
    const long = new Float32Array(n);
    long[n - 3] = 1;
    long[5] = -1;
    const row = tensor(long, { device });
    assertClose(await read(row.argmax()), [n - 3], { atol: 0, rtol: 0 }, 'argmax of a long row');
    assertClose(await read(row.argmin(0)), [5], { atol: 0, rtol: 0 }, 'argmin of a long row');
  });

  add('reduce: min gradient splits evenly among ties, as torch.amin', async ({ device }) => {
    const g = tensor(MIN_G, { device, requiresGrad: true });
    g.min(1).mul(tensor([1, 2, 3], { device })).sum().backward();
    assertClose(await read(g.grad!), MIN_GRAD_DIM, { atol: 0, rtol: 1e-6 }, 'd min(1)');
    g.zeroGrad();
    g.min().mul(3).backward();
    assertClose(await read(g.grad!), MIN_GRAD_ALL, { atol: 0, rtol: 1e-6 }, 'd min()');
  });

  add('reduce: argmax, argmin and min refuse an empty dim', ({ device }) => {
    const e = zeros([2, 0], { device });
    assertThrows(() => e.argmax(1), ShapeError, /argmax/, /size 0/);
    assertThrows(() => e.argmin(), ShapeError, /argmin/, /size 0/);
    assertThrows(() => e.min(1), ShapeError, /min/, /size 0/);
    assertShape(e.argmax(0), [0], 'argmax over a non-empty dim of an empty tensor');
  });
}

/** The gradchecks of min (its gradient is amax's rule, mirrored). */
export const reduceArgGradCases: readonly GradCase[] = [
  ['min all', [[3, 4]], (a) => a.min()],
  ['min dim keepdim', [[3, 4]], (a) => a.min(1, true)],
  ['min of two dims', [[2, 3, 4]], (a) => a.min([0, 2])],
];
