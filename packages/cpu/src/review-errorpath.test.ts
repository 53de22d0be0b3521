import { describe, expect, it } from 'vitest';
import { cat, memory, registerBackend, tensor, type Tensor } from '@nn/core';
import { createCpuBackend } from './index.js';

// A kernel that fails half-way through a composite op (a lost device, a full wasm memory)
// must not leave the op's intermediate buffers behind: nothing else holds them, so nothing could free them.
const be = createCpuBackend({ device: 'cpu-faulty', engine: 'js' });
registerBackend(be);
// The backend method that fails while armed.
let failing: 'unary' | 'asStridedScatter' | 'gather' | 'copy' | null = null;
const unary = be.unary.bind(be);
const asStridedScatter = be.asStridedScatter.bind(be);
const gather = be.gather.bind(be);
const copy = be.copy.bind(be);
const injected = (): never => {
  throw new Error('injected device failure');
};
be.unary = (op, x) => (failing === 'unary' ? injected() : unary(op, x));
be.asStridedScatter = (x, src, view) => (failing === 'asStridedScatter' ? injected() : asStridedScatter(x, src, view));
be.gather = (x, dim, index) => (failing === 'gather' ? injected() : gather(x, dim, index));
be.copy = (x, shape) => (failing === 'copy' ? injected() : copy(x, shape));

// Blocks still held once the input is disposed, after `run` failed in `method`.
function leaksOf(method: NonNullable<typeof failing>, run: (x: Tensor) => unknown): number {
  const before = memory()['cpu-faulty']!.buffers;
  const x = tensor([[1, 2, 3], [4, 5, 6]], { device: 'cpu-faulty' });
  failing = method;
  try {
    expect(() => run(x)).toThrow(/injected/);
  } finally {
    failing = null;
  }
  x.dispose();
  return memory()['cpu-faulty']!.buffers - before;
}

describe('composite forwards free their intermediates when a kernel fails', () => {
  it.each([
    ['softmax', (x: Tensor) => x.softmax(1)],
    ['logSoftmax', (x: Tensor) => x.logSoftmax(1)],
    ['logsumexp', (x: Tensor) => x.logsumexp(1)],
    ['std', (x: Tensor) => x.std(1)],
    ['elu (chain helper)', (x: Tensor) => x.elu()],
  ])('%s', (_name, run) => {
    expect(leaksOf('unary', run)).toBe(0);
  });

  it('cat (a scatter fails), flip (a gather fails) and repeat (its copy fails)', () => {
    expect(leaksOf('asStridedScatter', (x) => cat([x, x], 0))).toBe(0);
    expect(leaksOf('gather', (x) => x.flip(0, 1))).toBe(0);
    expect(leaksOf('copy', (x) => x.repeat(2, 1))).toBe(0);
  });
});
