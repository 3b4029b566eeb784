"""Row 4 of docs/performance.md (per-sample gradients of the logistic loss) in PyTorch's handwritten
closed form, (sigmoid(X w) - y)[:, None] * X, timed by the calling thread's CPU time
(time.thread_time) with one thread, for a machine shared with other busy processes. The data have
the shapes of shared/peers/functorch_bench.py's w4 (B=4096 D=256 and B=65536 D=64, F32). Compare
with org.vmap4j.benchmarks.PerSampleReductionsCpuTime's logistic* workloads, run alternately in the
same sitting. Prints, per size, the median and the minimum milliseconds per call.

Run: /usr/bin/python3 benchmarks/python/row4_logistic_torch_cpu_time.py [calls]
(the peers' figures were taken with glibc told to keep freed memory:
 MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 /usr/bin/python3 ...)
"""
import gc
import math
import statistics
import sys
import time

import torch

torch.set_num_threads(1)


def cpu_ms(fn, calls):
    # warm up for 2 s of this thread's CPU (at least 10 calls): glibc's heap and the caches settle
    start = time.thread_time()
    n = 0
    while n < 10 or time.thread_time() - start < 2.0:
        fn()
        n += 1
    times = []
    gc.disable()
    try:
        for _ in range(calls):
            t0 = time.thread_time()
            fn()
            times.append(time.thread_time() - t0)
    finally:
        gc.enable()
    return 1000 * statistics.median(times), 1000 * min(times)


def main():
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    for b, d in ((4096, 256), (65536, 64)):
        torch.manual_seed(4 + d)
        x = torch.randn(b, d)
        y = (torch.rand(b) > 0.5).float()
        w = torch.randn(d) / math.sqrt(d)
        ref = (torch.sigmoid(x.double() @ w.double()) - y.double())[:, None] * x.double()
        hand = lambda x=x, y=y, w=w: (torch.sigmoid(x @ w) - y)[:, None] * x
        err = (hand().double() - ref).abs().max().item()
        med, best = cpu_ms(hand, calls)
        print(f"torch handwritten B={b} D={d}: thread CPU time per call, median {med:.3f} ms,"
              f" min {best:.3f} ms ({calls} calls), max error vs float64 {err:.1e}")


if __name__ == "__main__":
    main()
