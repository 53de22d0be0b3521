"""PyTorch-exported ONNX models for @nn/onnx's importer (issue 14, import half).

Writes packages/onnx/fixtures/torch/<name>.onnx (torch.onnx.export, opset 17, dynamic batch) and
<name>.json (the input torch ran and torch's float32 output, plus the ops in the exported graph), so
packages/onnx/src/import.test.ts never needs Python:

- mlp:        Linear(5, 8) - ReLU - Linear(8, 3), the plain case (Gemm, Relu).
- zoo:        Flatten, Linear, LayerNorm, Tanh, Linear, BatchNorm1d (eval, non-trivial running stats),
              Sigmoid, Linear, GELU (erf), Linear, LeakyReLU(0.2), Dropout (eval), Linear, Softmax; and
              a second output LogSoftmax: every op of the supported set as torch 1.13 emits it.
- matmul:     x @ W + b with a 3-D input (MatMul, Add), Reshape to 2-D, Identity-free Sub/Mul/Div/Pow/Sqrt.
- embed:      Embedding(10, 4) - Flatten - Linear(12, 3) on int64 indices (Gather on a weight).
- digits_mlp: Linear(64, 32) - ReLU - Linear(32, 10), torch's default init under manual_seed(0),
              for the fine-tune test (its initial weights; nn trains it on @nn/data's digits()).

Usage: /usr/bin/python3 packages/onnx/scripts/make-torch-fixtures.py   (from the repository root)
Made with torch 1.13 and onnx 1.12 (Debian's python3-torch, python3-onnx).
"""
import io
import json
import os

import onnx
import torch
import torch.nn as nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'torch')
OPSET = 17


class Zoo(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(12, 16)
        self.ln = nn.LayerNorm(16)
        self.fc2 = nn.Linear(16, 16)
        self.bn = nn.BatchNorm1d(16)
        self.fc3 = nn.Linear(16, 16)
        self.gelu = nn.GELU()
        self.fc4 = nn.Linear(16, 16)
        self.lrelu = nn.LeakyReLU(0.2)
        self.drop = nn.Dropout(0.5)
        self.fc5 = nn.Linear(16, 6)

    def forward(self, x):
        h = self.flatten(x)
        h = torch.tanh(self.ln(self.fc1(h)))
        h = torch.sigmoid(self.bn(self.fc2(h)))
        h = self.gelu(self.fc3(h))
        h = self.drop(self.lrelu(self.fc4(h)))
        z = self.fc5(h)
        return torch.softmax(z, dim=1), torch.log_softmax(z, dim=-1)


class MatMulNet(nn.Module):
    """A 3-D input through x @ W + b (torch emits MatMul + Add, not Gemm), then elementwise ops and a Reshape."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4, 6) * 0.5)
        self.b = nn.Parameter(torch.randn(6) * 0.1)

    def forward(self, x):
        h = x @ self.w + self.b
        h = (h - 0.5) * 2.0 / 3.0
        h = torch.sqrt(h * h + 1.0) + torch.exp(-h.abs()) - h.neg()
        return h.reshape(h.shape[0], -1)


def export(name, model, inputs, input_names, output_names):
    model.eval()
    with torch.no_grad():
        outs = model(*inputs)
    outs = outs if isinstance(outs, tuple) else (outs,)
    buf = io.BytesIO()
    dynamic = {n: {0: 'batch'} for n in input_names + output_names}
    torch.onnx.export(model, tuple(inputs), buf, opset_version=OPSET, input_names=input_names,
                      output_names=output_names, dynamic_axes=dynamic, do_constant_folding=True)
    data = buf.getvalue()
    m = onnx.load_from_string(data)
    onnx.checker.check_model(m)
    with open(os.path.join(ROOT, name + '.onnx'), 'wb') as f:
        f.write(data)
    record = {
        'ops': sorted({n.op_type for n in m.graph.node}),
        'inputs': [{'name': n, 'shape': list(t.shape), 'dtype': 'int32' if t.dtype == torch.int64 else 'float32',
                    'data': t.flatten().tolist()} for n, t in zip(input_names, inputs)],
        'outputs': [{'name': n, 'shape': list(t.shape), 'data': t.flatten().tolist()} for n, t in zip(output_names, outs)],
    }
    with open(os.path.join(ROOT, name + '.json'), 'w') as f:
        json.dump(record, f)
    print(name, record['ops'])


def main():
    os.makedirs(ROOT, exist_ok=True)

    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))
    export('mlp', mlp, [torch.randn(7, 5)], ['x'], ['y'])

    torch.manual_seed(1)
    zoo = Zoo()
    # Running statistics far from (0, 1), and an affine part away from (1, 0), so a BatchNormalization
    # that ignored any of its four tensors would be caught.
    with torch.no_grad():
        zoo.bn.running_mean.copy_(torch.randn(16) * 0.3)
        zoo.bn.running_var.copy_(torch.rand(16) + 0.5)
        zoo.bn.weight.copy_(torch.rand(16) + 0.5)
        zoo.bn.bias.copy_(torch.randn(16) * 0.2)
        zoo.ln.weight.copy_(torch.rand(16) + 0.5)
        zoo.ln.bias.copy_(torch.randn(16) * 0.2)
    export('zoo', zoo, [torch.randn(9, 3, 4)], ['x'], ['probs', 'logprobs'])

    torch.manual_seed(2)
    export('matmul', MatMulNet(), [torch.randn(5, 3, 4)], ['x'], ['y'])

    torch.manual_seed(3)
    embed = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 3))
    export('embed', embed, [torch.randint(0, 10, (5, 3))], ['ids'], ['y'])

    torch.manual_seed(0)
    digits = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    export('digits_mlp', digits, [torch.rand(4, 64)], ['x'], ['logits'])


if __name__ == '__main__':
    main()
