#!/usr/bin/python3
"""functorch's per-sample gradients vmap(grad) of LstmPerSampleGradBenchmark's LSTM classifier.

    /usr/bin/python3 benchmarks/python/lstm_per_sample_torch_bench.py

One thread, float64 and float32, the shapes of the Java benchmark: B = 256 sequences of T = 32
steps, input 32, hidden 64, PyTorch's gate order (input, forget, cell, output), a linear head to 10
classes on the last hidden state, cross-entropy. The LSTM is a hand-written loop over time (functorch
cannot vmap through torch.nn.LSTM's fused kernel); it is checked once against torch.nn.LSTM.
Timing as models_per_sample_torch_bench.py: warm-up calls, then timed calls (time.perf_counter, gc
off); prints the median and the minimum in milliseconds, and the median of the calling thread's CPU
time (time.thread_time: on a loaded shared machine the wall time mostly measures the load; with one
torch thread all the work is on the calling thread).
"""
import gc
import statistics
import time

import torch
import torch.nn.functional as F
from functorch import grad, vmap

torch.set_num_threads(1)
torch.manual_seed(0)

B, T, I, H, C = 256, 32, 32, 64, 10


def loss(p, seq, label):
    h = seq.new_zeros(H)
    c = seq.new_zeros(H)
    for t in range(T):
        gates = p["w_ih"] @ seq[t] + p["b_ih"] + p["w_hh"] @ h + p["b_hh"]
        i, f, g, o = gates.chunk(4)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g
        h = o * torch.tanh(c)
    logits = p["w_out"] @ h + p["b_out"]
    return F.cross_entropy(logits.unsqueeze(0), label.unsqueeze(0))


def setup(dtype):
    lstm = torch.nn.LSTM(I, H).to(dtype)
    head = torch.nn.Linear(H, C).to(dtype)
    p = {
        "w_ih": lstm.weight_ih_l0.detach(), "w_hh": lstm.weight_hh_l0.detach(),
        "b_ih": lstm.bias_ih_l0.detach(), "b_hh": lstm.bias_hh_l0.detach(),
        "w_out": head.weight.detach(), "b_out": head.bias.detach(),
    }
    seqs = torch.randn(B, T, I, dtype=dtype)
    labels = torch.arange(B) * 7 % C
    # the hand-written loop is torch.nn.LSTM's computation
    with torch.no_grad():
        _, (h_n, _) = lstm(seqs[0].unsqueeze(1))
        expected = F.cross_entropy(head(h_n[0]), labels[:1])
    tol = 1e-12 if dtype == torch.float64 else 1e-5
    assert abs(float(expected - loss(p, seqs[0], labels[0]))) < tol
    return p, seqs, labels


def bench(name, f, warmup=3, reps=10):
    for _ in range(warmup):
        f()
    gc.disable()
    times = []
    cpu = []
    for _ in range(reps):
        t0 = time.perf_counter()
        c0 = time.thread_time()
        f()
        cpu.append((time.thread_time() - c0) * 1e3)
        times.append((time.perf_counter() - t0) * 1e3)
    gc.enable()
    print("%-8s median %8.1f ms   min %8.1f ms   cpu median %8.1f ms   (%d calls)"
          % (name, statistics.median(times), min(times), statistics.median(cpu), reps))


if __name__ == "__main__":
    print("torch %s, threads %d, B=%d T=%d I=%d H=%d classes=%d" % (torch.__version__, torch.get_num_threads(), B, T, I, H, C))
    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))
    for dtype, name in ((torch.float64, "F64"), (torch.float32, "F32")):
        p, seqs, labels = setup(dtype)
        g = per_sample(p, seqs, labels)
        assert g["w_hh"].shape == (B, 4 * H, H)
        bench(name, lambda: per_sample(p, seqs, labels))
