"""PyTorch and NumPy runs of the nn benchmark workloads (W1-W4, W5 autograd, W6 on PyTorch).

Called by apps/bench (src/python.ts) as
    python3 peers.py DATA_DIR JSON_SPEC
where DATA_DIR holds the shared inputs as .npy files and JSON_SPEC lists the
runs. Prints one JSON object on stdout. One thread each, float32, the loss
read back every step as the original program does with .item().
"""
import json
import os
import statistics
import sys
import time

import numpy as np


def blas_info():
    """Which BLAS library and core OpenBLAS picked, read from this process's mappings."""
    libs = sorted({line.split()[-1] for line in open('/proc/self/maps') if 'blas' in line.split()[-1]})
    info = {'libraries': libs}
    for path in libs:
        if 'libopenblas' in path:
            import ctypes
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            info['openblas_core'] = lib.openblas_get_corename().decode()
            info['openblas_config'] = lib.openblas_get_config().decode()
            info['openblas_threads'] = lib.openblas_get_num_threads()
    return info


def load(data, name):
    return np.load(os.path.join(data, name + '.npy'))


def timed(fn, reps):
    """Run fn reps times; returns (best s, median s, last result)."""
    times, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), out


# ---------------------------------------------------------------- PyTorch

def torch_manual(x, y, ws, lr, steps):
    """The seed loop with hand-written backprop, for any number of weights.

    Two weights are the seed program; three add the second ReLU layer. Each
    step: h_i = a_i.mm(w_i), a_(i+1) = h_i.clamp(min=0); then, last layer
    first, grad_w_i = a_i.t().mm(grad) and grad = grad.mm(w_i.t()) with
    grad[h_(i-1) < 0] = 0. Returns the loss of every step.
    """
    ws = [w.clone() for w in ws]
    losses = []
    for _ in range(steps):
        hs, acts = [], [x]
        for w in ws[:-1]:
            h = acts[-1].mm(w)
            hs.append(h)
            acts.append(h.clamp(min=0))
        y_pred = acts[-1].mm(ws[-1])
        losses.append((y_pred - y).pow(2).sum().item())
        grad = 2.0 * (y_pred - y)
        grads = [None] * len(ws)
        for i in range(len(ws) - 1, -1, -1):
            grads[i] = acts[i].t().mm(grad)
            if i > 0:
                grad = grad.mm(ws[i].t())
                grad[hs[i - 1] < 0] = 0
        for w, g in zip(ws, grads):
            w -= lr * g
    return losses


def torch_autograd(torch, x, y, w1, w2, lr, steps):
    w1 = w1.clone().requires_grad_(True)
    w2 = w2.clone().requires_grad_(True)
    losses = []
    for _ in range(steps):
        loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w1 -= lr * w1.grad
            w2 -= lr * w2.grad
            w1.grad = None
            w2.grad = None
    return losses


def torch_digits(torch, x, y, order, init, lr, steps, batch):
    """W6: one epoch of the digits MLP (64 -> 64 -> 10, ReLU, CrossEntropyLoss, Adam).

    The same initial weights and batch order as nn; each batch gathered by index
    from the train split, the loss read back every step. Returns the losses.
    """
    nn = torch.nn
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    with torch.no_grad():
        for p, a in zip(model.parameters(), init):
            p.copy_(a)
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for b in range(steps):
        idx = order[b * batch:(b + 1) * batch]
        loss = loss_fn(model(x[idx]), y[idx])
        losses.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return losses


# ---------------------------------------------------------------- NumPy

def np_manual(x, y, ws, lr, steps):
    """torch_manual in NumPy, float32 throughout."""
    ws = [w.copy() for w in ws]
    lr = np.float32(lr)
    losses = []
    for _ in range(steps):
        hs, acts = [], [x]
        for w in ws[:-1]:
            h = acts[-1].dot(w)
            hs.append(h)
            acts.append(np.maximum(h, 0))
        y_pred = acts[-1].dot(ws[-1])
        losses.append(float(np.square(y_pred - y).sum()))
        grad = np.float32(2.0) * (y_pred - y)
        grads = [None] * len(ws)
        for i in range(len(ws) - 1, -1, -1):
            grads[i] = acts[i].T.dot(grad)
            if i > 0:
                grad = grad.dot(ws[i].T)
                grad[hs[i - 1] < 0] = 0
        for w, g in zip(ws, grads):
            w -= lr * g
    return losses


def main():
    data, spec = sys.argv[1], json.loads(sys.argv[2])
    out = {'python': sys.version.split()[0], 'numpy': np.__version__, 'runs': [], 'skipped': {}}
    try:
        import torch
        torch.set_num_threads(1)
        out['torch'] = torch.__version__
    except Exception as e:  # noqa: BLE001 - any import failure means "skip PyTorch, say why"
        torch = None
        out['skipped']['pytorch'] = f'import torch failed: {e}'
    for run in spec['runs']:
        peer, w, reps = run['peer'], run['workload'], run['reps']
        if peer == 'pytorch' and torch is None:
            continue
        # One warm-up run of a few steps, then the timed runs.
        if w in ('W1', 'W2', 'W3', 'W5-autograd'):
            names = ['x', 'y', 'w1', 'w2'] + (['w3'] if w == 'W2' else [])
            prefix = {'W1': 'w1_', 'W5-autograd': 'w1_', 'W2': 'w2_', 'W3': 'w3_'}[w]
            arrays = [load(data, prefix + n) for n in names]
            steps, lr = run['steps'], run['lr']
            if peer == 'pytorch':
                x, y, *ws = [torch.from_numpy(a) for a in arrays]
                if w == 'W5-autograd':
                    call = lambda s: torch_autograd(torch, x, y, *ws, lr, s)  # noqa: E731
                else:
                    call = lambda s: torch_manual(x, y, ws, lr, s)  # noqa: E731
            else:
                x, y, *ws = arrays
                call = lambda s: np_manual(x, y, ws, lr, s)  # noqa: E731
            call(min(steps, 3))
            best, median, losses = timed(lambda: call(steps), reps)
            out['runs'].append({'peer': peer, 'workload': w, 'steps': steps, 'best': best, 'median': median, 'losses': losses})
        elif w == 'W6':
            x = torch.from_numpy(load(data, 'w6_x'))
            y = torch.from_numpy(load(data, 'w6_y')).long()
            order = torch.from_numpy(load(data, 'w6_order')).long()
            init = [torch.from_numpy(load(data, 'w6_' + n)) for n in ('w1', 'b1', 'w2', 'b2')]
            steps, lr = run['steps'], run['lr']
            call = lambda s: torch_digits(torch, x, y, order, init, lr, s, run['batch'])  # noqa: E731
            call(steps)  # a whole warm-up epoch, as the other peers
            best, median, losses = timed(lambda: call(steps), reps)
            out['runs'].append({'peer': peer, 'workload': w, 'steps': steps, 'best': best, 'median': median, 'losses': losses})
        elif w == 'W4':
            a, b = load(data, 'w4_a'), load(data, 'w4_b')
            if peer == 'pytorch':
                ta, tb = torch.from_numpy(a), torch.from_numpy(b)
                call = lambda: ta.mm(tb)  # noqa: E731
                check = lambda c: float(c.double().pow(2).sum())  # noqa: E731
            else:
                call = lambda: a.dot(b)  # noqa: E731
                check = lambda c: float(np.square(c.astype(np.float64)).sum())  # noqa: E731
            call()
            best, median, c = timed(call, reps)
            out['runs'].append({'peer': peer, 'workload': w, 'steps': 1, 'best': best, 'median': median, 'losses': [check(c)]})
    out['blas'] = blas_info()
    print(json.dumps(out))


if __name__ == '__main__':
    main()
