#!/usr/bin/env python3
"""PyTorch on the same GPU, for the rows of gpu/scripts/device-check.sh's benchmark.

Run on the GPU machine (its image has torch 2.11 with torch.func):
    python3 gpu/scripts/torch_compare.py
Rows: device-to-device copy and a fused x*y+x (torch.compile if it works, else eager) bandwidth;
FP32 matmul 4096^3 with TF32 off; per-sample gradients (torch.func.vmap(grad)) of logistic
regression (B=65536, D=256) and of the peers' MLP (D=128, H=256, O=10, B=4096), each both with
data already on the GPU and host-to-host (copies included, as vmap4j's jit rows are measured).
Times are medians of CUDA-event timings.
"""
import statistics

import torch
from torch.func import grad, vmap

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = torch.device("cuda")


def event_ms(fn, reps=10):
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times)


rows = []

n = 64 << 20
x = torch.ones(n, device=dev)
y = torch.full((n,), 2.0, device=dev)
out = torch.empty_like(x)
copy_ms = event_ms(lambda: out.copy_(x), 20)
copy_gbs = 2 * 4 * n / copy_ms / 1e6
rows.append(("device-to-device copy (256 MiB)", f"{copy_gbs:10.1f} GB/s"))


def fused_eager():
    torch.addcmul(x, x, y, out=out)  # x + x*y in one kernel


fused_ms = event_ms(fused_eager, 20)
rows.append(("x*y+x f32 (addcmul, one kernel)", f"{3 * 4 * n / fused_ms / 1e6:10.1f} GB/s"))

a = torch.randn(4096, 4096, device=dev)
b = torch.randn(4096, 4096, device=dev)
mm_ms = event_ms(lambda: torch.mm(a, b), 5)
rows.append(("torch.mm 4096^3 fp32, TF32 off", f"{mm_ms:10.2f} ms  {2 * 4096**3 / mm_ms / 1e9:.1f} TFLOP/s"))


def logistic_loss(w, x, y):
    p = torch.sigmoid(x @ w)
    return -(y * torch.log(p) + (1 - y) * torch.log1p(-p))


per_sample_logistic = vmap(grad(logistic_loss), in_dims=(None, 0, 0))
g = torch.Generator().manual_seed(0)
w = (torch.randn(256, generator=g) * 0.1).to(dev)
xs_host = torch.randn(65536, 256, generator=g).pin_memory()
ys_host = (torch.rand(65536, generator=g) > 0.5).float().pin_memory()
xs, ys = xs_host.to(dev), ys_host.to(dev)
ms = event_ms(lambda: per_sample_logistic(w, xs, ys))
host_ms = event_ms(lambda: per_sample_logistic(w, xs_host.to(dev), ys_host.to(dev)).cpu())
rows.append(("logistic per-sample grads B=65536 D=256", f"{ms:10.2f} ms on device, {host_ms:.2f} ms host-to-host"))


def mlp_loss(params, x, t):
    w1, b1, w2, b2 = params
    h = torch.relu(w1 @ x + b1)
    logits = w2 @ h + b2
    return torch.logsumexp(logits, 0) - (logits * t).sum()


params = tuple(
    p.to(dev)
    for p in (
        torch.randn(256, 128, generator=g) / 128**0.5,
        torch.randn(256, generator=g) * 0.1,
        torch.randn(10, 256, generator=g) / 256**0.5,
        torch.randn(10, generator=g) * 0.1,
    )
)
xm_host = torch.randn(4096, 128, generator=g).pin_memory()
tm_host = torch.nn.functional.one_hot(torch.randint(0, 10, (4096,), generator=g), 10).float().pin_memory()
xm, tm = xm_host.to(dev), tm_host.to(dev)
per_sample_mlp = vmap(grad(mlp_loss), in_dims=(None, 0, 0))
ms = event_ms(lambda: per_sample_mlp(params, xm, tm))
host_ms = event_ms(lambda: [p.cpu() for p in per_sample_mlp(params, xm_host.to(dev), tm_host.to(dev))])
rows.append(("MLP per-sample grads B=4096", f"{ms:10.2f} ms on device, {host_ms:.2f} ms host-to-host"))

print(f"---- torch {torch.__version__} on {torch.cuda.get_device_name(0)}")
for name, value in rows:
    print(f"{name:44s} {value}")
