# PyTorch's float32 values of the elementwise and along-a-dim ops of issue 11 at their edges
# (NaN, ±Inf, ±0, tiny, huge, ties, thresholds), with their gradients, for the conformance
# cases in packages/core/src/testing/elementwise2.cases.ts. Writes
# packages/core/src/testing/elementwise2.generated.ts. Run with Debian's python (/usr/bin/python3),
# which has torch:  /usr/bin/python3 scripts/make_elementwise2.py
#
# The gpu's erf (packages/gpu/src/sources.ts, nnErf) uses polynomials fitted to math.erf in float64
# by least squares on Chebyshev nodes (relative error): x + x·p(x²) of degree 6 below 1, and
# 1 − e^(−x²)·q(1/x) of degree 9 on [1, 4]; evaluated in float32 they stay within 1.2 ulps.
import math
import os
import torch

F = torch.float32
inf = math.inf
nan = math.nan


def fmt(v):
    v = float(v)
    if math.isnan(v):
        return 'NaN'
    if math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    if v == 0:
        return '-0' if math.copysign(1, v) < 0 else '0'
    return repr(v)


def arr(t):
    return '[' + ', '.join(fmt(v) for v in t.detach().reshape(-1).tolist()) + ']'


out = []


def emit(name, doc, t):
    out.append(f'/** {doc} */\nexport const {name}: readonly number[] = {arr(t)};\n')


# ---- unary ops: one input list, every op's values and the gradient of its sum
X = torch.tensor([nan, -inf, inf, -0.0, 0.0, 1e-30, -1e-30, 1e-7, -1e-7, 1e-3, -0.3, 0.3, 0.5, -0.5, 0.49999997,
                  -0.4, 1.5, 2.5, -2.5, -1.0, -2.0, 3.0, -3.5, 5.0, -5.0, 10.0, -10.0, 19.5, 20.5, 88.0, 89.0,
                  1e4, -1e4, 8388609.0, 1e37], dtype=F)
emit('UNARY_X', 'The inputs of every unary case.', X)

unary = {
    'log1p': torch.log1p, 'expm1': torch.expm1, 'erf': torch.erf, 'sign': torch.sign,
    'floor': torch.floor, 'ceil': torch.ceil, 'round': torch.round,
    'reciprocal': torch.reciprocal, 'rsqrt': torch.rsqrt, 'square': torch.square,
    'leakyRelu': lambda x: torch.nn.functional.leaky_relu(x),
    'leakyRelu02': lambda x: torch.nn.functional.leaky_relu(x, 0.2),
    'elu': lambda x: torch.nn.functional.elu(x),
    'elu05': lambda x: torch.nn.functional.elu(x, 0.5),
    'gelu': lambda x: torch.nn.functional.gelu(x),
    'geluTanh': lambda x: torch.nn.functional.gelu(x, approximate='tanh'),
    'softplus': lambda x: torch.nn.functional.softplus(x),
    'softplus2_5': lambda x: torch.nn.functional.softplus(x, 2, 5),
}
for name, f in unary.items():
    x = X.clone().requires_grad_()
    y = f(x)
    y.sum().backward()
    emit(f'UNARY_{name}', f'torch\'s {name} of UNARY_X.', y)
    emit(f'UNARY_{name}_GRAD', f'The gradient of the sum of {name} at UNARY_X.', x.grad)

# ---- softmax, logSoftmax, logsumexp along the last dim and dim 0
S = torch.tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [-inf, 0.0, 1.0], [-inf, -inf, -inf],
                  [inf, 0.0, 1.0], [nan, 1.0, 2.0], [1.0, 2.0, 3.0], [88.0, 89.0, 90.0]], dtype=F)
emit('ALONG_X', 'Rows of logits: ±1e4, −Inf entries, an all −Inf row, +Inf, NaN, ordinary, large.', S)
emit('SOFTMAX', 'softmax(ALONG_X, -1).', torch.softmax(S, -1))
emit('SOFTMAX_0', 'softmax(ALONG_X, 0).', torch.softmax(S, 0))
emit('LOG_SOFTMAX', 'log_softmax(ALONG_X, -1).', torch.log_softmax(S, -1))
emit('LOG_SOFTMAX_0', 'log_softmax(ALONG_X, 0).', torch.log_softmax(S, 0))
emit('LOGSUMEXP', 'logsumexp(ALONG_X, -1).', torch.logsumexp(S, -1))
emit('LOGSUMEXP_0', 'logsumexp(ALONG_X, 0, keepdim=True).', torch.logsumexp(S, 0, keepdim=True))
emit('LOGSUMEXP_ALL', 'logsumexp(ALONG_X[[0, 6]], [0, 1]) (finite rows).', torch.logsumexp(S[[0, 6]], [0, 1]))

# gradients on the finite rows, through a weighted sum (so softmax's gradient is not 0)
G = torch.tensor([[0.5, -1.0, 2.0], [1.0, 0.25, -0.5], [3.0, 1.0, -2.0]], dtype=F)
Sf = torch.tensor([[1e4, -1e4, 0.0], [1.0, 2.0, 3.0], [-1.5, 0.25, 4.0]], dtype=F)
emit('GRAD_X', 'Finite logits for the gradients.', Sf)
emit('GRAD_W', 'The weights of the weighted sums whose gradients are checked.', G)
for name, f in {'SOFTMAX': lambda x: torch.softmax(x, -1), 'LOG_SOFTMAX': lambda x: torch.log_softmax(x, 0),
                'LOGSUMEXP': lambda x: torch.logsumexp(x, 1, keepdim=True)}.items():
    x = Sf.clone().requires_grad_()
    y = f(x)
    (y * G[:, : y.shape[1]]).sum().backward()
    emit(f'{name}_GRAD', f'The gradient of sum({name.lower()} ⊙ GRAD_W) at GRAD_X (softmax on -1, logSoftmax on 0, logsumexp on 1 kept).', x.grad)

# ---- var and std
V = torch.tensor([[1.0, 2.0, 4.0, 8.0], [3.0, 3.0, 3.0, 3.0], [-1e3, 1e3, 0.5, 0.25]], dtype=F)
emit('VAR_X', 'Inputs of var and std: a spread row, a constant row, a wide row.', V)
emit('VAR_1', 'var(VAR_X, 1).', torch.var(V, 1))
emit('VAR_0_C0', 'var(VAR_X, 0, correction=0, keepdim=True).', torch.var(V, 0, correction=0, keepdim=True))
emit('VAR_ALL_C2', 'var(VAR_X, correction=2).', torch.var(V, (0, 1), correction=2).reshape(1))
emit('STD_1', 'std(VAR_X, 1).', torch.std(V, 1))
emit('STD_ALL', 'std(VAR_X).', torch.std(V).reshape(1))
emit('VAR_ONE', 'var of one element: correction 1 divides by 0 (NaN); correction 0 gives 0.',
     torch.stack([torch.var(torch.tensor([5.0])), torch.var(torch.tensor([5.0]), (0,), correction=0)]))
x = V.clone().requires_grad_()
torch.var(x, 1).sum().backward()
emit('VAR_1_GRAD', 'The gradient of sum(var(VAR_X, 1)).', x.grad)
x = V.clone().requires_grad_()
torch.std(x, 1).sum().backward()
emit('STD_1_GRAD', 'The gradient of sum(std(VAR_X, 1)) (0 on the constant row, where std is 0).', x.grad)

# ---- cumsum
C = torch.tensor([[1.0, 2.0, 3.0, 4.0], [1e8, 1.0, -1e8, 1.0], [inf, 1.0, -inf, 2.0]], dtype=F)
emit('CUMSUM_X', 'Inputs of cumsum: ordinary, cancelling (PyTorch adds in float64), ±Inf.', C)
emit('CUMSUM_1', 'cumsum(CUMSUM_X, 1).', torch.cumsum(C, 1))
emit('CUMSUM_0', 'cumsum(CUMSUM_X, 0).', torch.cumsum(C, 0))
x = C[:2].clone().requires_grad_()
(torch.cumsum(x, 1) * G[:2, :3].repeat(1, 2)[:, :4]).sum().backward()
emit('CUMSUM_GRAD_W', 'The weights for cumsum\'s gradient.', G[:2, :3].repeat(1, 2)[:, :4])
emit('CUMSUM_1_GRAD', 'The gradient of sum(cumsum(CUMSUM_X[:2], 1) ⊙ CUMSUM_GRAD_W).', x.grad)

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, '..', 'packages', 'core', 'src', 'testing', 'elementwise2.generated.ts')
with open(path, 'w') as f:
    f.write(f'// Generated by scripts/make_elementwise2.py from torch {torch.__version__} (float32); do not edit.\n\n')
    f.write('\n'.join(out))
print('wrote', os.path.normpath(path))
