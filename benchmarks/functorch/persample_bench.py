#!/usr/bin/python3
"""functorch anchor for PerSampleReductionsBenchmark: reductions of per-sample gradients of the
peers' MLP (D=128, H=256, O=10, B=1024, float32, cross-entropy), computed the functorch way:
vmap(grad) materializes every per-sample gradient, then norms / clipped sum / dot / projection.
Also the ordinary (non-private) batch gradient. One thread.

Run with Debian's interpreter (PyTorch 1.13 + functorch):
    /usr/bin/python3 benchmarks/functorch/persample_bench.py [--out results.json] [--quick]

For the steady-state anchor (glibc keeping freed memory, as the peers script's 'malloc_tuned'
pass): MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 before the command.

With --models, the same reductions (and the batch gradient) of issue 17's CNN (3x32x32, B=256)
and transformer block (sequence 32, width 128, 4 heads, B=64) instead, the torch models of
benchmarks/python/models_per_sample_torch_bench.py; the companion of
org.vmap4j.benchmarks.ModelsPerSampleReductionsBenchmark. With --cpu-time, calls are timed by the
thread's CPU time (time.thread_time), for a machine shared with other busy processes.

Timing: 3 warm-up calls, then repetitions for about 1.5 s (at least 7, at most 40);
gc disabled while timing; reported values = median ("ms") and minimum ("min_ms") milliseconds
per call, by the wall clock or (--cpu-time) the thread's CPU time.
"""
import argparse
import gc
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from functorch import grad, vmap

torch.set_num_threads(1)
torch.manual_seed(0)

D, H, O, B, K = 128, 256, 10, 1024, 1024
CLOCK = time.thread_time if "--cpu-time" in sys.argv else time.perf_counter


def median_ms(fn, quick):
    """(median, minimum) milliseconds per call: on a shared machine the minimum is the call least
    disturbed by other processes, compared with JMH's p0.00 (SampleTime mode)."""
    for _ in range(1 if quick else 3):
        fn()
    times = []
    budget = 0.1 if quick else 1.5
    start = CLOCK()
    gc.disable()
    try:
        while len(times) < (2 if quick else 7) or (
                CLOCK() - start < budget and len(times) < 40):
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


def model_workloads(name, model, xs, ys):
    """The reductions of vmap(grad) of a torch module's per-example cross-entropy, as in main()."""
    from torch.nn.utils.stateless import functional_call
    names = [n for n, _ in model.named_parameters()]
    params = {n: p.detach() for n, p in model.named_parameters()}
    reference = {n: torch.randn_like(p) for n, p in params.items()}
    b = xs.shape[0]

    def loss(p, x, y):
        return F.cross_entropy(functional_call(model, p, (x.unsqueeze(0),)), y.unsqueeze(0))

    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))
    proj = {n: (torch.randn(K, p.shape[0]), torch.randn(K, p.numel() // p.shape[0]))
            if p.dim() >= 2 else (torch.randn(K, p.numel()),) for n, p in params.items()}

    def sq_norms(g):
        return sum(g[n].reshape(b, -1).pow(2).sum(1) for n in names)

    def norms():
        return torch.sqrt(sq_norms(per_sample(params, xs, ys)))

    def clipped_sum():
        g = per_sample(params, xs, ys)
        factor = (1.0 / (torch.sqrt(sq_norms(g)) + 1e-6)).clamp(max=1.0)
        return [torch.einsum("b,b...->...", factor, g[n]) for n in names]

    def batch_gradient():
        ps = {n: p.detach().requires_grad_() for n, p in params.items()}
        out = functional_call(model, ps, (xs,))
        return torch.autograd.grad(F.cross_entropy(out, ys, reduction="sum"), list(ps.values()))

    def forward():
        # the summed batch loss alone: a floor for any per-sample reduction
        with torch.no_grad():
            return F.cross_entropy(functional_call(model, params, (xs,)), ys, reduction="sum")

    def dot():
        g = per_sample(params, xs, ys)
        return sum((g[n] * reference[n]).reshape(b, -1).sum(1) for n in names)

    def project():
        g = per_sample(params, xs, ys)
        out = torch.zeros(b, K)
        for n in names:
            f, t = proj[n], g[n]
            if len(f) == 2:
                out += torch.einsum("km,bmn,kn->bk", f[0], t.reshape(b, f[0].shape[1], -1), f[1])
            else:
                out += t.reshape(b, -1) @ f[0].T
        return out / math.sqrt(K)

    return [(name + "_forward", forward),
            (name + "_per_sample_grads", lambda: per_sample(params, xs, ys)),
            (name + "_norms", norms), (name + "_clipped_sum", clipped_sum),
            (name + "_batch_gradient", batch_gradient), (name + "_dot", dot),
            (name + "_project_k1024", project)]


def models():
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    import models_per_sample_torch_bench as m
    cnn = m.Cnn().train()
    block = m.Block().train()
    return (model_workloads("cnn", cnn, torch.randn(256, 3, 32, 32), torch.randint(0, 10, (256,)))
            + model_workloads("transformer", block, torch.randn(64, 32, 128),
                              torch.randint(0, 10, (64,))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--models", action="store_true", help="issue 17's CNN and transformer block")
    ap.add_argument("--cpu-time", action="store_true", help="time by the thread's CPU time")
    ap.add_argument("--skip", default="", help="comma-separated workload names to leave out")
    args = ap.parse_args()
    if args.models:
        results = {"torch": torch.__version__, "threads": torch.get_num_threads(),
                   "clock": CLOCK.__name__, "ms": {}, "min_ms": {}}
        for name, fn in models():
            if name in args.skip.split(","):
                continue
            results["ms"][name], results["min_ms"][name] = median_ms(fn, args.quick)
            print(f"{name}: median {results['ms'][name]:.2f} ms, "
                  f"min {results['min_ms'][name]:.2f} ms", flush=True)
        if args.out:
            with open(args.out, "w") as f:
                json.dump(results, f, indent=1)
        return

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
