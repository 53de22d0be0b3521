"""PyTorch float32 baseline beside @nn/gpu's device check: the same matmul sizes
(TF32 off, so both are true float32) and the seed program's 500-step loop, on CUDA."""
import json, os, sys, time

out = os.environ.get("OUT", ".")
sizes = [int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "256,512,1024,2048").split(",")]
res = {"ok": False}
try:
    import torch
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    torch.backends.cuda.matmul.allow_tf32 = False
    res.update(torch=torch.__version__, device=dev, name=torch.cuda.get_device_name(0) if dev == "cuda" else "cpu")
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    res["matmul"] = []
    for n in sizes:
        a = torch.randn(n, n, device=dev); b = torch.randn(n, n, device=dev)
        a @ b; sync()
        reps = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(reps): c = a @ b
            sync(); ms = (time.perf_counter() - t0) * 1e3
            if ms > 300 or reps >= 8192: break
            reps *= 2
        res["matmul"].append({"n": n, "reps": reps, "ms": round(ms, 2), "gflops": round(2 * n**3 * reps / (ms / 1e3) / 1e9, 1)})
        print(f"[device-check torch] matmul {n}: {res['matmul'][-1]['gflops']} GFLOP/s", flush=True)
    torch.manual_seed(0)
    x = torch.randn(64, 1000, device=dev); y = torch.randn(64, 10, device=dev)
    w1 = torch.randn(1000, 100, device=dev); w2 = torch.randn(100, 10, device=dev)
    sync(); t0 = time.perf_counter()
    for t in range(500):
        h = x.mm(w1); h_relu = h.clamp(min=0); y_pred = h_relu.mm(w2)
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99: print(f"[device-check torch] {t} {loss.item()}", flush=True)
        grad_y_pred = 2.0 * (y_pred - y); grad_w2 = h_relu.t().mm(grad_y_pred)
        grad_h = grad_y_pred.mm(w2.t()).clone(); grad_h[h < 0] = 0; grad_w1 = x.t().mm(grad_h)
        w1 -= 1e-6 * grad_w1; w2 -= 1e-6 * grad_w2
    sync(); ms = (time.perf_counter() - t0) * 1e3
    res["seedLoop"] = {"steps": 500, "ms": round(ms, 1), "msPerStep": round(ms / 500, 3)}
    print(f"[device-check torch] seed loop: 500 steps in {ms:.0f} ms", flush=True)
    res["ok"] = True
except Exception as e:  # the check reports, it never hides a failure
    res["error"] = repr(e)
    print(f"[device-check torch] FAILED: {e!r}", flush=True)
os.makedirs(out, exist_ok=True)
json.dump(res, open(os.path.join(out, "device-check-torch.json"), "w"), indent=2)
