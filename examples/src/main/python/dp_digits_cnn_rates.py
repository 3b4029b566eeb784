"""How the learning rate for the DP digits CNN (DigitsPrivateTraining --model cnn) was picked.

Run from the repository root with Debian's PyTorch 1.13 (functorch for the per-sample gradients):

    /usr/bin/python3 examples/src/main/python/dp_digits_cnn_rates.py

The same model as train_digits_cnn.py from PyTorch's own initialisation (not vmap4j's seeded one),
the Java example's optimizer (momentum SGD, sum of the sampled rows' gradients divided by the
expected batch q*N) and Poisson sampling; private runs clip each row's gradient to norm 1 and add
N(0, sigma^2) to the sum. Prints test accuracies per learning rate: non-private after 8 and 60
steps, private after 60 steps at sigma 3.5, 1.6, 0.93 (near the calibrated values for
epsilon 1, 3, 8 at q = 0.1, 60 steps, delta 1e-5). A guide only: seeds and samplings differ from
the Java run.
"""
import os
import sys

import torch
import torch.nn.functional as F
from functorch import grad, make_functional, vmap

sys.path.insert(0, os.path.dirname(__file__))
from train_digits_cnn import DigitsCnn, load_digits  # noqa: E402

TRAIN_ROWS = 1497
x, y = load_digits()
xt, yt, xs, ys = x[:TRAIN_ROWS], y[:TRAIN_ROWS], x[TRAIN_ROWS:], y[TRAIN_ROWS:]


def train(lr, momentum, steps, q, sigma=None, clip=1.0, seed=0):
    torch.manual_seed(seed)
    f, params = make_functional(DigitsCnn().double())
    params = [p.detach() for p in params]
    velocity = [torch.zeros_like(p) for p in params]

    def row_loss(ps, xi, yi):
        return F.cross_entropy(f(ps, xi.unsqueeze(0)), yi.unsqueeze(0))

    for _ in range(steps):
        keep = torch.rand(TRAIN_ROWS) < q
        xb, yb = xt[keep], yt[keep]
        if sigma is None:
            ps = [p.requires_grad_() for p in params]
            g = torch.autograd.grad(F.cross_entropy(f(ps, xb), yb, reduction="sum"), ps)
            params = [p.detach() for p in params]
        else:
            per_row = vmap(grad(row_loss), in_dims=(None, 0, 0))(params, xb, yb)
            norms = torch.sqrt(sum((gi.reshape(gi.shape[0], -1) ** 2).sum(1) for gi in per_row))
            scale = torch.clamp(clip / (norms + 1e-12), max=1.0)
            g = [
                (gi * scale.reshape(-1, *[1] * (gi.dim() - 1))).sum(0)
                + sigma * clip * torch.randn_like(gi[0])
                for gi in per_row
            ]
        velocity = [momentum * v + gi / (q * TRAIN_ROWS) for v, gi in zip(velocity, g)]
        params = [p - lr * v for p, v in zip(params, velocity)]
    with torch.no_grad():
        return (f(params, xs).argmax(1) == ys).double().mean().item()


def main():
    for lr in (0.5, 0.2, 0.1, 0.05):
        short = [round(train(lr, 0.9, 8, 0.1, seed=s), 3) for s in range(2)]
        full = round(train(lr, 0.9, 60, 0.1), 3)
        private = [round(train(lr, 0.9, 60, 0.1, sigma=s), 3) for s in (3.5, 1.6, 0.93)]
        print(f"lr {lr}: non-private 8 steps {short}, 60 steps {full}; private 60 steps {private}")


if __name__ == "__main__":
    main()
