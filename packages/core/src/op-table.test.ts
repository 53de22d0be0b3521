import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@nn/cpu';
import { amax, maximum, registerBackend, ShapeError, tensor, type Tensor } from './index.js';
import { opTable } from './ops/table.js';
import { binaryForward, unaryForward } from './ops/elementwise.js';
import type { DifferentiableOp } from './ops/opdef.js';

beforeAll(() => {
  registerBackend(createCpuBackend());
});

describe('the op table', () => {
  it('records each op under its own typed id: amax is not the binary maximum', () => {
    const x = tensor([[1, 5], [3, 2]], { requiresGrad: true });
    expect(amax(x, 1)._node!.id).toBe('amax');
    expect(x.max()._node!.op).toBe('max');
    expect(maximum(x, 2)._node!.id).toBe('maximum');
    expect(x.mm(x)._node!.id).toBe('mm');
  });

  it("an entry's forward is the very function its op calls", () => {
    expect(opTable.exp.forward).toBe(unaryForward.exp);
    expect(opTable.sin.forward).toBe(unaryForward.sin);
    expect(opTable.maximum.forward).toBe(binaryForward.maximum);
  });

  it('a backward that returns a wrong shape fails where it is, naming the op, the input and both shapes', () => {
    const entry = opTable.sin as DifferentiableOp<'sin'>;
    const right = entry.backward;
    // A deliberately wrong rule: the gradient summed to a scalar.
    (entry as { backward: typeof right }).backward = ({ g }) => [g.sum()];
    try {
      const x = tensor([[0.5, 1], [2, 3]], { requiresGrad: true }).named('x');
      const loss = x.sin().sum();
      let caught: unknown;
      try {
        loss.backward();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ShapeError);
      const msg = (caught as Error).message;
      expect(msg).toMatch(/the backward of sin \(op table entry 'sin'\) gave a gradient of shape \[\] for its input x \(shape \[2, 2\], device 'cpu'\), which needs shape \[2, 2\]/);
      expect(x.grad).toBeNull();
    } finally {
      (entry as { backward: typeof right }).backward = right;
    }
  });

  it('a backward that returns a gradient on another device fails likewise', () => {
    registerBackend(createCpuBackend({ device: 'cpu2' }));
    const entry = opTable.cos as DifferentiableOp<'cos'>;
    const right = entry.backward;
    (entry as { backward: typeof right }).backward = ({ g }) => [g.to('cpu2')];
    try {
      const x: Tensor = tensor([1, 2], { requiresGrad: true }).named('x');
      expect(() => x.cos().sum().backward()).toThrow(/the backward of cos \(op table entry 'cos'\) gave a gradient on 'cpu2' for x/);
    } finally {
      (entry as { backward: typeof right }).backward = right;
    }
  });
});
