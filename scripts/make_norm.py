"""PyTorch reference values for @nn/layers' LayerNorm, BatchNorm1d and Embedding (issue 12).

Writes fixtures/norm/{layernorm,batchnorm,embedding}.json, computed by torch in float32 from small
fixed inputs, so packages/layers/src/norm.test.ts (cpu) and packages/gpu/src/layers.gl.test.ts
(headless-gl) never need Python.

Each case stores the forward value and the gradients of sum(output * upstream) with respect to the
input and the parameters, upstream being a fixed non-uniform tensor of the output's shape.
BatchNorm1d cases run three training steps (value, gradients and the running statistics after each)
and then one step in eval mode.

Usage: /usr/bin/python3 scripts/make_norm.py   (from the repository root)
"""
import copy
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'norm')
torch.manual_seed(0)


def tolist(t):
    return None if t is None else t.detach().double().tolist()


def upstream_for(shape):
    """A fixed, non-uniform upstream gradient: 0.5, -0.25, 1, 0.75, -1.5, 0.125 cycled (exact in binary)."""
    n = 1
    for d in shape:
        n *= d
    pattern = [0.5, -0.25, 1.0, 0.75, -1.5, 0.125]
    return torch.tensor([pattern[i % len(pattern)] for i in range(n)], dtype=torch.float32).reshape(shape)


def randn(*shape, scale=1.0, shift=0.0):
    return (torch.randn(*shape) * scale + shift).float()


def forward_backward(mod, x):
    """Output of mod(x) and the gradients of sum(out * upstream) for the input and mod's parameters.

    The same step in float64 (a copy of mod, from the same float32 values) is stored beside them as
    '<key>_64': how far torch's float32 numbers are from exact, which the tests add to their tolerance
    (torch's float32 LayerNorm gradient is 3.4e-5 off where the mean is 100 and the spread 1; nn's is 7.3e-7).
    """
    mod64 = copy.deepcopy(mod).double()
    res = {}
    for suffix, m, xx in [('', mod, x), ('_64', mod64, x.double())]:
        xi = xx.clone().requires_grad_(True)
        m.zero_grad(set_to_none=True)
        out = m(xi)
        up = upstream_for(list(out.shape)).to(xx.dtype)
        (out * up).sum().backward()
        grads = {name: tolist(p.grad) for name, p in m.named_parameters()}
        res.update({'output' + suffix: tolist(out), 'grad_input' + suffix: tolist(xi.grad), 'grad_weight' + suffix: grads.get('weight'),
                    'grad_bias' + suffix: grads.get('bias')})
        if suffix == '':
            res.update({'input': tolist(x), 'input_shape': list(x.shape), 'upstream': tolist(up), 'output_shape': list(out.shape)})
    return res


def set_affine(mod, shape):
    """Non-trivial weight and bias (torch starts them at 1 and 0), so their use in forward and backward is checked."""
    w = b = None
    with torch.no_grad():
        if getattr(mod, 'weight', None) is not None:
            w = randn(*shape, scale=0.5, shift=1.0)
            mod.weight.copy_(w)
        if getattr(mod, 'bias', None) is not None:
            b = randn(*shape, scale=0.5)
            mod.bias.copy_(b)
    return tolist(w), tolist(b)


class LayerNormNoBias(nn.Module):
    """torch 2.1's nn.LayerNorm(bias=False), which torch 1.13 lacks: F.layer_norm with a weight and no bias."""

    def __init__(self, normalized, eps):
        super().__init__()
        self.normalized, self.eps = normalized, eps
        self.weight = nn.Parameter(torch.ones(normalized))

    def forward(self, x):
        return F.layer_norm(x, self.normalized, self.weight, None, self.eps)


def layernorm():
    cases = []
    const_rows = randn(3, 5)
    const_rows[1] = 2.5  # a constant row: variance 0, so the output is 0 and the gradient is finite only thanks to eps
    # A mean of 100 and a spread of 1: Σx²/N − mean² would lose 3 digits to cancellation (nn's var takes two passes).
    # (A spread far below the mean's ulp, e.g. 1000 ± 0.01, is ill-conditioned in float32: torch itself is 0.3 % off
    # float64 there, so it cannot serve as a reference.)
    offset = randn(4, 6, shift=100.0)
    for shape, normalized, opts, x in [
        ([3, 5], [5], {}, randn(3, 5, scale=2.0)),
        ([2, 3, 4], [3, 4], {}, randn(2, 3, 4)),
        ([2, 3, 4], [4], {'eps': 1e-3}, randn(2, 3, 4)),
        ([2, 3, 4], [2, 3, 4], {}, randn(2, 3, 4)),
        ([3, 5], [5], {'elementwiseAffine': False}, randn(3, 5)),
        ([2, 2, 3], [3], {'bias': False}, randn(2, 2, 3)),
        ([3, 5], [5], {}, const_rows),
        ([4, 6], [6], {}, offset),
        ([5], [5], {}, randn(5)),
    ]:
        eps = opts.get('eps', 1e-5)
        mod = LayerNormNoBias(normalized, eps) if opts.get('bias') is False else \
            nn.LayerNorm(normalized, eps=eps, elementwise_affine=opts.get('elementwiseAffine', True))
        w, b = set_affine(mod, normalized)
        case = forward_backward(mod, x)
        case.update({'normalized_shape': normalized, 'options': opts, 'weight': w, 'bias': b})
        cases.append(case)
    return {'torch': torch.__version__, 'cases': cases}


def batchnorm():
    cases = []
    for shape, opts in [
        ([4, 3], {}),
        ([3, 2, 4], {}),
        ([4, 3], {'affine': False}),
        ([3, 2, 4], {'momentum': None}),
        ([4, 3], {'momentum': 0.5, 'eps': 1e-3}),
        ([4, 3], {'trackRunningStats': False}),
        ([2, 3, 1], {}),
    ]:
        c = shape[1]
        mod = nn.BatchNorm1d(c, eps=opts.get('eps', 1e-5), momentum=opts.get('momentum', 0.1), affine=opts.get('affine', True),
                             track_running_stats=opts.get('trackRunningStats', True))
        w, b = set_affine(mod, [c])
        steps = []
        mod.train()
        for _ in range(3):
            x = randn(*shape, scale=2.0, shift=0.5)
            step = forward_backward(mod, x)
            if mod.track_running_stats:
                step.update({'running_mean': tolist(mod.running_mean), 'running_var': tolist(mod.running_var),
                             'num_batches_tracked': int(mod.num_batches_tracked)})
            steps.append(step)
        mod.eval()
        ev = forward_backward(mod, randn(*shape, scale=2.0, shift=0.5))
        cases.append({'num_features': c, 'shape': shape, 'options': opts, 'weight': w, 'bias': b, 'train_steps': steps, 'eval': ev,
                      'state_dict_keys': list(mod.state_dict().keys())})
    return {'torch': torch.__version__, 'cases': cases}


def embedding():
    cases = []
    weight = randn(6, 3)
    weight_pad_nonzero = weight.clone()
    for name, idx, opts in [
        ('2-D with repeated indices', [[0, 2, 0, 5], [1, 2, 2, 0]], {}),
        ('1-D', [4, 4, 4], {}),
        ('0-d', 3, {}),
        ('3-D', [[[1, 0], [5, 5]], [[2, 3], [0, 1]]], {}),
        ('paddingIdx 2', [[0, 2, 0, 5], [1, 2, 2, 0]], {'paddingIdx': 2}),
        ('paddingIdx -1 (row 5)', [[0, 5, 5], [1, 2, 5]], {'paddingIdx': -1}),
    ]:
        x = torch.tensor(idx, dtype=torch.long)
        pad = opts.get('paddingIdx')
        mod = nn.Embedding(6, 3, padding_idx=pad)
        w = weight.clone()
        if pad is not None:
            w[pad] = 0.0  # as torch's constructor leaves it
        with torch.no_grad():
            mod.weight.copy_(w)
        out = mod(x)
        up = upstream_for(list(out.shape))
        (out * up).sum().backward()
        cases.append({'name': name, 'options': opts, 'weight': tolist(w), 'index': idx, 'index_shape': list(x.shape),
                      'upstream': tolist(up), 'output': tolist(out), 'output_shape': list(out.shape), 'grad_weight': tolist(mod.weight.grad)})
    # from_pretrained with a padding row that is not zero: the output reads it, and it gets no gradient.
    pre = nn.Embedding.from_pretrained(weight_pad_nonzero, freeze=False, padding_idx=1)
    x = torch.tensor([[1, 0], [1, 4]], dtype=torch.long)
    out = pre(x)
    up = upstream_for(list(out.shape))
    (out * up).sum().backward()
    pretrained = {'name': 'fromPretrained, freeze false, paddingIdx 1 (a non-zero row)', 'options': {'freeze': False, 'paddingIdx': 1},
                  'weight': tolist(weight_pad_nonzero), 'index': x.tolist(), 'index_shape': list(x.shape), 'upstream': tolist(up),
                  'output': tolist(out), 'output_shape': list(out.shape), 'grad_weight': tolist(pre.weight.grad)}
    return {'torch': torch.__version__, 'cases': cases, 'pretrained': pretrained}


def main():
    os.makedirs(ROOT, exist_ok=True)
    for name, fn in [('layernorm', layernorm), ('batchnorm', batchnorm), ('embedding', embedding)]:
        with open(os.path.join(ROOT, f'{name}.json'), 'w') as f:
            json.dump(fn(), f, indent=1)
            f.write('\n')


if __name__ == '__main__':
    main()
