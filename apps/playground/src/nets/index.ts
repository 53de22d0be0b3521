import type { Device } from '@nn/core';
import type { NetKind, Style } from '../config.js';
import { autogradTrainer } from './autograd.js';
import { layersTrainer } from './layers.js';
import { manualTrainer } from './manual.js';
import type { Trainer } from './trainer.js';

export type { Trainer, WeightView, ExplainTarget } from './trainer.js';

/** Build the trainer for a net and a style, with its tensors on `device`. */
export function makeTrainer(net: NetKind, style: Style, seed: number, device: Device, lr: number): Trainer {
  switch (style) {
    case 'manual':
      return manualTrainer(net, seed, device, lr);
    case 'autograd':
      return autogradTrainer(net, seed, device, lr);
    case 'layers':
      return layersTrainer(net, seed, device, lr);
  }
}
