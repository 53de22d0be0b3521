// A small MLP (GELU, Dropout in eval mode, LogSoftmax) trained five steps with AdamW, clipGradNorm_
// and CosineAnnealingLR, then its state dict saved and loaded back: shared by the gpu suites, which
// compare a device's losses with cpu's. Reads are `await t.data()` (WebGPU has no synchronous read).
import { noGrad, randn, manualSeed, scope, tensor, type Device, type Tensor } from '@nn/core';
import * as L from '@nn/layers';
import { read } from './norm-cases.js';

/** The five losses of the MLP on `device`, after a state-dict round trip through an .npz on that device. */
export async function trainSmallMlp(device: Device): Promise<number[]> {
  manualSeed(3);
  const model = new L.Sequential(new L.Linear(6, 8), new L.GELU(), new L.Dropout(0.2), new L.Linear(8, 4), new L.LogSoftmax(1)).to(device);
  const x = randn([10, 6]).to(device);
  const y = tensor([0, 1, 2, 3, 0, 1, 2, 3, 0, 1], { dtype: 'int32', device });
  const opt = new L.AdamW(model.parameters(), { lr: 0.01 });
  const sched = new L.CosineAnnealingLR(opt, 5);
  model.eval(); // no Dropout mask: cpu and the device then compute the same function
  const losses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const loss = scope(() => {
      opt.zeroGrad();
      const l = L.nllLoss(model.forward(x), y);
      l.backward();
      L.clipGradNorm_(model.parameters(), 0.5);
      opt.step();
      sched.step();
      return l;
    });
    losses.push((await read(loss))[0]!);
    loss.dispose();
  }
  // saveNpz reads synchronously: give it host copies, read as the device allows; then load onto the device.
  const host = new Map<string, Tensor>();
  for (const [k, t] of model.stateDict()) host.set(k, tensor(await read(t), { shape: t.shape, dtype: t.dtype, device: 'cpu' }));
  const back = L.loadNpz(L.saveNpz(host), { device });
  noGrad(() => model.loadStateDict(back));
  for (const t of [...host.values(), ...back.values(), x, y]) t.dispose();
  opt.dispose();
  model.dispose();
  return losses;
}
