import type { Device } from '../backend.js';
import { DeviceError, DTypeError } from '../errors.js';
import { arange, eye, linspace, randint, randperm, tensor } from '../creation.js';
import { getBackend } from '../registry.js';
import { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { oneHot } from '../ops/index.js';
import { assertClose, assertShape, assertThrows } from './assert.js';

// The conformance cases of int32 tensors and the creation ops: int32 is stored as float32 on
// every backend, so its integers must come back exactly (to ±2^24) through each backend's kernels.

type Add = (name: string, run: (ctx: { device: Device }) => void | Promise<void>) => void;

async function read(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

function expectDType(t: Tensor, dtype: string, what: string): void {
  if (t.dtype !== dtype) throw new Error(`${what}: expected ${dtype}, got ${t.dtype}`);
}

const exact = { atol: 0, rtol: 0 };

/** Add the int32 and creation cases to the conformance suite. */
export function addDTypeCases(add: Add): void {
  add('dtype: int32 arithmetic is exact to ±2^24 and keeps int32; div and float functions give float32', async ({ device }) => {
    const a = tensor([16_777_215, -16_777_215, 7, 0], { dtype: 'int32', device });
    const b = tensor([1, -1, -2, 3], { dtype: 'int32', device });
    const s = a.add(b);
    expectDType(s, 'int32', 'add');
    assertClose(await read(s), [16_777_216, -16_777_216, 5, 3], exact, 'int32 add');
    assertClose(await read(b.mul(b).sub(1)), [0, 0, 3, 8], exact, 'int32 mul sub');
    assertClose(await read(b.sum()), [1], exact, 'int32 sum');
    expectDType(b.sum(), 'int32', 'sum');
    assertClose(await read(b.abs().maximum(2)), [2, 2, 2, 3], exact, 'int32 abs maximum');
    const q = a.div(b);
    expectDType(q, 'float32', 'div');
    assertClose(await read(b.div(2)), [0.5, -0.5, -1, 1.5], exact, 'int32 / 2 is true division');
    expectDType(b.exp(), 'float32', 'exp');
    expectDType(b.add(0.5), 'float32', 'int32 + 0.5');
    expectDType(b.mul(tensor([1.5], { device })), 'float32', 'int32 · float32');
    const mask = b.gt(0);
    expectDType(mask, 'float32', 'comparison');
    assertClose(await read(mask), [1, 0, 0, 1], exact, 'comparison mask');
    const f = b.float();
    expectDType(f, 'float32', 'float()');
    assertClose(await read(f), [1, -1, -2, 3], exact, 'float()');
    assertClose(await read(b.reshape([2, 2]).t()), [1, -2, -1, 3], exact, 'int32 view');
    expectDType(b.reshape([2, 2]).t(), 'int32', 'view');
  });

  add('dtype: int() truncates toward zero where values can be read synchronously', async ({ device }) => {
    const x = tensor([2.7, -2.7, 0.5, -0.5, 1e6 + 0.25], { device });
    if (!getBackend(device, 'int').readSync) {
      assertThrows(() => x.int(), DeviceError, /int/, /asynchronously/);
      return;
    }
    const i = x.int();
    expectDType(i, 'int32', 'int()');
    assertClose(await read(i), [2, -2, 0, 0, 1e6], exact, 'int()');
    assertThrows(() => tensor([1, NaN], { device }).int(), DTypeError, /int/, /NaN/);
  });

  add('creation: int32 arange, eye, linspace, randint, randperm and oneHot on the device', async ({ device }) => {
    assertClose(await read(arange(-2, 3, 1, { device, dtype: 'int32' })), [-2, -1, 0, 1, 2], exact, 'arange');
    assertClose(await read(eye(2, 3, { device })), [1, 0, 0, 0, 1, 0], exact, 'eye');
    assertClose(await read(linspace(0, 1, 5, { device })), [0, 0.25, 0.5, 0.75, 1], exact, 'linspace');
    const r = randint(0, 10, [200], { device, generator: new Generator(5) });
    expectDType(r, 'int32', 'randint');
    const rv = await read(r);
    if (rv.some((v) => v < 0 || v >= 10 || !Number.isInteger(v))) throw new Error(`randint: values outside [0, 10): ${rv.join(', ')}`);
    assertClose(rv, await read(randint(0, 10, [200], { generator: new Generator(5) })), exact, 'randint is the same on every device');
    const p = await read(randperm(20, { device, generator: new Generator(1) }));
    assertClose([...p].sort((x, y) => x - y), [...Array(20).keys()], exact, 'randperm');
    const h = oneHot(tensor([2, 0], { dtype: 'int32', device }), 3);
    expectDType(h, 'int32', 'oneHot');
    assertShape(h, [2, 3]);
    assertClose(await read(h), [0, 0, 1, 1, 0, 0], exact, 'oneHot');
  });
}
