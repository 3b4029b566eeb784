#!/usr/bin/python3
"""Reference values for vmap4j's CNN and recurrent-layer conformance, by PyTorch 1.13 + functorch (F64).

Run from the repository root with Debian's interpreter:
    /usr/bin/python3 nn/src/test/python/generate_model_fixtures.py [--digits PATH]

Writes, under nn/src/test/resources/org/vmap4j/nn/ (safetensors, via generate_fixtures.py's writer):

* cnn_{digits,random}_weights.safetensors: the state dict of `Cnn` (conv, GroupNorm, ReLU,
  max-pool, twice, then linear), as torch.nn.Module.state_dict() names it ("conv1.weight").
* cnn_{digits,random}_expected.safetensors: inputs "x" [B, C, H, W] and integer "labels" [B], the
  batch "logits", the mean cross-entropy "loss", its gradient "grad.<name>", the per-sample gradients
  "per_sample_grad.<name>" (functorch vmap(grad)) and the per-example Jacobian of the logits with
  respect to the input "jacobian" [B, classes, C, H, W] (functorch vmap(jacrev)). Digits: the first
  rows of /work/shared/data/digits.csv.gz (scikit-learn's 8x8 digits, pixels / 16); random: N(0, 1)
  3x32x32 images.
* rnn_{lstm,gru}.safetensors: torch.nn.LSTM / GRU (one layer) weights "param.<name>", an unbatched
  input [T, I] with and without an initial state and a batched [T, N, I] one, the module's outputs,
  the gradient of sum(output * u) + sum(h_n * v) (+ sum(c_n * w)) with respect to every parameter
  and the initial states, and a classifier (the layer over a length-20 sequence, hidden 32, then a
  linear on the last hidden state, cross-entropy with an integer label): its per-sample gradients
  by functorch's vmap(grad) of a hand-written loop in the torch gate order, which the script first
  checks against nn.LSTM / nn.GRU (generation aborts if they differ).
"""
import argparse
import gzip
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from functorch import grad, jacrev, vmap
from torch.nn.utils.stateless import functional_call

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_fixtures import OUT, write_safetensors  # noqa: E402

torch.set_default_dtype(torch.float64)


# ------------------------------------------------------------------ CNN


class Cnn(nn.Module):
    def __init__(self, channels, size, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 4, 3, padding=1)
        self.norm1 = nn.GroupNorm(2, 4)
        self.conv2 = nn.Conv2d(4, 8, 3, padding=1)
        self.norm2 = nn.GroupNorm(2, 8)
        self.fc = nn.Linear(8 * (size // 4) ** 2, classes)

    def forward(self, x):  # [N, C, H, W]
        h = F.max_pool2d(F.relu(self.norm1(self.conv1(x))), 2)
        h = F.max_pool2d(F.relu(self.norm2(self.conv2(h))), 2)
        return self.fc(h.flatten(1))


def read_digits(path, n):
    xs, ys = [], []
    with gzip.open(path, "rt") as f:
        for line in f:
            v = [float(s) for s in line.strip().split(",")]
            xs.append(v[:64])
            ys.append(int(v[64]))
            if len(xs) == n:
                break
    return torch.tensor(xs).reshape(n, 1, 8, 8) / 16.0, torch.tensor(ys, dtype=torch.int64)


def cnn_fixtures(name, x, labels, channels, size, seed):
    torch.manual_seed(seed)
    model = Cnn(channels, size, 10).double()
    for p in model.parameters():  # GroupNorm starts at (1, 0): perturb so every term matters
        p.data += 0.1 * torch.randn_like(p)
    params = {n: p.detach() for n, p in model.named_parameters()}
    write_safetensors(os.path.join(OUT, "cnn_%s_weights.safetensors" % name), params,
                      {"format": "pt", "model": "conv-groupnorm-relu-maxpool x2, linear"})

    def logits_fn(p, xb):
        return functional_call(model, p, (xb,))

    def loss_fn(p, xb, yb):
        return F.cross_entropy(logits_fn(p, xb), yb)

    def loss_one(p, xi, yi):
        return F.cross_entropy(logits_fn(p, xi.unsqueeze(0))[0], yi)

    out = {"x": x, "labels": labels}
    out["logits"] = logits_fn(params, x).detach()
    out["loss"] = loss_fn(params, x, labels).detach()
    for n, g in grad(loss_fn)(params, x, labels).items():
        out["grad." + n] = g
    per_sample = vmap(grad(loss_one), in_dims=(None, 0, 0))(params, x, labels)
    for n, g in per_sample.items():
        loop = torch.stack([grad(loss_one)(params, x[i], labels[i])[n] for i in range(len(x))])
        assert torch.allclose(loop, g, rtol=0, atol=1e-12), n  # functorch == a plain loop
        out["per_sample_grad." + n] = g
    out["jacobian"] = vmap(jacrev(lambda xi: logits_fn(params, xi.unsqueeze(0))[0]))(x)
    write_safetensors(os.path.join(OUT, "cnn_%s_expected.safetensors" % name), out)


# ------------------------------------------------------------------ LSTM and GRU, by hand


def lstm_loop(p, x, h, c):
    """x [T, I], h and c [H]: the torch gate order i, f, g, o."""
    outs = []
    for t in range(x.shape[0]):
        gates = p["weight_ih_l0"] @ x[t] + p["bias_ih_l0"] + p["weight_hh_l0"] @ h + p["bias_hh_l0"]
        i, f, g, o = gates.chunk(4)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        outs.append(h)
    return torch.stack(outs), h, c


def gru_loop(p, x, h):
    """x [T, I], h [H]: the torch gate order r, z, n; r scales the hidden part of n, bias included."""
    outs = []
    for t in range(x.shape[0]):
        gi = p["weight_ih_l0"] @ x[t] + p["bias_ih_l0"]
        gh = p["weight_hh_l0"] @ h + p["bias_hh_l0"]
        ir, iz, inn = gi.chunk(3)
        hr, hz, hn = gh.chunk(3)
        r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
        n = torch.tanh(inn + r * hn)
        h = (1 - z) * n + z * h
        outs.append(h)
    return torch.stack(outs), h


def rnn_fixtures(kind, seed):
    lstm = kind == "lstm"
    I, H, T, N = 5, 32, 20, 3
    g = torch.Generator().manual_seed(seed)
    r = lambda *s: torch.randn(*s, generator=g)
    torch.manual_seed(seed)
    module = (nn.LSTM if lstm else nn.GRU)(I, H).double()
    params = {n: p.detach() for n, p in module.named_parameters()}
    t = {"param." + n: p for n, p in params.items()}

    # the module itself: unbatched with and without an initial state, batched with one
    x1, h1, c1 = r(T, I), r(1, H), r(1, H)
    xb, hb, cb = r(T, N, I), r(1, N, H), r(1, N, H)
    t.update({"x1": x1, "h1": h1, "c1": c1, "xb": xb, "hb": hb, "cb": cb})
    for tag, x, h0, c0 in (("nostate", x1, None, None), ("state", x1, h1, c1), ("batched", xb, hb, cb)):
        state = None if h0 is None else ((h0, c0) if lstm else h0)
        y, s = module(x, state)
        t[tag + ".output"] = y.detach()
        t[tag + ".h"] = (s[0] if lstm else s).detach()
        if lstm:
            t[tag + ".c"] = s[1].detach()

    # gradient of sum(output * u) + sum(h_n * v) [+ sum(c_n * w)], batched input with a state
    u, v, w = r(T, N, H), r(1, N, H), r(1, N, H)
    t.update({"u": u, "v": v, "w": w})

    # (torch.autograd on the module: functional_call does not reach an RNN's cached flat weights)
    h0, c0 = hb.clone().requires_grad_(True), cb.clone().requires_grad_(True)
    y, s = module(xb, (h0, c0) if lstm else h0)
    total = (y * u).sum() + ((s[0] if lstm else s) * v).sum() + ((s[1] * w).sum() if lstm else 0)
    names = list(params)
    grads = torch.autograd.grad(total, [dict(module.named_parameters())[n] for n in names] + [h0, c0], allow_unused=True)
    for n, gr in zip(names, grads):
        t["grad." + n] = gr
    t["grad.h0"] = grads[len(names)]
    if lstm:
        t["grad.c0"] = grads[len(names) + 1]

    # the hand-written loop equals the module (which is what vmap(grad) below differentiates)
    y_loop = lstm_loop(params, x1, h1[0], c1[0]) if lstm else gru_loop(params, x1, h1[0])
    assert torch.allclose(y_loop[0], t["state.output"], rtol=0, atol=1e-13)

    # a classifier: per-sample gradients of cross-entropy over B sequences of length 20
    B, C = 6, 4
    head = nn.Linear(H, C).double()
    cls = dict(params)
    cls.update({"fc.weight": head.weight.detach() + 0.1 * r(C, H), "fc.bias": head.bias.detach()})
    seqs, labels = r(B, T, I), torch.randint(0, C, (B,), generator=g)

    def loss_one(p, x, y):
        zeros = torch.zeros(H)
        h = lstm_loop(p, x, zeros, zeros)[1] if lstm else gru_loop(p, x, zeros)[1]
        return F.cross_entropy(p["fc.weight"] @ h + p["fc.bias"], y)

    t.update({"cls.seqs": seqs, "cls.labels": labels})
    t.update({"cls.param." + n: p for n, p in cls.items()})
    per_sample = vmap(grad(loss_one), in_dims=(None, 0, 0))(cls, seqs, labels)
    for n, gr in per_sample.items():
        loop = torch.stack([grad(loss_one)(cls, seqs[i], labels[i])[n] for i in range(B)])
        assert torch.allclose(loop, gr, rtol=0, atol=1e-12), n
        t["cls.per_sample_grad." + n] = gr
    # and the module agrees with the loop on the classifier's loss gradient (first example)
    out = module(seqs[0])[1]
    h = (out[0] if lstm else out)[0]
    loss = F.cross_entropy(cls["fc.weight"] @ h + cls["fc.bias"], labels[0])
    gm = torch.autograd.grad(loss, [dict(module.named_parameters())[n] for n in names])
    for n, gr in zip(names, gm):
        assert torch.allclose(gr, per_sample[n][0], rtol=0, atol=1e-12), n
    write_safetensors(os.path.join(OUT, "rnn_%s.safetensors" % kind), t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--digits", default="/work/shared/data/digits.csv.gz")
    a = ap.parse_args()
    x, labels = read_digits(a.digits, 8)
    cnn_fixtures("digits", x, labels, 1, 8, 5)
    g = torch.Generator().manual_seed(6)
    cnn_fixtures("random", torch.randn(4, 3, 32, 32, generator=g), torch.randint(0, 10, (4,), generator=g), 3, 32, 7)
    rnn_fixtures("lstm", 8)
    rnn_fixtures("gru", 9)
    print("wrote model fixtures to", OUT)


if __name__ == "__main__":
    main()
