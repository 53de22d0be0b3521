import { dispose, keep, noGrad, scope, type Device, type Tensor } from '@nn/core';
import { Linear, MSELoss, ReLU, Sequential, type Module } from '@nn/layers';
import { SIZES, type NetKind } from '../config.js';
import { seededStart } from './data.js';
import { explainTarget } from './explain-forward.js';
import type { Trainer, WeightView } from './trainer.js';

/**
 * The nn.Sequential version, as PyTorch's third: Linear layers (with bias and
 * nn.Linear's uniform init from the same seeded generator), MSELoss with
 * reduction 'sum', and the update `param -= lr * param.grad` under noGrad.
 */
export function layersTrainer(net: NetKind, seed: number, device: Device, lr: number): Trainer {
  const { batch } = seededStart(net, seed, device, false);
  const { x, y } = batch;
  const model =
    net === 'two'
      ? new Sequential(new Linear(SIZES.two.D_in, SIZES.two.H, { device }), new ReLU(), new Linear(SIZES.two.H, SIZES.two.D_out, { device }))
      : new Sequential(
          new Linear(SIZES.three.D_in, SIZES.three.H1, { device }),
          new ReLU(),
          new Linear(SIZES.three.H1, SIZES.three.H2, { device }),
          new ReLU(),
          new Linear(SIZES.three.H2, SIZES.three.D_out, { device }),
        );
  const loss_fn = new MSELoss({ reduction: 'sum' });
  // The weight matrices (not the biases) are what the heatmaps and the explain panel show.
  const named = model.namedParameters().filter(([name]) => name.endsWith('weight'));
  for (const [name, p] of model.namedParameters()) p.name = name;

  const linears = model.layers.filter((m): m is Linear => m instanceof Linear);
  /**
   * The model's forward one module at a time (`run` applies a module), naming
   * each output as the manual code does: Linear k gives h (h1, h2 with three
   * layers; y_pred last), ReLU gives h_relu.
   */
  const namedForward = (run: (m: Module, a: Tensor) => Tensor): Tensor => {
    let a = x;
    let k = 0;
    for (const m of model.layers) {
      if (m instanceof Linear) {
        k++;
        a = run(m, a).named(k === linears.length ? 'y_pred' : linears.length === 3 ? `h${k}` : 'h');
      } else if (m instanceof ReLU) a = run(m, a).named(`${a.name}_relu`);
      else a = run(m, a);
    }
    return a;
  };

  const views: WeightView[] = named.map(([name, p]) => ({ name, value: p, grad: () => p.grad }));
  const trainer: Trainer = {
    weights: views,
    lr,
    explainNote:
      'The model runs module by module here, and each output is named as the manual code names it: Linear k gives h = x·Wᵀ + b (h1, h2; y_pred last), ReLU gives h_relu. ' +
      'The unnamed Linear box is the product x·Wᵀ inside the module, before its bias is added.',
    step() {
      const loss = scope(() => {
        model.zeroGrad();
        const y_pred = model.forward(x);
        const loss = loss_fn.forward(y_pred, y);
        loss.backward();
        noGrad(() => {
          for (const param of model.parameters()) param.sub_(param.grad!.mul(trainer.lr));
        });
        return loss;
      });
      return keep(loss);
    },
    explain() {
      // The model's own modules, one at a time, so that each output gets the name the manual code
      // gives it (h = x·Wᵀ + b, h_relu, y_pred) instead of showing as an unnamed add or relu.
      // The explanation may run backward into the parameters: set the step's gradients aside meanwhile.
      const params = model.parameters();
      const saved = params.map((p) => p.grad);
      for (const p of params) p.grad = null;
      const y_pred = namedForward((m, a) => m.forward(a));
      const loss = loss_fn.forward(y_pred, y).named('loss');
      const target = explainTarget(loss, named.map(([, p]) => p), []);
      return {
        ...target,
        dispose: () => {
          target.dispose();
          params.forEach((p, i) => {
            p.zeroGrad();
            p.grad = saved[i] ?? null;
          });
        },
      };
    },
    explainEquivalent() {
      // Linear computes x·Wᵀ + b; write that out on detached copies, named as the model names them.
      const copies = new Map(model.namedParameters().map(([n, p]) => [p, p.detach().requiresGrad_(true).named(n)]));
      const a = namedForward((m, a) => {
        if (!(m instanceof Linear)) return m.forward(a);
        const z = a.mm(copies.get(m.weight)!.t());
        return m.bias ? z.add(copies.get(m.bias)!) : z;
      });
      const loss = a.sub(y).pow(2).sum().named('loss');
      const target = explainTarget(loss, named.map(([, p]) => copies.get(p)!), [...copies.values()]);
      return {
        ...target,
        note: 'Explained through the equivalent tensor code h = x·Wᵀ + b (what nn.Linear computes), because these explain tools have no rule for the fused Linear op.',
      };
    },
    relus: () => noGrad(() => {
      const out: Tensor[] = [];
      let a = x;
      for (const m of model.layers) {
        a = m.forward(a);
        if (m instanceof ReLU) out.push(a);
      }
      return out;
    }),
    dispose() {
      model.dispose();
      dispose([x, y]);
    },
  };
  return trainer;
}
