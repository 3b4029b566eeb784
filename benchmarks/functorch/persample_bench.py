#!/usr/bin/python3
"""functorch anchor for PerSampleReductionsBenchmark: reductions of per-sample gradients of the
peers' MLP (D=128, H=256, O=10, B=1024, float32, cross-entropy), computed the functorch way:
vmap(grad) materializes every per-sample gradient, then norms / clipped sum / dot / projection.
Also the ordinary (non-private) batch gradient. One thread.

Run with Debian's interpreter (PyTorch 1.13 + functorch):
    /usr/bin/python3 benchmarks/functorch/persample_bench.py [--out results.json] [--quick]

For the steady-state anchor (glibc keeping freed memory, as the peers script's 'malloc_tuned'
pass): MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 before the command.

Timing: 3 warm-up calls, then repetitions for about 1.5 s (at least 7, at most 40);
gc disabled while timing; reported values = median ("ms") and minimum ("min_ms") milliseconds
per call, by the wall clock or (--cpu-time) the thread's CPU time.
"""
import argparse
import gc
import json
import math
import statistics
import time

import torch
import torch.nn.functional as F
from functorch import grad, vmap

torch.set_num_threads(1)
torch.manual_seed(0)

D, H, O, B, K = 128, 256, 10, 1024, 1024


CLOCK = time.perf_counter


def median_ms(fn, quick):
    """(median, minimum) milliseconds per call: on a shared machine the minimum is the call least
    disturbed by other processes, compared with JMH's p0.00 (SampleTime mode)."""
    for _ in range(1 if quick else 3):
        fn()
    times = []
    budget = 0.1 if quick else 1.5
    start = time.perf_counter()
    gc.disable()
    try:
        while len(times) < (2 if quick else 7) or (
                time.perf_counter() - start < budget and len(times) < 40):
            t0 = CLOCK()
            fn()
            times.append(CLOCK() - t0)
    finally:
        gc.enable()
    return 1000 * statistics.median(times), 1000 * min(times)


def loss_one(params, x, y):
    w1, b1, w2, b2 = params
    logits = w2 @ torch.relu(w1 @ x + b1) + b2
    return F.cross_entropy(logits.unsqueeze(0), y.unsqueeze(0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip", default="", help="comma-separated workload names to leave out")
    ap.add_argument("--cpu-time", action="store_true",
                    help="time each call by the thread's CPU time (time.thread_time), not the wall"
                         " clock: on a shared machine the wall clock counts waits for a core")
    args = ap.parse_args()
    global CLOCK
    if args.cpu_time:
        CLOCK = time.thread_time

    params = (torch.randn(H, D) / math.sqrt(D), 0.1 * torch.randn(H),
              torch.randn(O, H) / math.sqrt(H), 0.1 * torch.randn(O))
    reference = tuple(torch.randn_like(p) for p in params)
    xs = torch.randn(B, D)
    ys = torch.randint(0, O, (B,))
    per_sample = vmap(grad(loss_one), in_dims=(None, 0, 0))
    proj = [(torch.randn(K, p.shape[0]), torch.randn(K, p.numel() // p.shape[0]))
            if p.dim() >= 2 else (torch.randn(K, p.numel()),) for p in params]

    def norms():
        g = per_sample(params, xs, ys)
        return torch.sqrt(sum(t.reshape(B, -1).pow(2).sum(1) for t in g))

    def clipped_sum():
        g = per_sample(params, xs, ys)
        n = torch.sqrt(sum(t.reshape(B, -1).pow(2).sum(1) for t in g))
        factor = (1.0 / (n + 1e-6)).clamp(max=1.0)
        return [torch.einsum("b,b...->...", factor, t) for t in g]

    def batch_gradient():
        ps = [p.detach().requires_grad_() for p in params]
        logits = F.linear(torch.relu(F.linear(xs, ps[0], ps[1])), ps[2], ps[3])
        return torch.autograd.grad(F.cross_entropy(logits, ys, reduction="sum"), ps)

    def dot():
        g = per_sample(params, xs, ys)
        return sum((t * r).reshape(B, -1).sum(1) for t, r in zip(g, reference))

    def project():
        # row j of the projection restricted to an [M, N] leaf is p_j (x) q_j (Kronecker-factored,
        # as vmap4j's PerSampleGrads.projectionFactors): (Omega g_b)_j = p_j^T G_b q_j, computed
        # from the materialized gradients. einsum is the faster of the two forms tried: a chunked
        # torch.matmul(P, G) * Q took 160 s a call (thread CPU time), einsum 36.5 s (wall clock).
        g = per_sample(params, xs, ys)
        out = torch.zeros(B, K)
        for t, f in zip(g, proj):
            if len(f) == 2:
                out += torch.einsum("km,bmn,kn->bk", f[0], t.reshape(B, f[0].shape[1], -1), f[1])
            else:
                out += t.reshape(B, -1) @ f[0].T
        return out / math.sqrt(K)

    results = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "clock": "thread_time" if args.cpu_time else "perf_counter",
        "shape": {"D": D, "H": H, "O": O, "B": B, "k": K},
        "ms": {},
        "min_ms": {},
    }
    for name, fn in [("norms_vmap_grad", norms), ("clipped_sum_vmap_grad", clipped_sum),
                     ("batch_gradient_autograd", batch_gradient), ("dot_vmap_grad", dot),
                     ("projection_k1024_vmap_grad", project)]:
        if name in args.skip.split(","):
            continue
        results["ms"][name], results["min_ms"][name] = median_ms(fn, args.quick)
        print(f"{name}: median {results['ms'][name]:.2f} ms, min {results['min_ms'][name]:.2f} ms",
              flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
