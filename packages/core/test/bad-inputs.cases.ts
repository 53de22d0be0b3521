// The bad-input table: what a demanding new user (or a plain-JavaScript caller with no
// type checker) may pass to nn's public entry points, and the named error each must
// give. bad-inputs.test.ts runs every row and checks that nothing was corrupted.
import { createCpuBackend } from '@nn/cpu';
import { createGpuBackend } from '@nn/gpu';
import { Adam, Linear, MSELoss, SGD } from '@nn/layers';
import {
  ArgumentError, DeviceError, DTypeError, FormatError, NumericError, ShapeError, StateError,
  arange, checkNumerics, enableGrad, full, loadNpy, noGrad, ones, onesLike, parseNpy, rand, randn, scope,
  setDefaultDevice, tensor, where, zeros, zerosLike, type NNError, type Tensor,
} from '../src/index.js';
import { eye, fullLike, Generator, linspace, manualSeed, oneHot, randint, randnLike, randperm } from '../src/index.js';
import { cat, stack } from '../src/index.js';
import {
  cumsum, elu, erf, expm1, gelu, leakyRelu, log1p, logSoftmax, logsumexp, reciprocal, round, rsqrt, softmax, softplus, square, std,
  variance,
} from '../src/index.js';

/** One bad input: the op its error must name, the class, and the call (on fixtures made by `setup`). */
export interface BadInput {
  /** What is tried, for the test's name. */
  name: string;
  /** The op the error must name (its `op` field and the message prefix). */
  op: string;
  /** The nn error class it must be. */
  error: new (...args: never[]) => NNError;
  /** Fixtures made before the live-buffer count is taken; freed after the case. */
  setup?: () => Record<string, Tensor>;
  /** The bad call; a returned promise must reject. */
  run: (f: Record<string, Tensor>) => unknown;
  /** Another helper's fix that this case waits for, when it is known to fail without it. */
  awaits?: string;
}

const u = undefined as unknown as number;
const any = (v: unknown): never => v as never;

// .npy bytes: a valid float32 [2] file, then broken copies of it.
function npy(header: string, data = new Uint8Array(8), version = 1): Uint8Array {
  let h = header;
  const pad = (64 - ((10 + h.length + 1) % 64)) % 64;
  h += ' '.repeat(pad) + '\n';
  const out = new Uint8Array(10 + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0], 0);
  new DataView(out.buffer).setUint16(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[10 + i] = h.charCodeAt(i);
  out.set(data, 10 + h.length);
  return out;
}
const goodHeader = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";

const leaf = () => ({ w: tensor([0.5, 2], { requiresGrad: true }) });
const mat = () => ({ a: tensor([[1, 2, 3], [4, 5, 6]]), b: tensor([1, 2, 3]) });
const disposed = () => {
  const d = tensor([1, 2, 3]).named('d');
  d.dispose();
  return { d, m: tensor([0, 1, 0]) };
};
const twoDevices = () => ({ a: tensor([1, 2, 3]), b: tensor([1, 2, 3], { device: 'cpu2' }) });

const shapes: BadInput[] = [
  { name: 'zeros(3): a number for a shape', op: 'zeros', error: ShapeError, run: () => zeros(any(3)) },
  { name: 'zeros([-1])', op: 'zeros', error: ShapeError, run: () => zeros([-1]) },
  { name: 'argmax(2) of a 2-D tensor', op: 'argmax', error: ShapeError, setup: mat, run: (f) => f.a!.argmax(2) },
  { name: "argmin('0')", op: 'argmin', error: ShapeError, setup: mat, run: (f) => f.a!.argmin(any('0')) },
  { name: 'argmax(1) over an empty dim', op: 'argmax', error: ShapeError, run: () => zeros([2, 0]).argmax(1) },
  { name: 'argmin() of an empty tensor', op: 'argmin', error: ShapeError, run: () => zeros([0]).argmin() },
  { name: 'min(1) over an empty dim', op: 'min', error: ShapeError, run: () => zeros([2, 0]).min(1) },
  { name: 'min([0, 0]): a repeated dim', op: 'min', error: ShapeError, setup: mat, run: (f) => f.a!.min([0, 0]) },
  { name: "argmax(0, 'yes')", op: 'argmax', error: ArgumentError, setup: mat, run: (f) => f.a!.argmax(0, any('yes')) },
  { name: 'zeros([NaN])', op: 'zeros', error: ShapeError, run: () => zeros([NaN]) },
  { name: 'zeros([Infinity])', op: 'zeros', error: ShapeError, run: () => zeros([Infinity]) },
  { name: 'zeros([1.5])', op: 'zeros', error: ShapeError, run: () => zeros([1.5]) },
  { name: 'zeros([undefined, 3])', op: 'zeros', error: ShapeError, run: () => zeros([u, 3]) },
  { name: 'zeros(undefined)', op: 'zeros', error: ShapeError, run: () => zeros(any(undefined)) },
  { name: "zeros('3')", op: 'zeros', error: ShapeError, run: () => zeros(any('3')) },
  { name: "ones([2, '3'])", op: 'ones', error: ShapeError, run: () => ones(any([2, '3'])) },
  { name: 'ones([2, -3])', op: 'ones', error: ShapeError, run: () => ones([2, -3]) },
  { name: 'randn([2, -3])', op: 'randn', error: ShapeError, run: () => randn([2, -3]) },
  { name: 'randn(5)', op: 'randn', error: ShapeError, run: () => randn(any(5)) },
  { name: 'rand([-1])', op: 'rand', error: ShapeError, run: () => rand([-1]) },
  { name: 'full(3, 0)', op: 'full', error: ShapeError, run: () => full(any(3), 0) },
  { name: 'full([2], "a")', op: 'full', error: ArgumentError, run: () => full([2], any('a')) },
  { name: 'arange(0, 10, 0)', op: 'arange', error: ArgumentError, run: () => arange(0, 10, 0) },
  { name: 'arange(0, NaN)', op: 'arange', error: ArgumentError, run: () => arange(0, NaN) },
  { name: 'arange(0, Infinity)', op: 'arange', error: ArgumentError, run: () => arange(0, Infinity) },
  { name: 'arange(10, 0, 1): step away from end', op: 'arange', error: ArgumentError, run: () => arange(10, 0, 1) },
  { name: "arange('5')", op: 'arange', error: ArgumentError, run: () => arange(any('5')) },
  { name: 'tensor(Float32Array(3), shape [2, 2])', op: 'tensor', error: ShapeError, run: () => tensor(new Float32Array(3), { shape: [2, 2] }) },
  { name: 'tensor(Float32Array(3), shape [-1, -3])', op: 'tensor', error: ShapeError, run: () => tensor(new Float32Array(3), { shape: [-1, -3] }) },
  { name: 'tensor(5, shape [2])', op: 'tensor', error: ShapeError, run: () => tensor(5, { shape: [2] }) },
  { name: 'tensor(ragged)', op: 'tensor', error: ShapeError, run: () => tensor([[1, 2], [3]]) },
  { name: 'reshape(-2, -3)', op: 'reshape', error: ShapeError, setup: mat, run: (f) => f.a!.reshape(-2, -3) },
  { name: 'reshape(-1, -1)', op: 'reshape', error: ShapeError, setup: mat, run: (f) => f.a!.reshape(-1, -1) },
  { name: 'reshape(4) of 6 elements', op: 'reshape', error: ShapeError, setup: mat, run: (f) => f.a!.reshape(4) },
  { name: 'reshape(1.5, 4)', op: 'reshape', error: ShapeError, setup: mat, run: (f) => f.a!.reshape(1.5, 4) },
  { name: 'reshape(NaN)', op: 'reshape', error: ShapeError, setup: mat, run: (f) => f.a!.reshape(NaN) },
  { name: "reshape('6')", op: 'reshape', error: ShapeError, setup: mat, run: (f) => f.a!.reshape(any('6')) },
  { name: 'view(-1, 4): cannot infer', op: 'reshape', error: ShapeError, setup: mat, run: (f) => f.a!.view(-1, 4) },
  { name: 'expand(-1, 3) of [3]: -1 in a new leading dim', op: 'expand', error: ShapeError, setup: mat, run: (f) => f.b!.expand(-1, 3) },
  { name: 'expand(2, 2) of [3]', op: 'expand', error: ShapeError, setup: mat, run: (f) => f.b!.expand(2, 2) },
  { name: 'expand(1.5) of [1]', op: 'expand', error: ShapeError, run: () => ones([1]).expand(1.5) },
  { name: 'expand(NaN, 3)', op: 'expand', error: ShapeError, setup: mat, run: (f) => f.b!.expand(NaN, 3) },
  { name: 'expand(3) of [2, 3]: fewer sizes than dims', op: 'expand', error: ShapeError, setup: mat, run: (f) => f.a!.expand(3) },
  { name: 'expand(-2, 3)', op: 'expand', error: ShapeError, setup: mat, run: (f) => f.b!.expand(-2, 3) },
  { name: 'permute(0) of a 2-D tensor', op: 'permute', error: ShapeError, setup: mat, run: (f) => f.a!.permute(0) },
  { name: 'permute(0, 0)', op: 'permute', error: ShapeError, setup: mat, run: (f) => f.a!.permute(0, 0) },
  { name: 'permute(0, 2)', op: 'permute', error: ShapeError, setup: mat, run: (f) => f.a!.permute(0, 2) },
  { name: 'permute(0, 1.5)', op: 'permute', error: ShapeError, setup: mat, run: (f) => f.a!.permute(0, 1.5) },
  { name: 'transpose(0, 2)', op: 'transpose', error: ShapeError, setup: mat, run: (f) => f.a!.transpose(0, 2) },
  { name: 'transpose(0, undefined)', op: 'transpose', error: ShapeError, setup: mat, run: (f) => f.a!.transpose(0, u) },
  { name: 't() of a 3-D tensor', op: 't', error: ShapeError, run: () => zeros([2, 2, 2]).t() },
  { name: 'sum(2) of a 2-D tensor', op: 'sum', error: ShapeError, setup: mat, run: (f) => f.a!.sum(2) },
  { name: 'sum([0, 0]): a repeated dim', op: 'sum', error: ShapeError, setup: mat, run: (f) => f.a!.sum([0, 0]) },
  { name: 'sum([1, -1]): the same dim twice', op: 'sum', error: ShapeError, setup: mat, run: (f) => f.a!.sum([1, -1]) },
  { name: 'mean([0, 0])', op: 'mean', error: ShapeError, setup: mat, run: (f) => f.a!.mean([0, 0]) },
  { name: 'max([1, 1])', op: 'max', error: ShapeError, setup: mat, run: (f) => f.a!.max([1, 1]) },
  { name: 'sum(1.5)', op: 'sum', error: ShapeError, setup: mat, run: (f) => f.a!.sum(1.5) },
  { name: "sum('0')", op: 'sum', error: ArgumentError, setup: mat, run: (f) => f.a!.sum(any('0')) },
  { name: "sum(0, 'yes'): keepdim not a boolean", op: 'sum', error: ArgumentError, setup: mat, run: (f) => f.a!.sum(0, any('yes')) },
  { name: 'zeros([0]).max(): no identity', op: 'max', error: ShapeError, run: () => zeros([0]).max() },
  { name: 'zeros([2, 0]).max(1)', op: 'max', error: ShapeError, run: () => zeros([2, 0]).max(1) },
  { name: 'mm of a 1-D tensor', op: 'mm', error: ShapeError, setup: mat, run: (f) => f.b!.mm(f.a!) },
  { name: 'mm inner sizes differ', op: 'mm', error: ShapeError, setup: mat, run: (f) => f.a!.mm(f.a!) },
  { name: 'matmul with batch dims that do not broadcast', op: 'matmul', error: ShapeError, run: () => zeros([2, 2, 2]).matmul(zeros([3, 2, 2])) },
  { name: 'matmul of a 0-d tensor', op: 'matmul', error: ShapeError, run: () => zeros([]).matmul(zeros([2])) },
  { name: 'matmul batch inner sizes differ', op: 'matmul', error: ShapeError, run: () => zeros([2, 3, 4]).matmul(zeros([3, 2])) },
  { name: 'bmm of 2-D tensors', op: 'bmm', error: ShapeError, setup: mat, run: (f) => f.a!.bmm(f.a!.t()) },
  { name: 'bmm batch sizes differ', op: 'bmm', error: ShapeError, run: () => zeros([2, 2, 3]).bmm(zeros([1, 3, 2])) },
  { name: 'bmm inner sizes differ', op: 'bmm', error: ShapeError, run: () => zeros([2, 2, 3]).bmm(zeros([2, 2, 3])) },
  { name: 'mm of a 3-D tensor', op: 'mm', error: ShapeError, run: () => zeros([2, 2, 2]).mm(zeros([2, 2])) },
  { name: 'add: shapes do not broadcast', op: 'add', error: ShapeError, setup: mat, run: (f) => f.a!.add(zeros([2])) },
  { name: 'where: shapes do not broadcast', op: 'where', error: ShapeError, setup: mat, run: (f) => where(f.a!.gt(2), f.a!, zeros([4])) },
  { name: 'maskedFill: mask does not broadcast', op: 'maskedFill', error: ShapeError, setup: mat, run: (f) => f.a!.maskedFill(zeros([2]), 0) },
  { name: 'item() of 3 elements', op: 'item', error: ShapeError, setup: mat, run: (f) => f.b!.item() },
  { name: 'add_ that would change the shape', op: 'add_', error: ShapeError, run: () => zeros([1]).add_(zeros([3])) },
  { name: 'copy_ of a source that does not broadcast', op: 'copy_', error: ShapeError, setup: mat, run: (f) => f.b!.copy_(zeros([2])) },
  { name: 'backward() of a non-scalar', op: 'backward', error: ShapeError, setup: leaf, run: (f) => f.w!.mul(2).backward() },
  { name: 'backward(grad) of another shape', op: 'backward', error: ShapeError, setup: leaf, run: (f) => f.w!.mul(2).backward(zeros([3])) },
];

const sizes: BadInput[] = [
  { name: 'zeros([65536, 65536]): 2^32 elements', op: 'zeros', error: ShapeError, run: () => zeros([65536, 65536]) },
  { name: 'randn([2^31])', op: 'randn', error: ShapeError, run: () => randn([2 ** 31]) },
  { name: 'ones([2^20, 2^12])', op: 'ones', error: ShapeError, run: () => ones([2 ** 20, 2 ** 12]) },
  { name: 'full([2^53])', op: 'full', error: ShapeError, run: () => full([2 ** 53], 0) },
  { name: 'zeros([2^60]) past the safe integers', op: 'zeros', error: ShapeError, run: () => zeros([2 ** 60]) },
  { name: 'tensor(shape [2^31])', op: 'tensor', error: ShapeError, run: () => tensor(new Float32Array(1), { shape: [2 ** 31] }) },
  { name: 'arange(0, 3e9)', op: 'arange', error: ShapeError, run: () => arange(0, 3e9) },
  { name: 'expand to 2^32 elements', op: 'expand', error: ShapeError, run: () => ones([1, 1]).expand(65536, 65536) },
  { name: 'Linear(65536, 65536)', op: 'Linear', error: ShapeError, run: () => new Linear(65536, 65536) },
];

const devices: BadInput[] = [
  { name: 'add across devices', op: 'add', error: DeviceError, setup: twoDevices, run: (f) => f.a!.add(f.b!) },
  { name: 'mul across devices', op: 'mul', error: DeviceError, setup: twoDevices, run: (f) => f.a!.mul(f.b!) },
  { name: 'mm across devices', op: 'mm', error: DeviceError, setup: twoDevices, run: (f) => f.a!.reshape(1, 3).mm(f.b!.reshape(3, 1)) },
  { name: 'matmul of batches across devices', op: 'matmul', error: DeviceError, setup: twoDevices, run: (f) => f.a!.reshape(1, 1, 3).matmul(f.b!.reshape(1, 3, 1)) },
  { name: 'where across devices', op: 'where', error: DeviceError, setup: twoDevices, run: (f) => where(f.a!.gt(1), f.a!, f.b!) },
  { name: 'maskedFill across devices', op: 'maskedFill', error: DeviceError, setup: twoDevices, run: (f) => f.a!.maskedFill(f.b!.gt(1), 0) },
  { name: 'copy_ across devices', op: 'copy_', error: DeviceError, setup: twoDevices, run: (f) => f.a!.copy_(f.b!) },
  { name: 'lt across devices', op: 'lt', error: DeviceError, setup: twoDevices, run: (f) => f.a!.lt(f.b!) },
  { name: "to('tpu'): no backend", op: 'to', error: DeviceError, setup: twoDevices, run: (f) => f.a!.to('tpu') },
  { name: 'to(undefined)', op: 'to', error: DeviceError, setup: twoDevices, run: (f) => f.a!.to(any(undefined)) },
  { name: "toAsync('tpu') rejects", op: 'toAsync', error: DeviceError, setup: twoDevices, run: (f) => f.a!.toAsync('tpu') },
  { name: "zeros(device: 'tpu')", op: 'zeros', error: DeviceError, run: () => zeros([2], { device: 'tpu' }) },
  { name: "setDefaultDevice('tpu')", op: 'setDefaultDevice', error: DeviceError, run: () => setDefaultDevice('tpu') },
  {
    name: 'backward(grad on another device)', op: 'backward', error: DeviceError, awaits: 'autograd (finding 8)',
    setup: leaf, run: (f) => f.w!.mul(2).backward(tensor([1, 1], { device: 'cpu2' })),
  },
];

const dtypes: BadInput[] = [
  { name: "tensor([[1, 'a']])", op: 'tensor', error: DTypeError, run: () => tensor([[1, any('a')]]) },
  { name: 'tensor(BigInt64Array)', op: 'tensor', error: DTypeError, run: () => tensor(any(new BigInt64Array(2))) },
  { name: "tensor('abc')", op: 'tensor', error: DTypeError, run: () => tensor(any('abc')) },
  { name: 'tensor({})', op: 'tensor', error: DTypeError, run: () => tensor(any({})) },
  { name: 'tensor(undefined)', op: 'tensor', error: DTypeError, run: () => tensor(any(undefined)) },
  { name: 'tensor([1, null])', op: 'tensor', error: DTypeError, run: () => tensor([1, any(null)]) },
  { name: 'tensor([true, false])', op: 'tensor', error: DTypeError, run: () => tensor(any([true, false])) },
  { name: 'tensor([[1], [[2]]])', op: 'tensor', error: DTypeError, run: () => tensor(any([[1], [[2]]])) },
  { name: "zeros({ dtype: 'int64' })", op: 'zeros', error: DTypeError, run: () => zeros([2], any({ dtype: 'int64' })) },
  { name: "tensor([1.5], { dtype: 'int32' })", op: 'tensor', error: DTypeError, run: () => tensor([1.5], { dtype: 'int32' }) },
  { name: "tensor([2^24 + 1], { dtype: 'int32' })", op: 'tensor', error: DTypeError, run: () => tensor([16_777_217], { dtype: 'int32' }) },
  { name: "tensor([2^31], { dtype: 'int32' }): int32 overflow", op: 'tensor', error: DTypeError, run: () => tensor([2 ** 31], { dtype: 'int32' }) },
  { name: "full([2], NaN, { dtype: 'int32' })", op: 'full', error: DTypeError, run: () => full([2], NaN, { dtype: 'int32' }) },
  { name: "ones({ dtype: 'int32', requiresGrad: true })", op: 'ones', error: DTypeError, run: () => ones([2], { dtype: 'int32', requiresGrad: true }) },
  { name: 'int32 tensor requiresGrad = true', op: 'requiresGrad', error: DTypeError, run: () => { tensor([1], { dtype: 'int32' }).requiresGrad = true; } },
  { name: "randn({ dtype: 'int32' })", op: 'randn', error: DTypeError, run: () => randn([2], { dtype: 'int32' }) },
  { name: 'int() of NaN', op: 'int', error: DTypeError, run: () => tensor([1, NaN]).int() },
  { name: 'int() beyond 2^24', op: 'int', error: DTypeError, run: () => tensor([3e7]).int() },
  { name: 'oneHot(float32 index)', op: 'oneHot', error: DTypeError, run: () => oneHot(tensor([0, 1])) },
  { name: 'oneHot([0, 1.5])', op: 'oneHot', error: DTypeError, run: () => oneHot([0, 1.5]) },
  { name: 'oneHot([3], 3): class not below numClasses', op: 'oneHot', error: ShapeError, run: () => oneHot([3], 3) },
  { name: 'oneHot([0], 0)', op: 'oneHot', error: ArgumentError, run: () => oneHot([0], 0) },
  { name: "oneHot('a')", op: 'oneHot', error: ArgumentError, run: () => oneHot(any('a')) },
  { name: 'fullLike(int32, 0.5)', op: 'fullLike', error: DTypeError, run: () => fullLike(tensor([1], { dtype: 'int32' }), 0.5) },
  { name: 'int32 maskedFill(mask, 0.5)', op: 'maskedFill', error: DTypeError, run: () => tensor([1, 2], { dtype: 'int32' }).maskedFill(tensor([1, 0]), 0.5) },
];

const operands: BadInput[] = [
  { name: 'add(undefined)', op: 'add', error: ArgumentError, setup: mat, run: (f) => f.a!.add(any(undefined)) },
  { name: "add('1')", op: 'add', error: ArgumentError, setup: mat, run: (f) => f.a!.add(any('1')) },
  { name: 'add([1, 2, 3])', op: 'add', error: ArgumentError, setup: mat, run: (f) => f.a!.add(any([1, 2, 3])) },
  { name: 'sub(null)', op: 'sub', error: ArgumentError, setup: mat, run: (f) => f.a!.sub(any(null)) },
  { name: 'mul({})', op: 'mul', error: ArgumentError, setup: mat, run: (f) => f.a!.mul(any({})) },
  { name: 'div(true)', op: 'div', error: ArgumentError, setup: mat, run: (f) => f.a!.div(any(true)) },
  { name: 'pow(undefined)', op: 'pow', error: ArgumentError, setup: mat, run: (f) => f.a!.pow(any(undefined)) },
  { name: 'maximum(1n)', op: 'max', error: ArgumentError, setup: mat, run: (f) => f.a!.maximum(any(1n)) },
  { name: 'lt(undefined)', op: 'lt', error: ArgumentError, setup: mat, run: (f) => f.a!.lt(any(undefined)) },
  { name: 'sub_(undefined)', op: 'sub_', error: ArgumentError, setup: mat, run: (f) => f.a!.sub_(any(undefined)) },
  { name: 'mm(undefined)', op: 'mm', error: ArgumentError, setup: mat, run: (f) => f.a!.mm(any(undefined)) },
  { name: 'matmul([1, 2, 3])', op: 'matmul', error: ArgumentError, setup: mat, run: (f) => f.a!.matmul(any([1, 2, 3])) },
  { name: 'bmm(undefined)', op: 'bmm', error: ArgumentError, setup: mat, run: (f) => f.a!.bmm(any(undefined)) },
  { name: 'where(1, a, b)', op: 'where', error: ArgumentError, setup: mat, run: (f) => where(any(1), f.a!, f.a!) },
  { name: "where(mask, a, 'b')", op: 'where', error: ArgumentError, setup: mat, run: (f) => where(f.a!.gt(2), f.a!, any('b')) },
  { name: 'maskedFill(undefined, 0)', op: 'maskedFill', error: ArgumentError, setup: mat, run: (f) => f.a!.maskedFill(any(undefined), 0) },
  { name: "maskedFill(mask, '0')", op: 'maskedFill', error: ArgumentError, setup: mat, run: (f) => f.a!.maskedFill(f.a!.gt(2), any('0')) },
  { name: 'clamp(0)', op: 'clamp', error: ArgumentError, setup: mat, run: (f) => f.a!.clamp(any(0)) },
  { name: 'clamp({})', op: 'clamp', error: ArgumentError, setup: mat, run: (f) => f.a!.clamp({}) },
  { name: "clamp({ min: '0' })", op: 'clamp', error: ArgumentError, setup: mat, run: (f) => f.a!.clamp({ min: any('0') }) },
  { name: 'clamp({ minimum: 0 })', op: 'clamp', error: ArgumentError, setup: mat, run: (f) => f.a!.clamp(any({ minimum: 0 })) },
  { name: 'zerosLike([1, 2])', op: 'zerosLike', error: ArgumentError, run: () => zerosLike(any([1, 2])) },
  { name: 'onesLike(undefined)', op: 'onesLike', error: ArgumentError, run: () => onesLike(any(undefined)) },
];

const options: BadInput[] = [
  { name: 'randint(3, 3, [2]): high <= low', op: 'randint', error: ArgumentError, run: () => randint(3, 3, [2]) },
  { name: 'randint(0, 2.5, [2])', op: 'randint', error: ArgumentError, run: () => randint(0, 2.5, [2]) },
  { name: 'randint(0, 2^25, [2])', op: 'randint', error: ArgumentError, run: () => randint(0, 2 ** 25, [2]) },
  { name: 'randint(0, 3): no shape', op: 'randint', error: ShapeError, run: () => randint(0, 3, any(undefined)) },
  { name: 'randperm(-1)', op: 'randperm', error: ArgumentError, run: () => randperm(-1) },
  { name: 'randperm(2.5)', op: 'randperm', error: ArgumentError, run: () => randperm(2.5) },
  { name: 'linspace(0, 1, -1)', op: 'linspace', error: ArgumentError, run: () => linspace(0, 1, -1) },
  { name: 'linspace(0, NaN, 3)', op: 'linspace', error: ArgumentError, run: () => linspace(0, NaN, 3) },
  { name: 'linspace(0, 1, 2.5)', op: 'linspace', error: ArgumentError, run: () => linspace(0, 1, 2.5) },
  { name: 'eye(-1)', op: 'eye', error: ArgumentError, run: () => eye(-1) },
  { name: "eye(2, '3')", op: 'eye', error: ArgumentError, run: () => eye(2, any('3')) },
  { name: 'manualSeed(1.5)', op: 'manualSeed', error: ArgumentError, run: () => manualSeed(1.5) },
  { name: "new Generator('1')", op: 'Generator', error: ArgumentError, run: () => new Generator(any('1')) },
  { name: 'randn({ generator: {} })', op: 'randn', error: ArgumentError, run: () => randn([2], { generator: any({}) }) },
  { name: 'randnLike(undefined)', op: 'randnLike', error: ArgumentError, run: () => randnLike(any(undefined)) },
  { name: "tensor({ requiresGrad: 'yes' })", op: 'tensor', error: ArgumentError, run: () => tensor([1], { requiresGrad: any('yes') }) },
  { name: 'tensor({ device: 3 })', op: 'tensor', error: ArgumentError, run: () => tensor([1], { device: any(3) }) },
  { name: 'tensor({ shape: 3 })', op: 'tensor', error: ArgumentError, run: () => tensor([1, 2, 3], { shape: any(3) }) },
  { name: "tensor({ nmae: 'x' })", op: 'tensor', error: ArgumentError, run: () => tensor([1], any({ nmae: 'x' })) },
  { name: "ones('cpu'): options not an object", op: 'ones', error: ArgumentError, run: () => ones([2], any('cpu')) },
  { name: "rand({ low: '0' })", op: 'rand', error: ArgumentError, run: () => rand([2], { low: any('0') }) },
  { name: 'randn({ requiresGrad: 1 })', op: 'randn', error: ArgumentError, run: () => randn([2], { requiresGrad: any(1) }) },
  { name: "arange({ device: '' })", op: 'arange', error: ArgumentError, run: () => arange(0, 3, 1, { device: '' }) },
  { name: "createCpuBackend({ engine: 'bogus' })", op: 'createCpuBackend', error: ArgumentError, run: () => createCpuBackend({ engine: any('bogus') }) },
  { name: 'createCpuBackend({ threads: -1 })', op: 'createCpuBackend', error: ArgumentError, run: () => createCpuBackend({ threads: -1 }) },
  { name: 'createCpuBackend({ threads: 1.5 })', op: 'createCpuBackend', error: ArgumentError, run: () => createCpuBackend({ threads: 1.5 }) },
  { name: "createCpuBackend({ fma: 'yes' })", op: 'createCpuBackend', error: ArgumentError, run: () => createCpuBackend({ fma: any('yes') }) },
  { name: "createCpuBackend({ memory: 'big' })", op: 'createCpuBackend', error: ArgumentError, run: () => createCpuBackend({ memory: any('big') }) },
  { name: "createCpuBackend({ device: '' })", op: 'createCpuBackend', error: ArgumentError, run: () => createCpuBackend({ device: '' }) },
  { name: 'createCpuBackend({ minGemmMacs: NaN })', op: 'createCpuBackend', error: ArgumentError, run: () => createCpuBackend({ minGemmMacs: NaN }) },
  { name: 'createCpuBackend({ thread: 2 })', op: 'createCpuBackend', error: ArgumentError, run: () => createCpuBackend(any({ thread: 2 })) },
  { name: "createCpuBackend('cpu')", op: 'createCpuBackend', error: ArgumentError, run: () => createCpuBackend(any('cpu')) },
  { name: "createGpuBackend({ mode: 'cuda' }) rejects", op: 'createGpuBackend', error: ArgumentError, run: () => createGpuBackend({ mode: any('cuda') }) },
  { name: "createGpuBackend({ allowFallback: 'yes' })", op: 'createGpuBackend', error: ArgumentError, run: () => createGpuBackend({ allowFallback: any('yes') }) },
  { name: "createGpuBackend({ devcie: 'gpu' })", op: 'createGpuBackend', error: ArgumentError, run: () => createGpuBackend(any({ devcie: 'gpu' })) },
  { name: 'Linear(-1, 5)', op: 'Linear', error: ShapeError, run: () => new Linear(-1, 5) },
  { name: 'Linear(2.5, 3)', op: 'Linear', error: ShapeError, run: () => new Linear(2.5, 3) },
  { name: "Linear('3', 4)", op: 'Linear', error: ShapeError, run: () => new Linear(any('3'), 4) },
  { name: 'Linear(3, NaN)', op: 'Linear', error: ShapeError, run: () => new Linear(3, NaN) },
  { name: "Linear(3, 4, { bias: 'no' })", op: 'Linear', error: ArgumentError, run: () => new Linear(3, 4, { bias: any('no') }) },
  { name: "Linear(3, 4, { dev: 'cpu' })", op: 'Linear', error: ArgumentError, run: () => new Linear(3, 4, any({ dev: 'cpu' })) },
  { name: "SGD({ lr: '0.01' })", op: 'SGD', error: ArgumentError, setup: leaf, run: (f) => new SGD([f.w!], { lr: any('0.01') }) },
  { name: 'SGD() without options', op: 'SGD', error: ArgumentError, setup: leaf, run: (f) => new SGD([f.w!], any(undefined)) },
  { name: 'SGD({ lr: -1 })', op: 'SGD', error: ArgumentError, setup: leaf, run: (f) => new SGD([f.w!], { lr: -1 }) },
  { name: 'SGD({ momentum: NaN })', op: 'SGD', error: ArgumentError, setup: leaf, run: (f) => new SGD([f.w!], { lr: 0.1, momentum: NaN }) },
  { name: 'SGD({ nesterov: true })', op: 'SGD', error: ArgumentError, setup: leaf, run: (f) => new SGD([f.w!], any({ lr: 0.1, nesterov: true })) },
  { name: 'SGD(undefined params)', op: 'SGD', error: ArgumentError, run: () => new SGD(any(undefined), { lr: 0.1 }) },
  { name: 'SGD([1, 2]): numbers for params', op: 'SGD', error: ArgumentError, run: () => new SGD(any([1, 2]), { lr: 0.1 }) },
  { name: 'SGD([]): no params', op: 'SGD', error: StateError, run: () => new SGD([], { lr: 0.1 }) },
  { name: "Adam({ lr: '0.01' })", op: 'Adam', error: ArgumentError, setup: leaf, run: (f) => new Adam([f.w!], { lr: any('0.01') }) },
  { name: 'Adam({ betas: [0.9] })', op: 'Adam', error: ArgumentError, setup: leaf, run: (f) => new Adam([f.w!], { betas: any([0.9]) }) },
  { name: 'Adam({ betas: [0.9, 1] })', op: 'Adam', error: ArgumentError, setup: leaf, run: (f) => new Adam([f.w!], { betas: [0.9, 1] }) },
  { name: 'Adam({ eps: -1 })', op: 'Adam', error: ArgumentError, setup: leaf, run: (f) => new Adam([f.w!], { eps: -1 }) },
  { name: 'Adam({ weightDecay: -1 })', op: 'Adam', error: ArgumentError, setup: leaf, run: (f) => new Adam([f.w!], { weightDecay: -1 }) },
  { name: "MSELoss({ reduction: 'avg' })", op: 'MSELoss', error: ArgumentError, run: () => new MSELoss({ reduction: any('avg') }) },
  { name: "MSELoss({ reduce: 'sum' })", op: 'MSELoss', error: ArgumentError, run: () => new MSELoss(any({ reduce: 'sum' })) },
  { name: 'MSELoss.forward(t, [1, 2, 3])', op: 'MSELoss', error: ArgumentError, setup: mat, run: (f) => new MSELoss().forward(f.b!, any([1, 2, 3])) },
  { name: 'MSELoss.forward of different shapes', op: 'MSELoss', error: ShapeError, setup: mat, run: (f) => new MSELoss().forward(f.a!, f.b!) },
  {
    // A module's parameters live until disposed (scope() does not own them), so the case frees them itself.
    name: 'Linear.forward([1, 2, 3])', op: 'Linear', error: ArgumentError,
    run: () => {
      const l = new Linear(3, 2);
      try {
        return l.forward(any([1, 2, 3]));
      } finally {
        l.weight.dispose();
        l.bias!.dispose();
      }
    },
  },
  { name: 'add_(undefined)', op: 'add_', error: ArgumentError, setup: mat, run: (f) => f.a!.add_(any(undefined)) },
  { name: "mul_('2')", op: 'mul_', error: ArgumentError, setup: mat, run: (f) => f.a!.mul_(any('2')) },
  { name: 'copy_([1, 2, 3])', op: 'copy_', error: ArgumentError, setup: mat, run: (f) => f.b!.copy_(any([1, 2, 3])) },
];

const disposedTensors: BadInput[] = [
  { name: 'add on a disposed tensor', op: 'add', error: StateError, setup: disposed, run: (f) => f.d!.add(1) },
  { name: 'a disposed operand', op: 'mul', error: StateError, setup: disposed, run: (f) => f.m!.mul(f.d!) },
  {
    name: 'mm of a disposed tensor', op: 'mm', error: StateError,
    setup: () => { const d = zeros([3, 1]); d.dispose(); return { d, m: zeros([1, 3]) }; }, run: (f) => f.m!.mm(f.d!),
  },
  { name: 'sum of a disposed tensor', op: 'sum', error: StateError, setup: disposed, run: (f) => f.d!.sum() },
  { name: 'mean of a disposed tensor', op: 'mean', error: StateError, setup: disposed, run: (f) => f.d!.mean() },
  { name: 'reshape of a disposed tensor', op: 'reshape', error: StateError, setup: disposed, run: (f) => f.d!.reshape(3, 1) },
  { name: 'item of a disposed tensor', op: 'dataSync', error: StateError, run: () => { const d = tensor([1]); d.dispose(); return d.item(); } },
  { name: 'dataSync of a disposed tensor', op: 'dataSync', error: StateError, setup: disposed, run: (f) => f.d!.dataSync() },
  { name: 'toArray of a disposed tensor', op: 'dataSync', error: StateError, setup: disposed, run: (f) => f.d!.toArray() },
  { name: 'await data() of a disposed tensor rejects', op: 'data', error: StateError, setup: disposed, run: (f) => f.d!.data() },
  { name: 'await array() of a disposed tensor rejects', op: 'data', error: StateError, setup: disposed, run: (f) => f.d!.array() },
  { name: 'clone of a disposed tensor', op: 'clone', error: StateError, setup: disposed, run: (f) => f.d!.clone() },
  { name: 'detach of a disposed tensor', op: 'detach', error: StateError, setup: disposed, run: (f) => f.d!.detach() },
  { name: 'relu of a disposed tensor', op: 'relu', error: StateError, setup: disposed, run: (f) => f.d!.relu() },
  { name: 'to another device of a disposed tensor', op: 'to', error: StateError, setup: disposed, run: (f) => f.d!.to('cpu2') },
  { name: 'a disposed mask', op: 'maskedFill', error: StateError, setup: disposed, run: (f) => f.m!.maskedFill(f.d!, 0) },
  { name: 'a disposed cond of where', op: 'where', error: StateError, setup: disposed, run: (f) => where(f.d!, f.m!, 0) },
  { name: 'sub_ on a disposed tensor', op: 'sub_', error: StateError, setup: disposed, run: (f) => f.d!.sub_(1) },
  { name: 'zero_ on a disposed tensor', op: 'zero_', error: StateError, setup: disposed, run: (f) => f.d!.zero_() },
  { name: 'transpose of a disposed tensor', op: 'permute', error: StateError, run: () => { const d = zeros([2, 3]); d.dispose(); return d.transpose(0, 1); } },
];

const inPlace: BadInput[] = [
  { name: 'sub_ on a leaf that requires grad', op: 'sub_', error: StateError, setup: leaf, run: (f) => f.w!.sub_(1) },
  { name: 'add_ on a leaf that requires grad', op: 'add_', error: StateError, setup: leaf, run: (f) => f.w!.add_(1) },
  { name: 'mul_ on a leaf that requires grad', op: 'mul_', error: StateError, setup: leaf, run: (f) => f.w!.mul_(2) },
  { name: 'maskedFill_ on a leaf that requires grad', op: 'maskedFill_', error: StateError, setup: leaf, run: (f) => f.w!.maskedFill_(f.w!.gt(1), 0) },
  { name: 'zero_ on a leaf that requires grad', op: 'zero_', error: StateError, setup: leaf, run: (f) => f.w!.zero_() },
  { name: 'copy_ into a leaf that requires grad', op: 'copy_', error: StateError, setup: leaf, run: (f) => f.w!.copy_(tensor([1, 1])) },
  { name: 'in place on a recorded result', op: 'mul_', error: StateError, setup: leaf, run: (f) => f.w!.mul(2).mul_(2) },
  {
    name: 'a saved input changed in place before backward', op: 'backward', error: StateError,
    setup: () => ({ ...leaf(), x: tensor([1, 2]) }),
    run: (f) => { const y = f.w!.mul(f.x!); noGrad(() => f.x!.mul_(2)); y.sum().backward(); },
  },
  {
    name: 'a saved output (exp) changed in place before backward', op: 'backward', error: StateError, awaits: 'autograd (finding 2)',
    setup: leaf, run: (f) => { const e = f.w!.exp(); noGrad(() => e.mul_(2)); e.sum().backward(); },
  },
  {
    name: 'a saved output (sqrt) changed in place before backward', op: 'backward', error: StateError, awaits: 'autograd (finding 2)',
    setup: leaf, run: (f) => { const e = f.w!.sqrt(); noGrad(() => e.add_(1)); e.sum().backward(); },
  },
  {
    name: 'a second backward through a freed graph', op: 'backward', error: StateError, awaits: 'autograd (finding 9, retainGraph)',
    setup: leaf, run: (f) => { const y = f.w!.mul(f.w!).sum(); y.backward(); f.w!.zeroGrad(); y.backward(); },
  },
  { name: 'backward of a tensor that does not require grad', op: 'backward', error: StateError, run: () => tensor([1]).sum().backward() },
  { name: 'requiresGrad = false on a recorded result', op: 'requiresGrad', error: StateError, setup: leaf, run: (f) => { f.w!.mul(2).requiresGrad = false; } },
  { name: 'an optimiser over a computed tensor', op: 'SGD', error: StateError, setup: leaf, run: (f) => new SGD([f.w!.mul(2)], { lr: 0.1 }) },
];

const npyFiles: BadInput[] = [
  { name: '.npy: too short', op: 'loadNpy', error: FormatError, run: () => parseNpy(new Uint8Array(4)) },
  { name: '.npy: bad magic', op: 'loadNpy', error: FormatError, run: () => { const b = npy(goodHeader); b[1] = 0x41; return parseNpy(b); } },
  { name: '.npy: unsupported version 9', op: 'loadNpy', error: FormatError, run: () => parseNpy(npy(goodHeader, new Uint8Array(8), 9)) },
  { name: '.npy: truncated header', op: 'loadNpy', error: FormatError, run: () => parseNpy(npy(goodHeader).subarray(0, 30)) },
  { name: '.npy: truncated data', op: 'loadNpy', error: FormatError, run: () => parseNpy(npy(goodHeader, new Uint8Array(4))) },
  { name: '.npy: malformed header', op: 'loadNpy', error: FormatError, run: () => parseNpy(npy("{'shape': (2,)}")) },
  { name: '.npy: Fortran order', op: 'loadNpy', error: FormatError, run: () => parseNpy(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }")) },
  { name: '.npy: int64 dtype', op: 'loadNpy', error: FormatError, run: () => parseNpy(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }")) },
  { name: '.npy: int32 beyond 2^24', op: 'loadNpy', error: FormatError, run: () => parseNpy(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", new Uint8Array([1, 0, 0, 1, 0, 0, 0, 0]))) },
  { name: '.npy: big-endian float32', op: 'loadNpy', error: FormatError, run: () => parseNpy(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }")) },
  { name: '.npy: malformed shape', op: 'loadNpy', error: FormatError, run: () => parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }")) },
  { name: '.npy: huge shape, few bytes', op: 'loadNpy', error: FormatError, run: () => loadNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536), }")) },
  { name: 'loadNpy with a bad option', op: 'tensor', error: ArgumentError, run: () => loadNpy(npy(goodHeader), any({ requiresGrad: 'yes' })) },
];

// Each runs with checkNumerics on and switches it off again.
function numerics(run: (f: Record<string, Tensor>) => unknown) {
  return (f: Record<string, Tensor>) => {
    checkNumerics(true);
    try {
      return run(f);
    } finally {
      checkNumerics(false);
    }
  };
}
const nonFinite: BadInput[] = [
  { name: 'checkNumerics: log of a negative', op: 'log', error: NumericError, setup: mat, run: numerics((f) => f.b!.neg().log()) },
  { name: 'checkNumerics: division by 0', op: 'div', error: NumericError, setup: mat, run: numerics((f) => f.b!.div(0)) },
  { name: 'checkNumerics: exp overflow', op: 'exp', error: NumericError, setup: mat, run: numerics((f) => f.b!.mul(100).exp()) },
  { name: 'checkNumerics: sqrt of a negative', op: 'sqrt', error: NumericError, setup: mat, run: numerics((f) => f.b!.neg().sqrt()) },
  { name: 'checkNumerics: pow overflow', op: 'pow', error: NumericError, setup: mat, run: numerics((f) => f.b!.mul(1e20).pow(2)) },
  { name: 'checkNumerics: NaN from creation kept, mul names itself', op: 'mul', error: NumericError, run: numerics(() => full([2], NaN).mul(1)) },
  {
    name: 'checkNumerics: NaN in a backward pass', op: 'div', error: NumericError,
    setup: () => ({ w: tensor([0, 1], { requiresGrad: true }) }),
    run: numerics((f) => f.w!.sqrt().sum().backward()),
  },
];

const asyncMisuse: BadInput[] = [
  { name: 'scope(async fn)', op: 'scope', error: StateError, run: () => scope(async () => zeros([2])) },
  {
    name: 'scope(fn returning a Promise) frees what it made', op: 'scope', error: StateError,
    run: () => scope(() => { const t = zeros([2]); return Promise.resolve(t); }),
  },
  { name: 'noGrad(async fn)', op: 'noGrad', error: StateError, setup: leaf, run: (f) => noGrad(async () => f.w!.mul(2)) },
  { name: 'noGrad(fn returning a Promise)', op: 'noGrad', error: StateError, run: () => noGrad(() => Promise.resolve(1)) },
  { name: 'enableGrad(async fn)', op: 'enableGrad', error: StateError, run: () => enableGrad(async () => 1) },
  { name: 'scope(undefined)', op: 'scope', error: ArgumentError, run: () => scope(any(undefined)) },
  { name: 'noGrad(3)', op: 'noGrad', error: ArgumentError, run: () => noGrad(any(3)) },
  { name: 'noGrad inside a scope, async', op: 'noGrad', error: StateError, run: () => scope(() => noGrad(async () => zeros([1]))) },
];

// narrow/slice/squeeze/…/gather/scatterAdd: the sizes, dims and indices a caller may get wrong.
const indexing: BadInput[] = [
  { name: 'narrow(undefined, 0, 1)', op: 'narrow', error: ShapeError, setup: mat, run: (f) => f.a!.narrow(any(undefined), 0, 1) },
  { name: "narrow(0, '1', 1)", op: 'narrow', error: ShapeError, setup: mat, run: (f) => f.a!.narrow(0, any('1'), 1) },
  { name: 'narrow(1, 1, 5): past the end', op: 'narrow', error: ShapeError, setup: mat, run: (f) => f.a!.narrow(1, 1, 5) },
  { name: 'slice(1, 0, 2, 0): step 0', op: 'slice', error: ShapeError, setup: mat, run: (f) => f.a!.slice(1, 0, 2, 0) },
  { name: 'slice(1, NaN)', op: 'slice', error: ShapeError, setup: mat, run: (f) => f.a!.slice(1, NaN) },
  { name: 'slice(0) of a 0-d tensor', op: 'slice', error: ShapeError, run: () => tensor(1).slice(0) },
  { name: 'squeeze(5)', op: 'squeeze', error: ShapeError, setup: mat, run: (f) => f.a!.squeeze(5) },
  { name: "unsqueeze('0')", op: 'unsqueeze', error: ShapeError, setup: mat, run: (f) => f.a!.unsqueeze(any('0')) },
  { name: 'flatten(1, 0)', op: 'flatten', error: ShapeError, setup: mat, run: (f) => f.a!.flatten(1, 0) },
  { name: 'flip(undefined)', op: 'flip', error: ShapeError, setup: mat, run: (f) => f.a!.flip(any(undefined)) },
  { name: 'flip(0, 0)', op: 'flip', error: ShapeError, setup: mat, run: (f) => f.a!.flip(0, 0) },
  { name: 'repeat(2): fewer sizes than dims', op: 'repeat', error: ShapeError, setup: mat, run: (f) => f.a!.repeat(2) },
  { name: 'repeat(-1, 1)', op: 'repeat', error: ShapeError, setup: mat, run: (f) => f.a!.repeat(-1, 1) },
  { name: 'cat(undefined)', op: 'cat', error: ArgumentError, run: () => cat(any(undefined)) },
  { name: "cat([a, 'b'])", op: 'cat', error: ArgumentError, setup: mat, run: (f) => cat([f.a!, any('b')]) },
  { name: 'cat([a [2, 3], b [3]])', op: 'cat', error: ShapeError, setup: mat, run: (f) => cat([f.a!, f.b!]) },
  { name: 'cat across devices', op: 'cat', error: DeviceError, setup: twoDevices, run: (f) => cat([f.a!, f.b!]) },
  { name: 'stack([])', op: 'stack', error: ArgumentError, run: () => stack([]) },
  { name: 'split(0)', op: 'split', error: ShapeError, setup: mat, run: (f) => f.a!.split(0) },
  { name: 'split([1]): sections short of the size', op: 'split', error: ShapeError, setup: mat, run: (f) => f.a!.split([1]) },
  { name: 'chunk(1.5)', op: 'chunk', error: ShapeError, setup: mat, run: (f) => f.a!.chunk(1.5) },
  { name: 'gather(0, undefined)', op: 'gather', error: ArgumentError, setup: mat, run: (f) => f.a!.gather(0, any(undefined)) },
  { name: 'gather(0, a float32 tensor)', op: 'gather', error: DTypeError, setup: mat, run: (f) => f.a!.gather(0, tensor([[0, 1, 0]])) },
  { name: 'gather(0, [[0.5, 0, 0]])', op: 'gather', error: DTypeError, setup: mat, run: (f) => f.a!.gather(0, [[0.5, 0, 0]]) },
  { name: 'gather(0, [[2, 0, 0]]): out of range', op: 'gather', error: ShapeError, setup: mat, run: (f) => f.a!.gather(0, [[2, 0, 0]]) },
  { name: 'gather(0, an index on another device)', op: 'gather', error: DeviceError, setup: mat, run: (f) => f.a!.gather(0, tensor([[0, 0, 0]], { dtype: 'int32', device: 'cpu2' })) },
  { name: 'indexSelect(0, [-1])', op: 'indexSelect', error: ShapeError, setup: mat, run: (f) => f.a!.indexSelect(0, [-1]) },
  { name: "indexSelect(0, ['a'])", op: 'indexSelect', error: DTypeError, setup: mat, run: (f) => f.a!.indexSelect(0, any(['a'])) },
  { name: 'scatterAdd(0, [[0]], undefined)', op: 'scatterAdd', error: ArgumentError, setup: mat, run: (f) => f.a!.scatterAdd(0, [[0]], any(undefined)) },
  { name: 'sliceScatter(undefined)', op: 'sliceScatter', error: ArgumentError, setup: mat, run: (f) => f.a!.sliceScatter(any(undefined)) },
  { name: 'add_ on an expanded narrow view', op: 'add_', error: ShapeError, setup: mat, run: (f) => f.a!.narrow(0, 0, 1).expand(3, 3).add_(1) },
];

// The elementwise and along-dim ops of issue 11: non-tensors, bad parameters, missing or bad dims.
const elementwiseAlongDim: BadInput[] = [
  { name: 'log1p(undefined)', op: 'log1p', error: ArgumentError, run: () => log1p(any(undefined)) },
  { name: 'expm1([1, 2]): an array for a tensor', op: 'expm1', error: ArgumentError, run: () => expm1(any([1, 2])) },
  { name: 'erf(3): a number for a tensor', op: 'erf', error: ArgumentError, run: () => erf(any(3)) },
  { name: "round('a')", op: 'round', error: ArgumentError, run: () => round(any('a')) },
  { name: 'reciprocal(null)', op: 'reciprocal', error: ArgumentError, run: () => reciprocal(any(null)) },
  { name: 'rsqrt({})', op: 'rsqrt', error: ArgumentError, run: () => rsqrt(any({})) },
  { name: 'square(undefined)', op: 'square', error: ArgumentError, run: () => square(any(undefined)) },
  { name: "leakyRelu(a, '0.1')", op: 'leakyRelu', error: ArgumentError, setup: mat, run: (f) => leakyRelu(f.a!, any('0.1')) },
  { name: 'elu(a, NaN)', op: 'elu', error: ArgumentError, setup: mat, run: (f) => elu(f.a!, NaN) },
  { name: "gelu(a, 'tanh'): a string for the options", op: 'gelu', error: ArgumentError, setup: mat, run: (f) => gelu(f.a!, any('tanh')) },
  { name: "gelu(a, { approximate: 'fast' })", op: 'gelu', error: ArgumentError, setup: mat, run: (f) => gelu(f.a!, { approximate: any('fast') }) },
  { name: 'softplus(a, 0): beta 0', op: 'softplus', error: ArgumentError, setup: mat, run: (f) => softplus(f.a!, 0) },
  { name: 'softplus(a, 1, NaN)', op: 'softplus', error: ArgumentError, setup: mat, run: (f) => softplus(f.a!, 1, NaN) },
  { name: 'softmax(a): no dim', op: 'softmax', error: ArgumentError, setup: mat, run: (f) => softmax(f.a!, any(undefined)) },
  { name: 'softmax(a, 2): out of range', op: 'softmax', error: ShapeError, setup: mat, run: (f) => softmax(f.a!, 2) },
  { name: 'logSoftmax(a, 1.5)', op: 'logSoftmax', error: ShapeError, setup: mat, run: (f) => logSoftmax(f.a!, 1.5) },
  { name: 'logsumexp(a): no dim', op: 'logsumexp', error: ArgumentError, setup: mat, run: (f) => logsumexp(f.a!, any(undefined)) },
  { name: 'logsumexp(a, [0, 0])', op: 'logsumexp', error: ShapeError, setup: mat, run: (f) => logsumexp(f.a!, [0, 0]) },
  { name: "logsumexp(a, 0, 'yes')", op: 'logsumexp', error: ArgumentError, setup: mat, run: (f) => logsumexp(f.a!, 0, any('yes')) },
  { name: "var(a, 0, true): PyTorch's unbiased flag", op: 'var', error: ArgumentError, setup: mat, run: (f) => variance(f.a!, 0, any(true)) },
  { name: 'var(a, 0, { correction: -1 })', op: 'var', error: ArgumentError, setup: mat, run: (f) => variance(f.a!, 0, { correction: -1 }) },
  { name: 'std(a, 5): out of range', op: 'std', error: ShapeError, setup: mat, run: (f) => std(f.a!, 5) },
  { name: 'std(a, 0, { keepDim: true }): a misspelt option', op: 'std', error: ArgumentError, setup: mat, run: (f) => std(f.a!, 0, any({ keepDim: true })) },
  { name: 'cumsum(a): no dim', op: 'cumsum', error: ArgumentError, setup: mat, run: (f) => cumsum(f.a!, any(undefined)) },
  { name: 'cumsum(a, 2): out of range', op: 'cumsum', error: ShapeError, setup: mat, run: (f) => cumsum(f.a!, 2) },
];

/** Every bad input, in groups. */
export const badInputs: Record<string, BadInput[]> = {
  shapes, sizes, devices, dtypes, operands, options, 'disposed tensors': disposedTensors, 'in-place hazards': inPlace,
  '.npy files': npyFiles, 'non-finite values': nonFinite, 'async misuse': asyncMisuse, indexing,
  'elementwise and along-dim ops': elementwiseAlongDim,
};
