#!/usr/bin/python3
"""functorch's per-sample gradients vmap(grad) of ModelsPerSampleGradBenchmark's two models.

    /usr/bin/python3 benchmarks/python/models_per_sample_torch_bench.py

One thread, float32, the models of the Java benchmark (written here from its description):
* cnn: conv(3->4, 3x3, pad 1), GroupNorm(2, 4), ReLU, max-pool 2, conv(4->8), GroupNorm(2, 8),
  ReLU, max-pool 2, linear(512->10), cross-entropy; 3x32x32 images, B = 256.
* transformer: nn.TransformerEncoderLayer(128, 4, 512, dropout 0, GELU, post-norm) on a sequence of
  32, mean-pool, linear(128->10), cross-entropy; B = 64.
Timing as ../shared/peers/functorch_bench.py does it, simplified: warm-up calls, then timed calls
(time.perf_counter, gc off); prints the median and the minimum in milliseconds. With --cpu-time the
calls are timed by the process's CPU time (time.process_time; one thread), the companion of
org.vmap4j.benchmarks.ModelsCpuTime on a machine shared with other busy processes.
"""
import gc
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from functorch import grad, vmap
from torch.nn.utils.stateless import functional_call

torch.set_num_threads(1)
torch.manual_seed(0)


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.norm1 = nn.GroupNorm(2, 4)
        self.conv2 = nn.Conv2d(4, 8, 3, padding=1)
        self.norm2 = nn.GroupNorm(2, 8)
        self.fc = nn.Linear(512, 10)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.norm1(self.conv1(x))), 2)
        h = F.max_pool2d(F.relu(self.norm2(self.conv2(h))), 2)
        return self.fc(h.flatten(1))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0, activation="gelu", batch_first=True)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc(self.encoder(x).mean(1))


def per_sample(model):
    params = {n: p.detach() for n, p in model.named_parameters()}

    def loss(p, x, y):
        return F.cross_entropy(functional_call(model, p, (x.unsqueeze(0),)), y.unsqueeze(0))

    f = vmap(grad(loss), in_dims=(None, 0, 0))
    return lambda x, y: f(params, x, y)


CLOCK = time.process_time if "--cpu-time" in sys.argv else time.perf_counter


def bench(name, f, x, y, warmup=3, reps=10):
    for _ in range(warmup):
        f(x, y)
    gc.disable()
    times = []
    for _ in range(reps):
        t0 = CLOCK()
        f(x, y)
        times.append((CLOCK() - t0) * 1e3)
    gc.enable()
    print("%-12s median %8.1f ms   min %8.1f ms   (%d calls)" % (name, statistics.median(times), min(times), reps))


if __name__ == "__main__":
    print("torch %s, threads %d, clock %s" % (
        torch.__version__, torch.get_num_threads(), CLOCK.__name__))
    cnn = Cnn().train()  # train mode: no fused inference path; no dropout anywhere
    bench("cnn", per_sample(cnn), torch.randn(256, 3, 32, 32), torch.randint(0, 10, (256,)))
    block = Block().train()
    bench("transformer", per_sample(block), torch.randn(64, 32, 128), torch.randint(0, 10, (64,)))
