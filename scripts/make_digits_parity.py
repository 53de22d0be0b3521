"""PyTorch's run of the digits example, for nn's parity test (apps/example/test/digits-parity.test.ts).

    /usr/bin/python3 scripts/make_digits_parity.py

Everything random is drawn here, with torch, and nn loads it: the MLP's initial weights (torch's default
nn.Linear init under torch.manual_seed(0)), the train/test split (torch.randperm, PyTorch's random_split
rule for [0.8, 0.2]) and every epoch's batch order. nn then trains from the same weights in the same order,
so its per-epoch losses can be compared with torch's float32 run; the float64 run from the same start
measures how far float32 rounding alone moves the losses (the test's tolerance is built on it).

Writes fixtures/digits-parity/:
  init.npz     the initial state dict (keys 0.weight, 0.bias, 2.weight, 2.bias, as nn's Sequential names them)
  train.npy    int32 [1438]: positions of the training samples in digits() (test: the other 359, test.npy)
  orders.npy   int32 [epochs, 1438]: each epoch's order, as positions within the training subset
  parity.json  the settings, per-epoch and per-batch losses and test accuracies of the float32 and float64 runs,
               and PyTorch's random_split lengths for a few length/fraction cases
"""
import gzip
import json
import os

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "fixtures/digits-parity")
EPOCHS, BATCH, LR = 5, 64, 1e-2

with gzip.open("/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz", "rt") as f:
    rows = np.loadtxt(f, delimiter=",", dtype=np.int64)
X = torch.tensor(rows[:, :64], dtype=torch.float32) / 16  # as the example: pixels 0..16 scaled to [0, 1]
Y = torch.tensor(rows[:, 64], dtype=torch.int64)

g = torch.Generator().manual_seed(0)
train_set, test_set = torch.utils.data.random_split(torch.utils.data.TensorDataset(X, Y), [0.8, 0.2], generator=g)
train = np.array(train_set.indices, dtype=np.int32)
test = np.array(test_set.indices, dtype=np.int32)
orders = np.stack([torch.randperm(len(train), generator=g).numpy().astype(np.int32) for _ in range(EPOCHS)])

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
init = {k: v.detach().clone() for k, v in model.state_dict().items()}


def run(dtype):
    m = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10)).to(dtype)
    m.load_state_dict({k: v.to(dtype) for k, v in init.items()})
    opt = torch.optim.Adam(m.parameters(), lr=LR)
    x, y = X.to(dtype), Y
    epoch_losses, batch_losses, accs = [], [], []
    for e in range(EPOCHS):
        order = torch.from_numpy(train[orders[e]].astype(np.int64))
        total = 0.0
        for b in range(0, len(order), BATCH):
            i = order[b : b + BATCH]
            loss = torch.nn.functional.cross_entropy(m(x[i]), y[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
            batch_losses.append(loss.item())
            total += loss.item() * len(i)  # the epoch's loss: the mean over its samples
        epoch_losses.append(total / len(order))
        with torch.no_grad():
            t = torch.from_numpy(test.astype(np.int64))
            accs.append((m(x[t]).argmax(1) == y[t]).double().mean().item())
    return epoch_losses, batch_losses, accs


l32, b32, a32 = run(torch.float32)
l64, b64, a64 = run(torch.float64)

# PyTorch's random_split lengths (sizes or fractions) for nn's randomSplit test.
split_cases = []
for n, lengths in [(10, [0.5, 0.5]), (10, [0.33, 0.33, 0.34]), (7, [0.1, 0.9]), (1797, [0.8, 0.2]), (5, [0.2, 0.2, 0.2, 0.2, 0.2]), (11, [3, 8]), (4, [0.25, 0.75])]:
    parts = torch.utils.data.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    split_cases.append({"n": n, "lengths": lengths, "sizes": [len(p) for p in parts]})

os.makedirs(OUT, exist_ok=True)
np.savez(os.path.join(OUT, "init.npz"), **{k: v.numpy() for k, v in init.items()})
np.save(os.path.join(OUT, "train.npy"), train)
np.save(os.path.join(OUT, "test.npy"), test)
np.save(os.path.join(OUT, "orders.npy"), orders)
with open(os.path.join(OUT, "parity.json"), "w") as f:
    json.dump(
        {
            "torch": torch.__version__,
            "epochs": EPOCHS, "batch_size": BATCH, "lr": LR,
            "loss_float32": l32, "loss_float64": l64,
            "batch_loss_float32": b32, "batch_loss_float64": b64,
            "test_accuracy_float32": a32, "test_accuracy_float64": a64,
            "random_split": split_cases,
        },
        f,
        indent=1,
    )
    f.write("\n")
print("float32", [f"{v:.6f}" for v in l32], a32)
print("float64", [f"{v:.6f}" for v in l64], a64)
print("max |f32 - f64| per epoch", [abs(a - b) for a, b in zip(l32, l64)])
print("max |f32 - f64| per batch", max(abs(a - b) for a, b in zip(b32, b64)))
print(split_cases)
