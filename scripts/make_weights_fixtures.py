"""Weights files written by NumPy and PyTorch 1.13 for @nn/layers' loadNpz and loadSafetensors (issue 14),
and PyTorch's reading of the files nn writes (the round trip the other way).

Writes fixtures/weights/:
  numpy_savez.npz            np.savez of float32, float64, int32 and 0-d arrays (values in numpy.json)
  numpy_savez_compressed.npz the same with np.savez_compressed (nn refuses: compressed entries)
  torch_bn.npz               np.savez(**{k: v.numpy() ...}) of a trained Linear-BatchNorm1d-ReLU-Linear:
                             num_batches_tracked is int64 there, which nn refuses (<i8)
  torch_bn_int32.npz         the same with int64 buffers cast to int32 (v.int()), which nn loads
  torch_bn.safetensors       the same state dict as safetensors (F32 and I64)
  dtypes.safetensors         F32, F16, BF16, F64, I32 and I64 tensors (values as float32 in dtypes.json)
  torch.json                 the model's keys, shapes, an input and its eval-mode output
  nn_readback.json           PyTorch's eval-mode output after loading nn_bn.safetensors and nn_bn.npz
                             (written by packages/layers/src/weights.test.ts: UPDATE_WEIGHTS=1 npx vitest run ...)

Debian ships no `safetensors` Python package, so this script writes and reads the format itself with
struct + json (8-byte little-endian header length, JSON header, raw little-endian data), laying the
entries out as the reference writer does (largest dtype first, then by name; header padded to 8 bytes).

Usage: /usr/bin/python3 scripts/make_weights_fixtures.py   (from the repository root)
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn as nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'weights')
os.makedirs(ROOT, exist_ok=True)
torch.manual_seed(0)

DTYPES = {torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.float64: 'F64', torch.int32: 'I32', torch.int64: 'I64'}
TORCH_OF = {v: k for k, v in DTYPES.items()}


def path(name):
    return os.path.join(ROOT, name)


def write_safetensors(file, tensors, metadata):
    """The safetensors layout, by hand: entries sorted by (itemsize descending, name), offsets into the data."""
    items = sorted(tensors.items(), key=lambda kv: (-kv[1].element_size(), kv[0]))
    header = {'__metadata__': metadata}
    blobs = []
    offset = 0
    for k, t in items:
        t = t.detach().contiguous()
        # bfloat16 has no NumPy dtype: its bits go out as int16.
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().astype(np.dtype(t.numpy().dtype if t.dtype != torch.bfloat16 else np.int16).newbyteorder('<')).tobytes()
        header[k] = {'dtype': DTYPES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * ((8 - (8 + len(text)) % 8) % 8)
    with open(file, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def read_safetensors(file):
    """Read a safetensors file (as torch tensors), checking that the entries tile the data."""
    with open(file, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    metadata = header.pop('__metadata__', {})
    body = data[8 + n:]
    out = {}
    end = 0
    for k, info in sorted(header.items(), key=lambda kv: kv[1]['data_offsets'][0]):
        b, e = info['data_offsets']
        assert b == end, f'{k}: gap or overlap at {b}'
        end = e
        dt = TORCH_OF[info['dtype']]
        np_dt = {torch.bfloat16: np.int16}.get(dt) or torch.empty(0, dtype=dt).numpy().dtype
        arr = np.frombuffer(body[b:e], dtype=np.dtype(np_dt).newbyteorder('<')).reshape(info['shape'])
        t = torch.from_numpy(arr.copy())
        out[k] = t.view(torch.bfloat16) if dt == torch.bfloat16 else t
    assert end == len(body), 'bytes after the last entry'
    return out, metadata, list(header.keys())


def model():
    return nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 3))


def floats(t):
    # JSON has no Infinity: non-finite values go out as the strings 'inf', '-inf', 'nan'.
    return [x if math.isfinite(x) else str(x) for x in t.detach().float().reshape(-1).tolist()]


# --- NumPy ------------------------------------------------------------------------------------------
arrays = {
    'w': (np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5) / 3,
    'd': np.array([0.1, -2.5, 1e-3], dtype=np.float64),
    'steps': np.array([[3, -2], [7, 16777216]], dtype=np.int32),
    'scalar': np.array(1.25, dtype=np.float32),
}
np.savez(path('numpy_savez.npz'), **arrays)
np.savez_compressed(path('numpy_savez_compressed.npz'), **arrays)
with open(path('numpy.json'), 'w') as f:
    json.dump({k: {'shape': list(a.shape), 'values': a.astype(np.float32).reshape(-1).astype(np.float64).tolist(), 'int': a.dtype.kind == 'i'} for k, a in arrays.items()}, f, indent=1)

# --- PyTorch: a model with an int64 buffer, trained two steps so the running stats are not defaults ---
net = model()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for _ in range(2):
    xb = torch.randn(8, 4)
    loss = net(xb).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
net.eval()
x = torch.randn(5, 4)
with torch.no_grad():
    y = net(x)
sd = net.state_dict()
np.savez(path('torch_bn.npz'), **{k: v.numpy() for k, v in sd.items()})
np.savez(path('torch_bn_int32.npz'), **{k: (v.int() if v.dtype == torch.int64 else v).numpy() for k, v in sd.items()})
write_safetensors(path('torch_bn.safetensors'), dict(sd), {'format': 'pt'})
with open(path('torch.json'), 'w') as f:
    json.dump({
        'keys': list(sd.keys()),
        'shapes': [list(v.shape) for v in sd.values()],
        'input': x.tolist(),
        'output': y.tolist(),
    }, f, indent=1)

# --- every dtype the reader decodes; values chosen exact in the narrow types where that is the point ---
dt = {
    'f32': torch.tensor([1.5, -0.1, 3e38], dtype=torch.float32),
    'f16': torch.tensor([1.0, -0.333, 65504.0, 6e-8, float('inf')], dtype=torch.float16),
    'bf16': torch.tensor([[1.0, -0.1], [3e38, -1e-30]], dtype=torch.bfloat16),
    'f64': torch.tensor([0.1, -1e-300, 1e10], dtype=torch.float64),
    'i32': torch.tensor([-16777216, 0, 16777216], dtype=torch.int32),
    'i64': torch.tensor([[5], [-7]], dtype=torch.int64),
    'empty': torch.zeros(0, 3),
}
write_safetensors(path('dtypes.safetensors'), dt, {'format': 'pt', 'note': 'made by scripts/make_weights_fixtures.py'})
with open(path('dtypes.json'), 'w') as f:
    json.dump({k: {'dtype': DTYPES[t.dtype], 'shape': list(t.shape), 'values': floats(t)} for k, t in dt.items()}, f, indent=1)

# --- nn → PyTorch: read the files nn wrote (if the test has written them) into the same architecture ---
readback = {}
for name in ('nn_bn.safetensors', 'nn_bn.npz'):
    if not os.path.exists(path(name)):
        continue
    if name.endswith('.safetensors'):
        tensors, metadata, keys = read_safetensors(path(name))
    else:
        with np.load(path(name)) as z:
            keys = list(z.keys())
            tensors = {k: torch.from_numpy(z[k].copy()) for k in keys}
        metadata = {}
    m = model()
    m.load_state_dict(tensors)  # strict: every key and shape must match torch's own
    m.eval()
    with torch.no_grad():
        out = m(x)
    readback[name] = {
        'metadata': metadata,
        'keys': keys,
        'dtypes': {k: str(v.dtype) for k, v in tensors.items()},
        'num_batches_tracked': int(m[1].num_batches_tracked),
        'output': out.tolist(),
    }
if readback:
    with open(path('nn_readback.json'), 'w') as f:
        json.dump(readback, f, indent=1)
print('wrote', sorted(os.listdir(ROOT)))
