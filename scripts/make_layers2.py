"""PyTorch reference values for @nn/layers' layers, losses, optimisers and schedulers (issue 12).

Writes fixtures/layers2/{modules,losses,optim,schedulers}.json and fixtures/layers2/mlp.npz
(a state dict saved with np.savez, as a user would from PyTorch) with mlp.json (its input and
output). Everything is computed by torch in float32 (optimiser trajectories in float64) from
small fixed inputs, so the tests in packages/layers/src/*.test.ts never need Python.

Each case stores the forward value and, for differentiable ones, the gradient of
sum(output * upstream) with respect to the input (and parameters), upstream being a fixed
tensor of the output's shape, so 'none' reductions check every element's gradient.

Usage: /usr/bin/python3 scripts/make_layers2.py   (from the repository root)
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'layers2')
torch.manual_seed(0)


def f32(a):
    return torch.tensor(a, dtype=torch.float32)


def tolist(t):
    return t.detach().double().tolist()


def upstream_for(shape):
    """A fixed, non-uniform upstream gradient: 0.5, -0.25, 1, 0.75, ... cycled (exact in binary)."""
    n = int(np.prod(shape)) if len(shape) else 1
    pattern = [0.5, -0.25, 1.0, 0.75, -1.5, 0.125]
    vals = [pattern[i % len(pattern)] for i in range(n)]
    return f32(vals).reshape(shape)


def run(fn, inputs, grad_of):
    """Forward fn(*inputs); gradient of sum(out * upstream) w.r.t. the inputs named in grad_of."""
    leaves = [x.clone().requires_grad_(i in grad_of) for i, x in enumerate(inputs)]
    out = fn(*leaves)
    up = upstream_for(list(out.shape))
    if grad_of:
        (out * up).sum().backward()
    grads = [tolist(x.grad) if i in grad_of else None for i, x in enumerate(leaves)]
    return out, up, grads


def randn(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).float()


def modules():
    cases = []
    x = randn(3, 5, scale=2.0)
    x[0, 0] = 0.0
    x[0, 1] = -0.0
    x[1, 2] = 30.0
    x[2, 3] = -30.0
    for name, mod, nn_args in [
        ('Tanh', nn.Tanh(), []),
        ('Sigmoid', nn.Sigmoid(), []),
        ('GELU', nn.GELU(), []),
        ('GELU', nn.GELU(approximate='tanh'), [{'approximate': 'tanh'}]),
        ('LeakyReLU', nn.LeakyReLU(), []),
        ('LeakyReLU', nn.LeakyReLU(0.2), [0.2]),
        ('Softmax', nn.Softmax(dim=1), [1]),
        ('Softmax', nn.Softmax(dim=0), [0]),
        ('LogSoftmax', nn.LogSoftmax(dim=-1), [-1]),
    ]:
        out, up, grads = run(mod, [x], [0])
        cases.append({'module': name, 'args': nn_args, 'input': tolist(x), 'shape': list(x.shape), 'upstream': tolist(up),
                      'output': tolist(out), 'grad_input': grads[0]})
    x4 = randn(2, 3, 2, 2)
    for args in [[], [0, -1], [1, 2], [2, 3]]:
        mod = nn.Flatten(*args)
        out, up, grads = run(mod, [x4], [0])
        cases.append({'module': 'Flatten', 'args': args, 'input': tolist(x4), 'shape': list(x4.shape), 'upstream': tolist(up),
                      'output': tolist(out), 'output_shape': list(out.shape), 'grad_input': grads[0]})
    linear = []
    for in_shape in [[4], [3, 4], [2, 3, 4], [2, 1, 3, 4], [0, 4]]:
        lin = nn.Linear(4, 2)
        xi = randn(*in_shape)
        w = lin.weight.detach().clone()
        b = lin.bias.detach().clone()
        out, up, grads = run(lambda xx, ww, bb: F.linear(xx, ww, bb), [xi, w, b], [0, 1, 2])
        linear.append({'input_shape': in_shape, 'input': tolist(xi), 'weight': tolist(w), 'bias': tolist(b), 'upstream': tolist(up),
                       'output': tolist(out), 'output_shape': list(out.shape), 'grad_input': grads[0], 'grad_weight': grads[1],
                       'grad_bias': grads[2]})
    return {'cases': cases, 'linear': linear}


def losses():
    cases = []

    def add(fn_name, nn_opts, fn, inputs, grad_of=(0,), target_dtype='float32', extra=None):
        out, up, grads = run(fn, inputs, list(grad_of))
        case = {'fn': fn_name, 'options': nn_opts, 'input': tolist(inputs[0]), 'input_shape': list(inputs[0].shape),
                'target': inputs[1].tolist() if target_dtype == 'int32' else tolist(inputs[1]), 'target_shape': list(inputs[1].shape),
                'target_dtype': target_dtype, 'upstream': tolist(up), 'output': tolist(out), 'output_shape': list(out.shape),
                'grad_input': grads[0]}
        if extra:
            case.update(extra)
        cases.append(case)

    reductions = ['mean', 'sum', 'none']
    a = randn(3, 4)
    b = randn(3, 4)
    b[0, 0] = a[0, 0]  # a zero difference: |d| and the kinks at 0
    b[1, 1] = a[1, 1] + 1.0  # exactly at delta = beta = 1
    b[1, 2] = a[1, 2] - 0.5  # exactly at delta = beta = 0.5
    for r in reductions:
        add('l1Loss', {'reduction': r}, lambda x, y, r=r: F.l1_loss(x, y, reduction=r), [a, b])
        add('mseLoss', {'reduction': r}, lambda x, y, r=r: F.mse_loss(x, y, reduction=r), [a, b])
        for delta in [1.0, 0.5, 2.5]:
            add('huberLoss', {'reduction': r, 'delta': delta}, lambda x, y, r=r, d=delta: F.huber_loss(x, y, reduction=r, delta=d), [a, b])
        for beta in [1.0, 0.5, 0.0]:
            # beta = 0 is the L1 loss in PyTorch 2 (torch.nn.functional and torch._refs route it to
            # l1_loss); Debian's torch 1.13 runs its smooth-L1 kernel instead, whose gradient at a zero
            # difference is -1 (x <= -beta). The fixture follows the current definition.
            fn = (lambda x, y, r=r: F.l1_loss(x, y, reduction=r)) if beta == 0 else (lambda x, y, r=r, bb=beta: F.smooth_l1_loss(x, y, reduction=r, beta=bb))
            add('smoothL1Loss', {'reduction': r, 'beta': beta}, fn, [a, b])

    # BCE on probabilities strictly inside (0, 1): value and gradient.
    p = torch.sigmoid(randn(3, 4, scale=2.0))
    t = torch.rand(3, 4).float()
    t[0, :2] = torch.tensor([0.0, 1.0])
    wt = (torch.rand(3, 4) + 0.5).float()
    for r in reductions:
        add('binaryCrossEntropy', {'reduction': r}, lambda x, y, r=r: F.binary_cross_entropy(x, y, reduction=r), [p, t])
        add('binaryCrossEntropy', {'reduction': r, 'weight': tolist(wt), 'weight_shape': [3, 4]},
            lambda x, y, r=r: F.binary_cross_entropy(x, y, weight=wt, reduction=r), [p, t])
    # At 0 and 1 the logs are clamped at -100: the value only (the gradient there is documented as 0 in nn).
    pe = f32([0.0, 1.0, 0.0, 1.0, 1e-30, 0.5])
    te = f32([0.0, 1.0, 1.0, 0.0, 1.0, 0.5])
    add('binaryCrossEntropy', {'reduction': 'none'}, lambda x, y: F.binary_cross_entropy(x, y, reduction='none'), [pe, te], grad_of=())

    z = randn(3, 4, scale=3.0)
    z[0, 0] = 0.0
    z[0, 1] = 50.0
    z[0, 2] = -50.0
    z[0, 3] = -100.0
    pw = f32([1.0, 2.0, 0.5, 3.0])
    for r in reductions:
        add('binaryCrossEntropyWithLogits', {'reduction': r}, lambda x, y, r=r: F.binary_cross_entropy_with_logits(x, y, reduction=r), [z, t])
        add('binaryCrossEntropyWithLogits', {'reduction': r, 'posWeight': tolist(pw), 'posWeight_shape': [4], 'weight': tolist(wt), 'weight_shape': [3, 4]},
            lambda x, y, r=r: F.binary_cross_entropy_with_logits(x, y, weight=wt, pos_weight=pw, reduction=r), [z, t])

    # Cross entropy and NLL: class indices (int32 in nn, int64 in torch) and probabilities.
    N, C = 5, 4
    logits = randn(N, C, scale=2.0)
    logits[4] = f32([100.0, -100.0, 0.0, 0.0])
    cls = torch.tensor([1, 0, 3, 2, 0])
    cls_ign = torch.tensor([1, -100, 3, 2, -100])
    cls_ign2 = torch.tensor([1, 2, 3, 2, 0])
    w = f32([0.5, 2.0, 1.0, 1.5])
    probs = torch.softmax(randn(N, C), 1)
    logp = torch.log_softmax(logits, 1)
    for r in reductions:
        for opts, kw, tgt in [
            ({}, {}, cls),
            ({'weight': tolist(w)}, {'weight': w}, cls),
            ({}, {}, cls_ign),
            ({'weight': tolist(w)}, {'weight': w}, cls_ign),
            ({'ignoreIndex': 2}, {'ignore_index': 2}, cls_ign2),
            ({'labelSmoothing': 0.1}, {'label_smoothing': 0.1}, cls),
            ({'labelSmoothing': 0.2, 'weight': tolist(w)}, {'label_smoothing': 0.2, 'weight': w}, cls_ign),
            ({'labelSmoothing': 0.3, 'weight': tolist(w), 'ignoreIndex': 2}, {'label_smoothing': 0.3, 'weight': w, 'ignore_index': 2}, cls_ign2),
        ]:
            add('crossEntropy', {'reduction': r, **opts}, lambda x, y, r=r, kw=kw: F.cross_entropy(x, y, reduction=r, **kw), [logits, tgt], target_dtype='int32')
            if 'labelSmoothing' not in opts:
                add('nllLoss', {'reduction': r, **opts}, lambda x, y, r=r, kw=kw: F.nll_loss(x, y, reduction=r, **kw), [logp, tgt], target_dtype='int32')
        for opts, kw in [({}, {}), ({'labelSmoothing': 0.1}, {'label_smoothing': 0.1}), ({'weight': tolist(w), 'labelSmoothing': 0.25}, {'weight': w, 'label_smoothing': 0.25})]:
            add('crossEntropy', {'reduction': r, **opts}, lambda x, y, r=r, kw=kw: F.cross_entropy(x, y, reduction=r, **kw), [logits, probs])
        # One sample [C] with a 0-d target, and per-position scores [N, C, d] with targets [N, d].
        add('crossEntropy', {'reduction': r}, lambda x, y, r=r: F.cross_entropy(x, y, reduction=r), [logits[0], torch.tensor(2)], target_dtype='int32')
        x3 = randn(2, C, 3)
        t3 = torch.tensor([[0, 3, -100], [2, 2, 1]])
        add('crossEntropy', {'reduction': r, 'weight': tolist(w), 'labelSmoothing': 0.1},
            lambda x, y, r=r: F.cross_entropy(x, y, weight=w, label_smoothing=0.1, reduction=r), [x3, t3], target_dtype='int32')
        add('nllLoss', {'reduction': r}, lambda x, y, r=r: F.nll_loss(x, y, reduction=r), [torch.log_softmax(x3, 1), t3], target_dtype='int32')
    # Every target ignored: 'mean' divides 0 by 0, NaN as PyTorch.
    add('crossEntropy', {'reduction': 'mean'}, lambda x, y: F.cross_entropy(x, y), [logits[:2], torch.tensor([-100, -100])], target_dtype='int32', grad_of=())
    for c in cases:
        for k in ('weight', 'posWeight'):
            if k in c['options'] and f'{k}_shape' not in c['options']:
                c['options'][f'{k}_shape'] = [len(c['options'][k])]
    return {'cases': cases}


def optim():
    w0 = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
    target = [[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]]
    specs = [
        ('sgd_weight_decay', 'SGD', torch.optim.SGD, {'lr': 0.05, 'weight_decay': 0.1}, {'lr': 0.05, 'weightDecay': 0.1}),
        ('sgd_dampening', 'SGD', torch.optim.SGD, {'lr': 0.05, 'momentum': 0.9, 'dampening': 0.3}, {'lr': 0.05, 'momentum': 0.9, 'dampening': 0.3}),
        ('sgd_nesterov', 'SGD', torch.optim.SGD, {'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weight_decay': 0.01},
         {'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weightDecay': 0.01}),
        ('adam_weight_decay', 'Adam', torch.optim.Adam, {'lr': 0.05, 'weight_decay': 0.1}, {'lr': 0.05, 'weightDecay': 0.1}),
        ('adamw_default', 'AdamW', torch.optim.AdamW, {'lr': 0.05}, {'lr': 0.05}),
        ('adamw_custom', 'AdamW', torch.optim.AdamW, {'lr': 0.05, 'betas': (0.8, 0.99), 'eps': 1e-6, 'weight_decay': 0.3},
         {'lr': 0.05, 'betas': [0.8, 0.99], 'eps': 1e-6, 'weightDecay': 0.3}),
    ]
    out = {'w0': w0, 'target': target, 'loss': 'sum((w * w - target)^2)', 'steps': 5, 'cases': {}}
    for name, nn_name, cls, kw, nn_opts in specs:
        w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        tgt = torch.tensor(target, dtype=torch.float64)
        opt = cls([w], **kw)
        traj = []
        for _ in range(5):
            opt.zero_grad()
            ((w * w - tgt) ** 2).sum().backward()
            opt.step()
            traj.append(w.detach().tolist())
        out['cases'][name] = {'optimizer': nn_name, 'options': nn_opts, 'weights_after_each_step': traj}

    # clip_grad_norm_ / clip_grad_value_ on two parameters with given gradients (float32).
    g1 = [[3.0, -4.0, 0.5], [1.0, 2.0, -2.5]]
    g2 = [0.25, -7.0]
    clips = []
    for max_norm, norm_type in [(1.0, 2.0), (100.0, 2.0), (2.0, 1.0), (0.5, math.inf), (3.0, 3.0), (0.0, 2.0)]:
        a = torch.zeros(2, 3, requires_grad=True)
        b = torch.zeros(2, requires_grad=True)
        a.grad = f32(g1)
        b.grad = f32(g2)
        total = torch.nn.utils.clip_grad_norm_([a, b], max_norm, norm_type=norm_type)
        clips.append({'maxNorm': max_norm, 'normType': norm_type, 'total': float(total),
                      'grads': [tolist(a.grad), tolist(b.grad)]})
    values = []
    for clip in [1.0, 2.5, 0.0]:
        a = torch.zeros(2, 3, requires_grad=True)
        b = torch.zeros(2, requires_grad=True)
        a.grad = f32(g1)
        b.grad = f32(g2)
        torch.nn.utils.clip_grad_value_([a, b], clip)
        values.append({'clipValue': clip, 'grads': [tolist(a.grad), tolist(b.grad)]})
    out['clip'] = {'grads': [g1, g2], 'norm': clips, 'value': values}
    return out


def schedulers():
    def lrs(make, steps=12):
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=0.1)
        sch = make(opt)
        got = [sch.get_last_lr()[0]]
        for _ in range(steps):
            opt.step()
            sch.step()
            got.append(sch.get_last_lr()[0])
        return got

    S = torch.optim.lr_scheduler
    return {'base_lr': 0.1, 'steps': 12, 'cases': [
        {'scheduler': 'StepLR', 'args': [3, 0.5], 'lrs': lrs(lambda o: S.StepLR(o, 3, 0.5))},
        {'scheduler': 'StepLR', 'args': [2], 'lrs': lrs(lambda o: S.StepLR(o, 2))},
        {'scheduler': 'ExponentialLR', 'args': [0.9], 'lrs': lrs(lambda o: S.ExponentialLR(o, 0.9))},
        {'scheduler': 'CosineAnnealingLR', 'args': [5, 0.01], 'lrs': lrs(lambda o: S.CosineAnnealingLR(o, 5, 0.01))},
        {'scheduler': 'CosineAnnealingLR', 'args': [10], 'lrs': lrs(lambda o: S.CosineAnnealingLR(o, 10))},
        {'scheduler': 'LambdaLR', 'args': ['epoch => 1 / (1 + epoch)'], 'lrs': lrs(lambda o: S.LambdaLR(o, lambda e: 1 / (1 + e)))},
    ]}


def mlp():
    """A PyTorch MLP's state dict saved with np.savez (zip64 headers, as NumPy writes them), its input and output."""
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    sd = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    np.savez(os.path.join(ROOT, 'mlp.npz'), **sd)
    # The same entries with zip64 local headers (what newer NumPy's savez writes, force_zip64=True).
    import io
    import zipfile
    with zipfile.ZipFile(os.path.join(ROOT, 'mlp_zip64.npz'), 'w', compression=zipfile.ZIP_STORED) as z:
        for k, v in sd.items():
            buf = io.BytesIO()
            np.save(buf, v)
            with z.open(f'{k}.npy', 'w', force_zip64=True) as f:
                f.write(buf.getvalue())
    # And a compressed one (np.savez_compressed), which loadNpz refuses with a FormatError.
    np.savez_compressed(os.path.join(ROOT, 'mlp_compressed.npz'), **sd)
    x = randn(5, 4)
    y = model(x)
    return {'keys': list(sd.keys()), 'shapes': [list(v.shape) for v in sd.values()], 'input': tolist(x), 'output': tolist(y)}


def sanitize(v):
    """JSON has no NaN or Infinity: write them as the strings 'NaN', 'Infinity', '-Infinity' (the tests' reviver reads them)."""
    if isinstance(v, float) and not math.isfinite(v):
        return 'NaN' if math.isnan(v) else ('Infinity' if v > 0 else '-Infinity')
    if isinstance(v, list):
        return [sanitize(x) for x in v]
    if isinstance(v, dict):
        return {k: sanitize(x) for k, x in v.items()}
    return v


def main():
    os.makedirs(ROOT, exist_ok=True)
    for name, fn in [('modules', modules), ('losses', losses), ('optim', optim), ('schedulers', schedulers), ('mlp', mlp)]:
        data = fn()
        data['torch_version'] = torch.__version__
        with open(os.path.join(ROOT, f'{name}.json'), 'w') as f:
            json.dump(sanitize(data), f, allow_nan=False)
        print(f'wrote fixtures/layers2/{name}.json')


if __name__ == '__main__':
    main()
