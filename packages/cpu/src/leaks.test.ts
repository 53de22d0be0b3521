import { describe, expect, it } from 'vitest';
import { getBackend, keep, registerBackend, tensor } from '@nn/core';
import { leakChecked } from '@nn/core/testing';
import { createCpuBackend } from './index.js';

// The leak check that every conformance case runs under must fail when it should.
registerBackend(createCpuBackend({ device: 'cpu-js', engine: 'js' }));

describe('leakChecked', () => {
  it('frees what a case made and left alive, and passes', async () => {
    await leakChecked('leaves tensors', async () => {
      const a = tensor([1, 2, 3], { device: 'cpu-js', requiresGrad: true });
      a.mul(2).sum().backward();
      await a.grad!.data();
    });
  });
  it('fails, naming the case and the difference, on a kept tensor never disposed', async () => {
    let kept: ReturnType<typeof tensor> | undefined;
    await expect(leakChecked("case 'keeps one'", () => void (kept = keep(tensor([1], { device: 'cpu-js' }))))).rejects.toThrow(
      /case 'keeps one'.*'cpu-js': \d+ → \d+ \(\+1\)/,
    );
    kept!.dispose();
  });
  it('fails on a buffer that no tensor owns', async () => {
    const be = getBackend('cpu-js');
    let h: ReturnType<typeof be.fromArray> | undefined;
    await expect(leakChecked('raw buffer', () => void (h = be.fromArray(new Float32Array([1, 2]), [2])))).rejects.toThrow(/\(\+1\)/);
    be.free(h!);
  });
  it('reports the case error itself, not a leak, when the case throws', async () => {
    await expect(leakChecked('throws', () => { tensor([1], { device: 'cpu-js' }); throw new Error('boom'); })).rejects.toThrow(/^boom$/);
  });
});
