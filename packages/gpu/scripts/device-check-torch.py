"""PyTorch float32 beside nn's device check, on the same machine: matmul GFLOP/s at the
same sizes (TF32 off, so both are true float32) and the bench's loops W1/W2/W3 with the
same hand-written steps, losses read at the same steps, the first step timed apart, on
CUDA; then the loops (fewer steps) and matmul on the CPU for scale. The loops start from
nn's own seeded inputs where device-check.mjs --dump wrote them ($DEVCHECK_DATA), so
the losses compare with nn's; else from torch.randn.
Env: SIZES, STEPS, W3STEPS, LOOPS, TORCH_CPU_STEPS, TORCH_CPU_W3STEPS, DEVCHECK_DATA, OUT."""
import json, os, sys, time

out = os.environ.get("OUT", ".")
os.makedirs(out, exist_ok=True)
env = lambda k, d: os.environ.get(k) or d
sizes = [int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else env("SIZES", "1024,2048,4096")).split(",") if s]
steps = int(env("STEPS", "500"))
w3steps = int(env("W3STEPS", "50"))
cpu_steps = int(env("TORCH_CPU_STEPS", str(steps)))
cpu_w3steps = int(env("TORCH_CPU_W3STEPS", "10"))
loop_names = [s for s in env("LOOPS", "W1,W2,W3").split(",") if s]
data_dir = env("DEVCHECK_DATA", "/tmp/device-check-data")
# The bench's loops (apps/bench/src/workloads.ts): N, layer widths; lr.
LOOPS = {"W1": ([64, 1000, 100, 10], 1e-6), "W2": ([64, 1000, 100, 100, 10], 1e-8), "W3": ([512, 4096, 1024, 64], 1e-9)}
res = {"ok": False, "sizes": sizes, "steps": steps, "w3steps": w3steps, "cpuSteps": cpu_steps, "cpuW3Steps": cpu_w3steps}
say = lambda *m: print("[device-check torch]", *m, flush=True)


def flops(s):
    return sum(2 * s[0] * s[i] * s[i + 1] * (2 if i == 1 else 3) for i in range(1, len(s) - 1))


def log_every(n):
    return 100 if n >= 200 else 10


def matmul_rate(torch, dev, n, sync, budget_ms=300):
    try:
        g = torch.Generator(device=dev).manual_seed(n)
        a = torch.randn(n, n, device=dev, generator=g); b = torch.randn(n, n, device=dev, generator=g)
        a @ b; sync()
        reps = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(reps): c = a @ b
            sync(); ms = (time.perf_counter() - t0) * 1e3
            if ms > budget_ms or reps >= 8192: break
            reps *= 2
        return {"n": n, "reps": reps, "ms": round(ms, 2), "gflops": round(2 * n**3 * reps / (ms / 1e3) / 1e9, 1)}
    except Exception as e:  # a refusal (memory) is a row, not a crash
        return {"n": n, "refused": True, "error": repr(e)[:400]}


def inputs(torch, dev, name):
    s, _ = LOOPS[name]
    path = os.path.join(data_dir, name + ".f32")
    shapes = [[s[0], s[1]], [s[0], s[-1]]] + [[s[i], s[i + 1]] for i in range(1, len(s) - 1)]
    if os.path.exists(path):
        flat = torch.frombuffer(bytearray(open(path, "rb").read()), dtype=torch.float32)
        ts, o = [], 0
        for sh in shapes:
            k = sh[0] * sh[1]; ts.append(flat[o:o + k].reshape(sh).clone().to(dev)); o += k
        return ts, "nn's seeded inputs (" + path + ")"
    torch.manual_seed(0)
    return [torch.randn(*sh, device=dev) for sh in shapes], "torch.randn (no " + path + ")"


def loop(torch, dev, name, n, sync):
    """The seed program's step, two or three layers: relu after every layer but the last, grad_h[h < 0] = 0."""
    s, lr = LOOPS[name]
    (x, y, *w), source = inputs(torch, dev, name)
    every = log_every(n)
    if dev == "cuda": torch.cuda.reset_peak_memory_stats()
    losses, first_ms = [], 0.0
    sync(); t0 = time.perf_counter()
    for t in range(n):
        hs, outs, out = [], [x], x
        for i, wi in enumerate(w):
            h = out.mm(wi)
            if i < len(w) - 1:
                hs.append(h); out = h.clamp(min=0); outs.append(out)
            else:
                out = h
        loss = (out - y).pow(2).sum()
        if t % every == every - 1:
            losses.append([t, loss.item()])
        g = 2.0 * (out - y)
        grads = [None] * len(w)
        for i in range(len(w) - 1, -1, -1):
            grads[i] = outs[i].t().mm(g)
            if i > 0:
                gh = g.mm(w[i].t()).clone(); gh[hs[i - 1] < 0] = 0; g = gh
        for wi, gi in zip(w, grads): wi -= lr * gi
        if t == 0:
            sync(); first_ms = (time.perf_counter() - t0) * 1e3
    sync(); ms = (time.perf_counter() - t0) * 1e3
    r = {"name": name, "steps": n, "inputs": source, "ms": round(ms, 1), "firstStepMs": round(first_ms, 2),
         "msAfterFirst": round(ms - first_ms, 1), "msPerStepAfterFirst": round((ms - first_ms) / max(n - 1, 1), 4),
         "gflopsAfterFirst": round(flops(s) * (n - 1) / ((ms - first_ms) / 1e3) / 1e9, 1) if n > 1 else None,
         "losses": losses}
    if dev == "cuda": r["peakBytes"] = torch.cuda.max_memory_allocated()
    say(f"{dev} {name}: {n} steps in {ms:.0f} ms (first {first_ms:.1f} ms, then {r['msPerStepAfterFirst']} ms/step); losses {losses}")
    return r


try:
    import torch
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    res.update(torch=torch.__version__, cuda=torch.cuda.is_available(), cpuThreads=torch.get_num_threads())
    runs = []
    if torch.cuda.is_available():
        res["name"] = torch.cuda.get_device_name(0)
        runs.append(("cuda", torch.cuda.synchronize, steps, w3steps))
    runs.append(("cpu", lambda: None, cpu_steps, cpu_w3steps))
    for dev, sync, n, n3 in runs:
        part = res.setdefault(dev, {"matmul": [], "loops": {}})
        for size in sizes:
            row = matmul_rate(torch, dev, size, sync)
            part["matmul"].append(row)
            say(f"{dev} matmul {size}: {row.get('gflops', 'refused')} GFLOP/s")
        for name in loop_names:
            k = n3 if name == "W3" else n
            if k > 0:
                try:
                    part["loops"][name] = loop(torch, dev, name, k, sync)
                except Exception as e:
                    part["loops"][name] = {"name": name, "error": repr(e)[:400]}
                    say(f"{dev} {name} FAILED: {e!r}")
                json.dump(res, open(os.path.join(out, "device-check-torch.json"), "w"), indent=2)
        json.dump(res, open(os.path.join(out, "device-check-torch.json"), "w"), indent=2)
    res["ok"] = True
except Exception as e:  # the check reports, it never hides a failure
    res["error"] = repr(e)
    say(f"FAILED: {e!r}")
json.dump(res, open(os.path.join(out, "device-check-torch.json"), "w"), indent=2)
