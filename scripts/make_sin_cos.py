# Values of torch.sin / torch.cos (float32) and their gradients for the conformance
# case 'elementwise: sin and cos' in packages/core/src/testing/conformance.ts.
# Run with Debian's python (/usr/bin/python3), which has torch.
import torch

x = torch.tensor([-3.0, -1.5, -0.5, 0.0, 0.25, 1.0, 2.0, 3.14159265, 6.0], dtype=torch.float32, requires_grad=True)
sin = torch.sin(x)
cos = torch.cos(x)
(sin * 2 + cos * 3).sum().backward()
fmt = lambda t: '[' + ', '.join(repr(float(v)) for v in t.detach()) + ']'
print('x   ', fmt(x))
print('sin ', fmt(sin))
print('cos ', fmt(cos))
print('grad of sum(2 sin x + 3 cos x):', fmt(x.grad))
