import { defaultLr, type NetKind, type Style } from '../src/config.js';
import { makeTrainer } from '../src/nets/index.js';

/** The losses of `steps` steps of the page's trainer on the cpu (seed 0, the style's default lr), read one by one. */
export function trainerLosses(net: NetKind, style: Style, steps: number): number[] {
  const tr = makeTrainer(net, style, 0, 'cpu', defaultLr(net, style));
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const l = tr.step();
    out.push(l.item());
    l.dispose();
  }
  tr.dispose();
  return out;
}
