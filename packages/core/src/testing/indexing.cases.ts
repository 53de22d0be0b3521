import type { Device } from '../backend.js';
import { ArgumentError, DTypeError, ShapeError, StateError } from '../errors.js';
import { arange, rand, tensor } from '../creation.js';
import { memory } from '../memory.js';
import { manualSeed } from '../random.js';
import { getBackend } from '../registry.js';
import { noGrad } from '../state.js';
import type { Tensor } from '../tensor.js';
import { add as plus, cat, stack } from '../ops/index.js';
import { assertClose, assertShape, assertThrows } from './assert.js';
import { INDEXING_FIXTURES, indexingInput, type IndexingFixture } from './indexing.generated.js';

// The conformance cases of the shape and indexing ops (narrow, slice, squeeze,
// unsqueeze, flatten, flip, repeat, cat, stack, split, chunk, indexSelect,
// gather, scatterAdd, sliceScatter): torch's values at their edges, in-place
// writes through narrow and slice views, int32 indices, and the errors.

type Add = (name: string, run: (ctx: { device: Device; reference?: Device }) => void | Promise<void>) => void;

async function read(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

// Run one fixture's op on its inputs: a tensor, or a list of tensors (split, chunk).
function runFixture(f: IndexingFixture, xs: Tensor[], device: Device): Tensor | Tensor[] {
  const [x] = xs as [Tensor];
  const a = f.args as never[];
  const index = (v: unknown): Tensor => tensor(v as number[], { dtype: 'int32', device });
  switch (f.op) {
    case 'narrow': return x.narrow(a[0], a[1], a[2]);
    case 'slice': return x.slice(a[0], a[1], a[2], a[3]);
    case 'squeeze': return x.squeeze(a[0] ?? undefined);
    case 'unsqueeze': return x.unsqueeze(a[0]);
    case 'flatten': return x.flatten(a[0], a[1]);
    case 'flip': return x.flip(a[0]);
    case 'repeat': return x.repeat(a[0]);
    case 'cat': return cat(xs, a[0]);
    case 'stack': return stack(xs, a[0]);
    case 'split': return x.split(a[0], a[1]);
    case 'chunk': return x.chunk(a[0], a[1]);
    // Half the index arguments as int32 tensors, half as plain arrays: both are accepted.
    case 'indexSelect': return x.indexSelect(a[0], index(a[1]));
    case 'gather': return x.gather(a[0], a[1]);
    case 'scatterAdd': return x.scatterAdd(a[0], index(a[1]), xs[1]!);
    default: throw new Error(`indexing fixture: unknown op ${f.op}`);
  }
}

/** Register the shape and indexing conformance cases with the suite's `add`. */
export function addIndexingCases(add: Add): void {
  add('indexing: narrow, slice, squeeze, unsqueeze, flatten, flip, repeat, cat, stack, split, chunk, indexSelect, gather, scatterAdd and their gradients at the edges, as PyTorch (table from torch)', async ({ device }) => {
    for (const f of INDEXING_FIXTURES) {
      const xs = f.inputs.map((shape, k) =>
        tensor(indexingInput(k, shape.reduce((p, n) => p * n, 1)), { shape: [...shape], device, requiresGrad: f.grads[k] !== null }),
      );
      const out = runFixture(f, xs, device);
      const outs = Array.isArray(out) ? out : [out];
      if (outs.length !== f.outputs.length) throw new Error(`${f.label}: ${outs.length} results, torch gives ${f.outputs.length}`);
      let loss: Tensor | null = null;
      for (let i = 0; i < outs.length; i++) {
        const o = outs[i]!;
        assertShape(o, f.outputs[i]!.shape, `${f.label}: shape of result ${i}`);
        // The ops move values without arithmetic (scatterAdd adds in torch's order): exact.
        assertClose(await read(o), f.outputs[i]!.data, { atol: 0, rtol: 0 }, `${f.label}: result ${i}`);
        const weights = arange(1, o.size + 1, 1, { device }).reshape(o.shape);
        const term = o.mul(weights).sum();
        loss = loss ? plus(loss, term) : term;
      }
      loss!.backward();
      for (let k = 0; k < xs.length; k++) {
        const want = f.grads[k];
        if (want === null || want === undefined) continue;
        const g = xs[k]!.grad;
        if (!g) throw new Error(`${f.label}: input ${k} got no gradient`);
        assertClose(await read(g), want, { atol: 0, rtol: 0 }, `${f.label}: gradient of input ${k}`);
      }
    }
  });

  add('indexing: narrow, slice, squeeze, unsqueeze, flatten, split and chunk are views (no kernel, no new buffer)', async ({ device }) => {
    const x = tensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], { device });
    const before = { ...memory()[device]! };
    const views = [x.narrow(0, 1, 2), x.slice(1, 1, null, 2), x.unsqueeze(0).squeeze(0), x.flatten(), ...x.split(2, 1), ...x.chunk(3, 0)];
    const after = memory()[device]!;
    if (after.buffers !== before.buffers || after.kernels !== before.kernels) {
      throw new Error(`views made ${after.buffers - before.buffers} buffers and ${after.kernels - before.kernels} kernels, expected none`);
    }
    assertClose(await read(views[0]!), [5, 6, 7, 8, 9, 10, 11, 12], {}, 'narrow');
    assertClose(await read(views[1]!), [2, 4, 6, 8, 10, 12], {}, 'slice with step 2');
    assertClose(await read(views[5]!), [3, 4, 7, 8, 11, 12], {}, 'second split');
  });

  add('indexing: in-place ops on narrow and slice views write through to the base only there, and bump the one version counter', async ({ device }) => {
    const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]], { device });
    const keep = x.clone();
    const v0 = x._version;
    const rows = x.narrow(0, 1, 2);
    rows.mul_(2);
    assertClose(await read(x), [1, 2, 3, 8, 10, 12, 14, 16, 18, 10, 11, 12], {}, 'x after x.narrow(0, 1, 2).mul_(2)');
    assertClose(await read(rows), [8, 10, 12, 14, 16, 18], {}, 'the view after its mul_');
    if (x._version !== v0 + 1 || rows._version !== x._version) throw new Error(`versions: x ${x._version}, view ${rows._version}, expected ${v0 + 1}`);
    assertClose(await read(keep), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], {}, 'a clone taken before is unchanged');
    // A column slice with a step (strided, offset), then a view of that view, then the base itself.
    const cols = x.slice(1, 0, null, 2);
    cols.add_(100);
    assertClose(await read(x), [101, 2, 103, 108, 10, 112, 114, 16, 118, 110, 11, 112], {}, 'x after x.slice(1, 0, null, 2).add_(100)');
    const corner = cols.narrow(0, 3, 1).squeeze(0);
    corner.zero_();
    assertClose(await read(x), [101, 2, 103, 108, 10, 112, 114, 16, 118, 0, 11, 0], {}, 'x after a narrow of the slice is zeroed');
    assertClose(await read(rows), [108, 10, 112, 114, 16, 118], {}, 'the first view sees the later writes');
    x.sub_(1);
    assertClose(await read(cols), [100, 102, 107, 111, 113, 117, -1, -1], {}, 'the slice sees the base written');
    // A transposed narrow: the view's elements are not in the base's order.
    const tcol = x.t().narrow(0, 1, 1);
    tcol.copy_(tensor([[-5, -6, -7, -8]], { device }));
    assertClose(await read(x), [100, -5, 102, 107, -6, 111, 113, -7, 117, -1, -8, -1], {}, 'x after x.t().narrow(0, 1, 1).copy_');
    // mul_, add_, zero_, sub_ and copy_: five writes, each through a different member of the family.
    if (x._version !== v0 + 5) throw new Error(`x at version ${x._version}, expected ${v0 + 5}`);
    // An expanded view reaches one element twice: writing it is refused, as in PyTorch.
    const e = x.narrow(0, 0, 1).expand(3, 3);
    assertThrows(() => e.add_(1), ShapeError, /expanded view/, /clone\(\)/);
    // A view of a tensor that requires grad is refused under autograd, allowed under noGrad.
    const w = tensor([1, 2, 3, 4], { device, requiresGrad: true });
    const wv = noGrad(() => w.narrow(0, 1, 2));
    assertThrows(() => wv.mul_(2), StateError, /mul_/);
    noGrad(() => wv.mul_(2));
    assertClose(await read(w), [1, 4, 6, 4], {}, 'a weight written through a narrow view under noGrad');
  });

  add('indexing: results keep int32; index arguments are int32 tensors or arrays; float indices are refused', async ({ device }) => {
    const xi = tensor([[1, 2], [3, 4]], { dtype: 'int32', device });
    const parts = [cat([xi, xi], 0), stack([xi, xi]), xi.narrow(0, 1, 1), xi.flip(0), xi.repeat(1, 2), xi.gather(1, [[1, 0], [0, 0]]), xi.indexSelect(0, [1]), xi.scatterAdd(0, [[1, 1]], xi.narrow(0, 0, 1))];
    for (const p of parts) if (p.dtype !== 'int32') throw new Error(`${p.describe()} is ${p.dtype}, expected int32`);
    assertClose(await read(parts[5]!), [2, 1, 3, 3], {}, 'int32 gather');
    assertClose(await read(parts[7]!), [1, 2, 4, 6], {}, 'int32 scatterAdd');
    const f = tensor([[1, 2], [3, 4]], { device });
    if (cat([f, xi]).dtype !== 'float32') throw new Error('cat of float32 and int32 is float32 (promoted, as torch.cat)');
    assertThrows(() => f.gather(0, tensor([[0, 1]], { device })), DTypeError, /gather/, /float32/, /\.int\(\)/, /dtype: 'int32'/);
    assertThrows(() => f.indexSelect(0, tensor([0], { device })), DTypeError, /indexSelect/, /\.int\(\)/);
    assertThrows(() => f.gather(0, [[0.5, 1]]), DTypeError, /gather/);
    assertThrows(() => f.gather(0, 'rows' as never), ArgumentError, /gather/, /int32 Tensor or an array/);
  });

  add('indexing: out-of-range and negative indices are refused, naming the index, its value and the dim size', async ({ device }) => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { device });
    // Numbers given as arrays are checked on the host, on every device.
    assertThrows(() => x.gather(1, [[0, 3], [1, 1]]), ShapeError, /gather/, /index 3 \(element 1/, /dim 1 of size 3/);
    assertThrows(() => x.indexSelect(0, [-1]), ShapeError, /indexSelect/, /index -1/, /size 2/, /negative indices are refused/);
    assertThrows(() => x.scatterAdd(0, [[2, 0, 0]], x), ShapeError, /scatterAdd/, /index 2/, /size 2/);
    // An int32 tensor's values are read back to be checked where reads are synchronous (not on WebGPU: see indexing.ts).
    if (!getBackend(device).readSync) return;
    assertThrows(() => x.gather(0, tensor([[0, 2, 0]], { dtype: 'int32', device })), ShapeError, /gather/, /index 2 \(element 1/, /dim 0 of size 2/);
  });

  add('indexing: bad shapes and arguments are ShapeErrors naming the op, the shapes and the fix', async ({ device }) => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { device });
    assertThrows(() => x.narrow(1, 2, 2), ShapeError, /narrow/, /exceeds dim 1 of size 3/, /at most 1/);
    assertThrows(() => x.narrow(2, 0, 1), ShapeError, /narrow/, /dimension 2 is out of range/);
    assertThrows(() => x.slice(1, 0, 3, 0), ShapeError, /slice/, /step must be positive/, /flip/);
    assertThrows(() => x.slice(0, 0.5), ShapeError, /slice/, /start must be a whole number/);
    assertThrows(() => x.unsqueeze(3), ShapeError, /unsqueeze/, /out of range/);
    assertThrows(() => x.flatten(1, 0), ShapeError, /flatten/, /startDim/);
    assertThrows(() => x.flip([0, -2]), ShapeError, /flip/, /more than once/);
    assertThrows(() => x.repeat(2), ShapeError, /repeat/, /at least one size per dim/);
    assertThrows(() => cat([x, tensor([[1, 2]], { device })], 0), ShapeError, /cat/, /\[1, 2\]/, /\[2, 3\]/, /dim 0/);
    assertThrows(() => cat([], 0), ArgumentError, /cat/, /non-empty array/);
    assertThrows(() => stack([x, x.t()]), ShapeError, /stack/, /equal shapes/);
    assertThrows(() => x.split([1, 1], 1), ShapeError, /split/, /add up to 3/);
    assertThrows(() => x.chunk(0), ShapeError, /chunk/, /at least 1/);
    assertThrows(() => x.gather(0, [1, 0]), ShapeError, /gather/, /as many dims/);
    assertThrows(() => x.gather(0, [[0, 1, 0, 1]]), ShapeError, /gather/, /larger than the input/, /dim 1/);
    assertThrows(() => x.indexSelect(0, [[0]]), ShapeError, /indexSelect/, /1-D/);
    assertThrows(() => x.scatterAdd(0, [[0, 1, 1]], tensor([[1, 2]], { device })), ShapeError, /scatterAdd/, /no larger than src/);
    assertThrows(() => x.sliceScatter(tensor([1, 2], { device }), 1, 0, 2), ShapeError, /sliceScatter/, /\[2, 2\]/);
  });

  add('indexing: gather, scatterAdd, cat, flip and repeat of random tensors agree with the reference device', async ({ device, reference }) => {
    if (!reference) return;
    const run = (d: Device) => {
      manualSeed(7);
      const x = rand([5, 7, 3], { device: d, low: -2, high: 2 });
      const src = rand([4, 7, 3], { device: d, low: -2, high: 2 });
      manualSeed(8);
      const idx = rand([4, 7, 3], { device: d, low: 0, high: 4.999 });
      const index = tensor(Array.from(idx.dataSync(), Math.floor), { shape: [4, 7, 3], dtype: 'int32', device: d });
      return [x.gather(0, index), x.scatterAdd(0, index, src), cat([x, src, x.flip(1)], 0), x.repeat(2, 1, 2).slice(1, 1, null, 3), x.indexSelect(1, [6, 0, 6])];
    };
    if (!getBackend(device).readSync) return; // the index is made from a synchronous read
    const got = run(device);
    const want = run(reference);
    for (let i = 0; i < got.length; i++) assertClose(await read(got[i]!), await read(want[i]!), { atol: 1e-6, rtol: 1e-6 }, `result ${i}`);
  });
}

/** The shape and indexing functions the conformance suite gradchecks. */
export const indexingGradCases: readonly (readonly [label: string, shapes: number[][], fn: (...x: Tensor[]) => Tensor])[] = [
  ['narrow', [[4, 3]], (a) => a.narrow(0, 1, 2).mul(a.narrow(0, 2, 2))],
  ['slice with a step', [[3, 7]], (a) => a.slice(1, -6, null, 2).pow(2)],
  ['squeeze unsqueeze flatten', [[2, 1, 3]], (a) => a.squeeze(1).unsqueeze(0).flatten().mul(a.flatten())],
  ['flip', [[2, 3]], (a) => a.flip(0, 1).mul(a)],
  ['repeat', [[2, 3]], (a) => a.repeat(2, 1, 2).pow(2)],
  ['cat stack', [[2, 3], [1, 3]], (a, b) => cat([a, b, a], 0).mul(stack([b.squeeze(0), b.squeeze(0), b.squeeze(0), a.narrow(0, 0, 1).squeeze(0), b.squeeze(0)], 0))],
  ['split chunk', [[4, 3]], (a) => { const [p, q] = a.split([1, 3]); const [r] = a.chunk(2, 0); return p!.mul(q!.sum(0, true)).add(r!.sum()); }],
  ['indexSelect', [[3, 4]], (a) => a.indexSelect(1, [3, 0, 3]).pow(2)],
  ['gather', [[3, 4]], (a) => a.gather(1, [[0, 0, 3], [2, 1, 2], [1, 1, 1]]).pow(2)],
  ['scatterAdd', [[3, 4], [2, 4]], (a, s) => a.scatterAdd(0, [[0, 2, 1, 0], [0, 1, 1, 2]], s.pow(2)).mul(a)],
  ['sliceScatter', [[3, 5], [3, 2]], (a, s) => a.sliceScatter(s.pow(2), 1, 1, null, 2).mul(a)],
];
