#!/usr/bin/python3
"""Reference values for vmap4j's convolution and pooling, computed by PyTorch 1.13 + functorch.

Run from the repository root with Debian's interpreter (python3-torch 1.13 ships functorch):

    /usr/bin/python3 nn/src/test/python/generate_conv_fixtures.py [--digits PATH] [--check]

Writes nn/src/test/resources/org/vmap4j/nn/conv_cases.json (float64 throughout, no timestamps,
deterministic: every case seeds its own generator from crc32(name)). The Java build never runs
Python; the file is committed. --check regenerates in memory and exits 1 if the file differs.

Two kinds of cases:

* "functional": one torch.nn.functional call (conv1d, conv2d, conv3d, max_pool2d, avg_pool2d,
  adaptive_avg_pool2d) with its keyword arguments, its tensor inputs, a cotangent "u" shaped like
  the result, and the outputs: "y" the result, and "grad_<input>" = d/d<input> of sum(y * u) for
  every tensor input, by torch.autograd.grad.
* "cnn": per-sample gradients vmap(grad(loss)) over a batch of 8x8 digits (from scikit-learn's
  digits set, the rows of /work/shared/data/digits.csv.gz) of
  conv(1->4, 3x3, pad 1) -> relu -> max_pool 2 -> conv(4->8, 3x3, pad 1) -> relu -> max_pool 2
  -> flatten -> linear (a plain matmul) -> cross-entropy, with the logits and losses per example.
  Self-check: functorch's per-sample gradients must equal a loop of torch.autograd.grad
  (generation aborts otherwise). Background pixels are exactly zero, so many max-pool windows
  hold ties (equal bias-only activations): the first maximum gets the gradient in PyTorch.
"""

import argparse
import gzip
import json
import os
import sys
import zlib

import torch
import torch.nn.functional as F
from functorch import grad, vmap

torch.set_default_dtype(torch.float64)

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
OUT_FILE = os.path.join(
    REPO_ROOT, "nn", "src", "test", "resources", "org", "vmap4j", "nn", "conv_cases.json")


def gen(name):
    g = torch.Generator()
    g.manual_seed(zlib.crc32(name.encode()))
    return g


def randn(g, *shape):
    return torch.randn(*shape, generator=g, dtype=torch.float64)


def enc(t):
    t = t.detach().to(torch.float64).contiguous()
    return {"shape": list(t.shape), "data": [float(v) + 0.0 for v in t.reshape(-1).tolist()]}


FUNCTIONS = {
    "conv1d": F.conv1d,
    "conv2d": F.conv2d,
    "conv3d": F.conv3d,
    "max_pool2d": F.max_pool2d,
    "avg_pool2d": F.avg_pool2d,
    "adaptive_avg_pool2d": F.adaptive_avg_pool2d,
}


def functional_case(name, fn, tensors, kwargs):
    """tensors: ordered dict name -> tensor (the positional arguments, None for a missing bias)."""
    g = gen(name)
    leaves = {k: v.clone().requires_grad_(True) for k, v in tensors.items() if v is not None}
    args = [leaves.get(k) for k in tensors]
    y = FUNCTIONS[fn](*args, **kwargs)
    u = randn(g, *y.shape)
    grads = torch.autograd.grad((y * u).sum(), list(leaves.values()))
    outputs = {"y": enc(y)}
    for k, gr in zip(leaves, grads):
        outputs["grad_" + k] = enc(gr)
    return {
        "name": name,
        "kind": "functional",
        "function": fn,
        "arguments": list(tensors),
        "kwargs": kwargs,
        "inputs": {k: enc(v) for k, v in leaves.items()},
        "cotangent": enc(u),
        "outputs": outputs,
    }


def functional_cases():
    cases = []

    def conv(name, fn, x_shape, w_shape, bias, **kwargs):
        g = gen(name)
        x = randn(g, *x_shape)
        w = randn(g, *w_shape)
        b = randn(g, w_shape[0]) if bias else None
        cases.append(functional_case(name, fn, {"input": x, "weight": w, "bias": b}, kwargs))

    conv("conv1d_stride_pad_dilation", "conv1d", (2, 3, 11), (4, 3, 3), True,
         stride=2, padding=1, dilation=2)
    conv("conv1d_groups_unbatched", "conv1d", (4, 9), (6, 2, 2), False, groups=2, padding=1)
    conv("conv1d_same_even_kernel", "conv1d", (1, 2, 7), (3, 2, 4), True, padding="same")
    conv("conv2d_plain", "conv2d", (2, 3, 6, 5), (4, 3, 3, 3), True)
    conv("conv2d_stride_pad_dilation", "conv2d", (2, 3, 9, 8), (5, 3, 3, 2), True,
         stride=(2, 1), padding=(1, 2), dilation=(1, 2))
    conv("conv2d_groups", "conv2d", (2, 4, 7, 6), (6, 2, 3, 3), True, groups=2, stride=2,
         padding=1)
    conv("conv2d_depthwise", "conv2d", (2, 3, 6, 6), (6, 1, 3, 3), True, groups=3, padding=1)
    conv("conv2d_same_dilated", "conv2d", (1, 2, 7, 6), (3, 2, 3, 2), True, padding="same",
         dilation=2)
    conv("conv2d_valid_unbatched", "conv2d", (3, 6, 7), (2, 3, 2, 3), True, padding="valid")
    conv("conv2d_1x1", "conv2d", (2, 4, 5, 5), (3, 4, 1, 1), False)
    conv("conv3d_stride_pad_dilation_groups", "conv3d", (2, 4, 5, 6, 5), (6, 2, 2, 3, 2), True,
         stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1), groups=2)
    conv("conv3d_same_unbatched", "conv3d", (2, 4, 5, 3), (3, 2, 3, 2, 2), True, padding="same")

    def pool(name, fn, x, **kwargs):
        cases.append(functional_case(name, fn, {"input": x}, kwargs))

    g = gen("pools")
    pool("max_pool2d_k2", "max_pool2d", randn(g, 2, 3, 6, 7), kernel_size=2)
    pool("max_pool2d_k3_s2_p1", "max_pool2d", randn(g, 2, 2, 7, 6), kernel_size=3, stride=2,
         padding=1)
    pool("max_pool2d_overlap_unbatched", "max_pool2d", randn(g, 3, 6, 6), kernel_size=(3, 2),
         stride=1)
    # integer values in a small range: many ties inside windows, overlapping windows
    ties = torch.randint(0, 3, (1, 2, 6, 6), generator=gen("ties")).to(torch.float64)
    pool("max_pool2d_ties", "max_pool2d", ties, kernel_size=3, stride=1, padding=1)
    pool("max_pool2d_ties_k2", "max_pool2d", ties, kernel_size=2)
    pool("avg_pool2d_k3_s2_p1", "avg_pool2d", randn(g, 2, 3, 7, 6), kernel_size=3, stride=2,
         padding=1)
    pool("avg_pool2d_k2_unbatched", "avg_pool2d", randn(g, 3, 6, 5), kernel_size=2)
    # dilation, ceil_mode, count_include_pad (each alone and together; odd sizes so that
    # ceil_mode adds windows over the right edge, one of which PyTorch drops)
    g2 = gen("pool options")
    pool("max_pool2d_dilation", "max_pool2d", randn(g2, 2, 3, 9, 8), kernel_size=3, stride=1,
         dilation=(2, 3))
    pool("max_pool2d_ceil", "max_pool2d", randn(g2, 2, 2, 7, 8), kernel_size=2, stride=2,
         ceil_mode=True)
    pool("max_pool2d_ceil_pad_dilation_unbatched", "max_pool2d", randn(g2, 3, 8, 7),
         kernel_size=(3, 2), stride=(2, 3), padding=1, dilation=2, ceil_mode=True)
    pool("max_pool2d_ceil_ties", "max_pool2d", ties, kernel_size=3, stride=2, padding=1,
         ceil_mode=True)
    pool("avg_pool2d_exclude_pad", "avg_pool2d", randn(g2, 2, 3, 7, 6), kernel_size=3, stride=2,
         padding=1, count_include_pad=False)
    pool("avg_pool2d_ceil", "avg_pool2d", randn(g2, 2, 2, 7, 8), kernel_size=2, ceil_mode=True)
    pool("avg_pool2d_ceil_pad_include", "avg_pool2d", randn(g2, 2, 2, 8, 7), kernel_size=3,
         stride=2, padding=1, ceil_mode=True)
    pool("avg_pool2d_ceil_pad_exclude_unbatched", "avg_pool2d", randn(g2, 3, 8, 7),
         kernel_size=(3, 2), stride=(2, 3), padding=1, ceil_mode=True, count_include_pad=False)
    pool("adaptive_avg_pool2d_7x5_to_3x2", "adaptive_avg_pool2d", randn(g, 2, 3, 7, 5),
         output_size=(3, 2))
    pool("adaptive_avg_pool2d_global", "adaptive_avg_pool2d", randn(g, 2, 3, 8, 8),
         output_size=1)
    pool("adaptive_avg_pool2d_upsample_unbatched", "adaptive_avg_pool2d", randn(g, 2, 5, 3),
         output_size=(6, 4))
    return cases


def read_digits(path, n):
    xs, ys = [], []
    with gzip.open(path, "rt") as f:
        for line in f:
            v = [float(s) for s in line.strip().split(",")]
            xs.append(v[:64])
            ys.append(int(v[64]))
            if len(xs) == n:
                break
    x = torch.tensor(xs, dtype=torch.float64).reshape(n, 1, 8, 8) / 16.0
    return x, torch.tensor(ys, dtype=torch.int64)


CNN_SOURCE = '''
def cnn_logits(p, x):
    # x: [1, 8, 8] (one example, unbatched as under vmap)
    h = F.conv2d(x, p["conv1.weight"], p["conv1.bias"], padding=1)      # [4, 8, 8]
    h = F.max_pool2d(torch.relu(h), 2)                                  # [4, 4, 4]
    h = F.conv2d(h, p["conv2.weight"], p["conv2.bias"], padding=1)      # [8, 4, 4]
    h = F.max_pool2d(torch.relu(h), 2)                                  # [8, 2, 2]
    return p["fc.weight"] @ h.reshape(-1) + p["fc.bias"]                # [10]

def cnn_loss(p, x, y):
    # y: one-hot [10]
    return -(y * torch.log_softmax(cnn_logits(p, x), dim=0)).sum()
'''
exec(CNN_SOURCE)


def cnn_case(digits_path):
    name = "cnn_digits_per_sample_grads"
    g = gen(name)
    params = {
        "conv1.weight": randn(g, 4, 1, 3, 3) * 0.5,
        "conv1.bias": randn(g, 4) * 0.1,
        "conv2.weight": randn(g, 8, 4, 3, 3) * 0.3,
        "conv2.bias": randn(g, 8) * 0.1,
        "fc.weight": randn(g, 10, 32) * 0.3,
        "fc.bias": randn(g, 10) * 0.1,
    }
    x, labels = read_digits(digits_path, 16)
    y = F.one_hot(labels, 10).to(torch.float64)
    per_sample = vmap(grad(cnn_loss), in_dims=(None, 0, 0))(params, x, y)
    logits = vmap(cnn_logits, in_dims=(None, 0))(params, x)
    losses = vmap(cnn_loss, in_dims=(None, 0, 0))(params, x, y)
    # self-check against a loop of plain autograd
    for i in range(x.shape[0]):
        leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
        gi = torch.autograd.grad(cnn_loss(leaves, x[i], y[i]), list(leaves.values()))
        for k, gr in zip(leaves, gi):
            err = (per_sample[k][i] - gr).abs().max().item()
            if err > 1e-12:
                sys.exit("functorch and autograd disagree on %s example %d: %g" % (k, i, err))
    return {
        "name": name,
        "kind": "cnn",
        "source": CNN_SOURCE.strip(),
        "params": {k: enc(v) for k, v in sorted(params.items())},
        "inputs": {"x": enc(x), "labels": [int(v) for v in labels.tolist()]},
        "outputs": {
            "logits": enc(logits),
            "losses": enc(losses),
            "per_sample_grads": {k: enc(v) for k, v in sorted(per_sample.items())},
        },
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--digits", default="/work/shared/data/digits.csv.gz")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    doc = {
        "generator": "nn/src/test/python/generate_conv_fixtures.py",
        "torch_version": torch.__version__,
        "dtype": "float64",
        "cases": functional_cases() + [cnn_case(a.digits)],
    }
    text = json.dumps(doc, indent=1, sort_keys=False) + "\n"
    if a.check:
        with open(OUT_FILE) as f:
            same = f.read() == text
        print("up to date" if same else "conv_cases.json differs")
        sys.exit(0 if same else 1)
    os.makedirs(os.path.dirname(OUT_FILE), exist_ok=True)
    with open(OUT_FILE, "w") as f:
        f.write(text)
    print("wrote %d cases to %s" % (len(doc["cases"]), OUT_FILE))


if __name__ == "__main__":
    main()
