#!/usr/bin/python3
"""Make the committed reference fixtures of the seed loop (run with /usr/bin/python3).

Writes, for the two-layer net (fixtures/seed2) and the three-layer net (fixtures/seed3):
  x.npy y.npy w1.npy w2.npy [w3.npy]   float32 inputs from a fixed NumPy seed
  expected.json                         losses at t = 99, 199, 299, 399, 499
and, for @nn/layers' tests, fixtures/optim/expected.json: a few SGD and Adam steps
computed by torch.optim on tiny tensors.

The reference losses come from a float64 run of the seed loop over the *exact* float32
inputs (upcast, so both runs start from identical numbers); the float32 PyTorch losses
are stored beside them to show how far float32 itself drifts from float64.

Usage: /usr/bin/python3 scripts/make_fixtures.py   (from the repository root)
"""
import json
import os
import sys

import numpy as np
import torch

# One copy of the loop: the benchmark's PyTorch peer.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'apps', 'bench', 'python'))
from peers import torch_manual  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures')
STEPS = 500
LOGGED = [99, 199, 299, 399, 499]

# The seed program's sizes; the three-layer net adds a second hidden layer of H2.
N, D_in, H, D_out = 64, 1000, 100, 10
H1, H2 = 100, 100

# Learning rates. The two-layer net uses the seed program's 1e-6. The three-layer net's
# first loss is ~1e9 (activations grow by ~sqrt(fan_in/2) per layer from randn weights), and
# at 1e-6 its first step is so large that every ReLU of the middle layer dies (loss stuck);
# 1e-8 trains steadily: see docs/example.md for the sweep.
LR2 = 1e-6
LR3 = 1e-8


def manual_loop(ws, x, y, lr, dtype):
    """The seed loop with hand-written backprop (the bench's PyTorch peer), in `dtype`; returns {t: loss}."""
    ts = [torch.tensor(a, dtype=dtype) for a in (x, y, *ws)]
    losses = torch_manual(ts[0], ts[1], ts[2:], lr, STEPS)
    return {t: losses[t] for t in LOGGED}


def write_net(name, seed, sizes, lr):
    rng = np.random.default_rng(seed)
    arrays = {'x': rng.standard_normal((N, D_in)), 'y': rng.standard_normal((N, D_out))}
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        arrays[f'w{i}'] = rng.standard_normal((a, b))
    arrays = {k: v.astype(np.float32) for k, v in arrays.items()}
    out = os.path.join(ROOT, name)
    os.makedirs(out, exist_ok=True)
    for k, v in arrays.items():
        np.save(os.path.join(out, f'{k}.npy'), v)
    ws = [arrays[f'w{i}'] for i in range(1, len(sizes))]
    f64 = manual_loop(ws, arrays['x'], arrays['y'], lr, torch.float64)
    f32 = manual_loop(ws, arrays['x'], arrays['y'], lr, torch.float32)
    expected = {
        'description': f'seed loop, {len(ws)} weights, sizes {sizes}, N={N}; losses of a float64 run over these float32 inputs',
        'made_by': 'scripts/make_fixtures.py',
        'numpy_seed': seed,
        'net': len(ws),
        'lr': lr,
        'steps': STEPS,
        'losses_float64': [[t, f64[t]] for t in LOGGED],
        'losses_float32_torch': [[t, f32[t]] for t in LOGGED],
        'torch_version': torch.__version__,
    }
    with open(os.path.join(out, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=2)
        f.write('\n')
    print(name)
    for t in LOGGED:
        print(f'  {t:3d}  float64 {f64[t]:.9g}  float32 {f32[t]:.9g}  rel {abs(f32[t] - f64[t]) / f64[t]:.2e}')


def write_optim():
    """A few torch.optim steps on a tiny parameter with a fixed gradient function."""
    torch.manual_seed(0)
    w0 = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
    target = [[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]]
    cases = {
        'sgd': (torch.optim.SGD, {'lr': 0.1}),
        'sgd_momentum': (torch.optim.SGD, {'lr': 0.1, 'momentum': 0.9}),
        'adam': (torch.optim.Adam, {'lr': 0.1}),
        'adam_betas': (torch.optim.Adam, {'lr': 0.05, 'betas': (0.8, 0.99), 'eps': 1e-6}),
    }
    out = {'w0': w0, 'target': target, 'loss': 'sum((w * w - target)^2)', 'steps': 5, 'cases': {}}
    for name, (cls, kw) in cases.items():
        w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        tgt = torch.tensor(target, dtype=torch.float64)
        opt = cls([w], **kw)
        traj = []
        for _ in range(5):
            opt.zero_grad()
            loss = ((w * w - tgt) ** 2).sum()
            loss.backward()
            opt.step()
            traj.append(w.detach().tolist())
        opts = {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()}
        out['cases'][name] = {'optimizer': cls.__name__, 'options': opts, 'weights_after_each_step': traj}
    os.makedirs(os.path.join(ROOT, 'optim'), exist_ok=True)
    with open(os.path.join(ROOT, 'optim', 'expected.json'), 'w') as f:
        json.dump(out, f, indent=2)
        f.write('\n')
    print('optim: written')


if __name__ == '__main__':
    write_net('seed2', 2, [D_in, H, D_out], LR2)
    write_net('seed3', 3, [D_in, H1, H2, D_out], LR3)
    write_optim()
