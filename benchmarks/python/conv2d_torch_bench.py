#!/usr/bin/python3
"""PyTorch's conv2d on the workload of ConvBenchmark, one thread, for ratios in one sitting.

    /usr/bin/python3 benchmarks/python/conv2d_torch_bench.py

Input [64, 32, 32, 32], weight [32, 32, 3, 3], padding 1, no bias, in float32 (oneDNN) and
float64 (PyTorch's own im2col and BLAS). Prints the median and the minimum of 15 timed calls (after
5 warm-up calls) in milliseconds. With --cpu-time the calls are timed by the process's CPU time
(time.process_time; one thread), the companion of org.vmap4j.benchmarks.ModelsCpuTime conv2d on a
machine shared with other busy processes.
"""
import statistics
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
CLOCK = time.process_time if "--cpu-time" in sys.argv else time.perf_counter
print("clock %s" % CLOCK.__name__)
print("torch %s, mkldnn %s, threads %d" % (
    torch.__version__, torch.backends.mkldnn.is_available(), torch.get_num_threads()))
for dtype in (torch.float32, torch.float64):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 32, 32, 32, generator=g, dtype=dtype)
    w = torch.randn(32, 32, 3, 3, generator=g, dtype=dtype)
    with torch.no_grad():
        for _ in range(5):
            F.conv2d(x, w, padding=1)
        times = []
        for _ in range(15):
            t0 = CLOCK()
            F.conv2d(x, w, padding=1)
            times.append((CLOCK() - t0) * 1e3)
    print("conv2d %s [64,32,32,32] * [32,32,3,3] pad 1: median %.2f ms, min %.2f ms" % (
        str(dtype).replace("torch.", ""), statistics.median(times), min(times)))
