"""Reference values for vmap4j's control flow (cond, whileLoop, scan), from PyTorch 1.13 + functorch.

Every reference is a plain Python loop or `if` over torch F64 tensors (PyTorch has no structured
control flow), differentiated by torch/functorch. Batched references loop over the examples in
Python. Run with /usr/bin/python3 from the repository root:

    /usr/bin/python3 core/src/test/control/generate_control_fixtures.py

It writes core/src/test/resources/org/vmap4j/control/control_fixtures.json, which
ControlFlowConformanceTest reads. Inputs are drawn here (seeded) and stored with the results.
"""
import json
import os

import torch
from functorch import grad, jvp, vjp, vmap

torch.manual_seed(20261206)
D = torch.float64
OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "org", "vmap4j", "control",
                   "control_fixtures.json")


def enc(t):
    t = t.detach().to(D)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


cases = {}


def record(name, **tensors):
    cases[name] = {k: enc(v) for k, v in tensors.items()}


# ----------------------------------------------------------------------------- cond
def branch_true(a):
    return torch.sin(a) * a + 1.0


def branch_false(a):
    return torch.cos(a) - a * a


def cond_fn(a):
    if a.sum() > 0:
        return branch_true(a)
    return branch_false(a)


for sign, label in ((1.0, "pos"), (-1.0, "neg")):
    x = torch.rand(5, dtype=D) * sign + 0.1 * sign
    v = torch.randn(5, dtype=D)
    u = torch.randn(5, dtype=D)
    y, ty = jvp(cond_fn, (x,), (v,))
    _, pull = vjp(cond_fn, x)
    (ux,) = pull(u)
    record("cond_" + label, x=x, v=v, u=u, y=y, jvp=ty, vjp=ux)

# batched predicate: rows with positive and negative sums; per-example loop and per-example grads
X = torch.randn(6, 5, dtype=D)
X[0] = X[0].abs()
X[1] = -X[1].abs()
Y = torch.stack([cond_fn(r) for r in X])
G = torch.stack([grad(lambda q: cond_fn(q).sum() ** 2)(r) for r in X])
record("cond_vmap_batched_predicate", X=X, Y=Y, G=G)


# unbatched predicate: the predicate depends on an unmapped argument p (in_dims (0, None))
def cond_p(a, p):
    if p.sum() > 0:
        return branch_true(a) * p
    return branch_false(a) + p


p = torch.rand(5, dtype=D)
Y = torch.stack([cond_p(r, p) for r in X])
record("cond_vmap_unbatched_predicate", X=X, p=p, Y=Y)


# ----------------------------------------------------------------------------- while
def newton_sqrt(a):
    # carry (y, i); all elements iterate together until the worst one converges
    y, i = a.clone() * 0 + 1.0, 0
    while bool((y * y - a).abs().max() > 1e-12) and i < 60:
        y = 0.5 * (y + a / y)
        i += 1
    return y


def grow(x, c):
    # a trip count that depends on the data: double-ish until the sum passes 50
    while bool(x.sum() < 50.0):
        x = x * c + torch.sin(x)
    return x


a = torch.rand(4, dtype=D) * 10 + 0.5
va = torch.randn(4, dtype=D)
y, ty = jvp(newton_sqrt, (a,), (va,))
record("while_newton", a=a, v=va, y=y, jvp=ty)

x0 = torch.rand(3, dtype=D) + 0.5
c = torch.tensor(1.5, dtype=D)
vx = torch.randn(3, dtype=D)
y, ty = jvp(lambda q: grow(q, c), (x0,), (vx,))
record("while_grow", x=x0, c=c, v=vx, y=y, jvp=ty)

# batched predicate: each row needs its own number of iterations
XW = torch.rand(5, 3, dtype=D) * torch.tensor([[0.1], [1.0], [5.0], [20.0], [0.5]], dtype=D) + 0.05
YW = torch.stack([grow(r, c) for r in XW])
VW = torch.randn(5, 3, dtype=D)
TW = torch.stack([jvp(lambda q: grow(q, c), (r,), (t,))[1] for r, t in zip(XW, VW)])
record("while_vmap", X=XW, c=c, Y=YW, V=VW, T=TW)
# unbatched predicate with batched carry elsewhere: the loop counter is shared, the scale per example
S = torch.rand(5, 3, dtype=D) + 0.5


def count_loop(s, n):
    x, k = s, 0
    while k < n:
        x = torch.sin(x) * s + 0.1
        k += 1
    return x


record("while_vmap_unbatched_predicate", S=S, Y=torch.stack([count_loop(r, 7) for r in S]))


# ----------------------------------------------------------------------------- scan
H, DIN, T = 4, 3, 6
W = torch.randn(H, DIN, dtype=D) * 0.5
U = torch.randn(H, H, dtype=D) * 0.5
XS = torch.randn(T, DIN, dtype=D)
h0 = torch.randn(H, dtype=D)


def rnn(h, w, xs, reverse=False):
    ys = [None] * xs.shape[0]
    order = range(xs.shape[0] - 1, -1, -1) if reverse else range(xs.shape[0])
    for t in order:
        h = torch.tanh(w @ xs[t] + U @ h)
        ys[t] = (h * h).sum()
    return h, torch.stack(ys)


for reverse in (False, True):
    tag = "scan_rev" if reverse else "scan"
    hT, ys = rnn(h0, W, XS, reverse)
    vh = torch.randn(H, dtype=D)
    vw = torch.randn(H, DIN, dtype=D)
    uh = torch.randn(H, dtype=D)
    uy = torch.randn(T, dtype=D)
    _, (jh, jy) = jvp(lambda h, w: rnn(h, w, XS, reverse), (h0, W), (vh, vw))
    _, pull = vjp(lambda h, w: rnn(h, w, XS, reverse), h0, W)
    gh, gw = pull((uh, uy))
    record(tag, h0=h0, W=W, U=U, XS=XS, hT=hT, ys=ys, vh=vh, vw=vw, jvp_h=jh, jvp_ys=jy,
           uh=uh, uy=uy, vjp_h0=gh, vjp_W=gw)

# vmap with in_dims on the carry (0) and on xs (1)
HB = torch.randn(3, H, dtype=D)
XB = torch.randn(T, 3, DIN, dtype=D)  # batch at dim 1
HTB = torch.stack([rnn(HB[b], W, XB[:, b])[0] for b in range(3)])
YSB = torch.stack([rnn(HB[b], W, XB[:, b])[1] for b in range(3)])
GWB = torch.stack([grad(lambda w: rnn(HB[b], w, XB[:, b])[1].sum())(W) for b in range(3)])
record("scan_vmap", HB=HB, XB=XB, W=W, U=U, hT=HTB, ys=YSB, gW=GWB)

# ----------------------------------------------------------------------------- LSTM per-sample grads
LH, LD, LT, LC, LB = 32, 3, 20, 2, 3
params = {
    "w_ih": torch.randn(4 * LH, LD, dtype=D) * 0.3,
    "w_hh": torch.randn(4 * LH, LH, dtype=D) * 0.3,
    "b_ih": torch.randn(4 * LH, dtype=D) * 0.1,
    "b_hh": torch.randn(4 * LH, dtype=D) * 0.1,
    "w_out": torch.randn(LC, LH, dtype=D) * 0.3,
    "b_out": torch.randn(LC, dtype=D) * 0.1,
}
seqs = torch.randn(LB, LT, LD, dtype=D)
labels = torch.nn.functional.one_hot(torch.tensor([0, 1, 1]), LC).to(D)


def lstm_loss(p, seq, label):
    h = torch.zeros(LH, dtype=D)
    c = torch.zeros(LH, dtype=D)
    for t in range(LT):
        gates = p["w_ih"] @ seq[t] + p["b_ih"] + p["w_hh"] @ h + p["b_hh"]
        i, f, g, o = gates.chunk(4)  # PyTorch's gate order
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g
        h = o * torch.tanh(c)
    logits = p["w_out"] @ h + p["b_out"]
    return -(torch.log_softmax(logits, 0) * label).sum()  # label: one-hot


# check the hand-written cell against torch.nn.LSTMCell once (same gate order and layout)
cell = torch.nn.LSTMCell(LD, LH).to(D)
with torch.no_grad():
    cell.weight_ih.copy_(params["w_ih"]); cell.weight_hh.copy_(params["w_hh"])
    cell.bias_ih.copy_(params["b_ih"]); cell.bias_hh.copy_(params["b_hh"])
hh, cc = torch.zeros(1, LH, dtype=D), torch.zeros(1, LH, dtype=D)
for t in range(LT):
    hh, cc = cell(seqs[0, t:t + 1], (hh, cc))
ref = -(torch.log_softmax(params["w_out"] @ hh[0] + params["b_out"], 0) * labels[0]).sum()
assert abs(float(ref - lstm_loss(params, seqs[0], labels[0]))) < 1e-12

per_sample = vmap(grad(lstm_loss), in_dims=(None, 0, 0))(params, seqs, labels)
losses = torch.stack([lstm_loss(params, seqs[b], labels[b]) for b in range(LB)])
record("lstm", seqs=seqs, labels=labels, losses=losses,
       **{k: v for k, v in params.items()},
       **{"grad_" + k: v for k, v in per_sample.items()})

# ----------------------------------------------------------------------------- GRU per-sample grads
GH, GT = 16, 10
gparams = {
    "w_ih": torch.randn(3 * GH, LD, dtype=D) * 0.3,
    "w_hh": torch.randn(3 * GH, GH, dtype=D) * 0.3,
    "b_ih": torch.randn(3 * GH, dtype=D) * 0.1,
    "b_hh": torch.randn(3 * GH, dtype=D) * 0.1,
    "w_out": torch.randn(LC, GH, dtype=D) * 0.3,
    "b_out": torch.randn(LC, dtype=D) * 0.1,
}
gseqs = torch.randn(LB, GT, LD, dtype=D)


def gru_cell(p, x, h):
    gi = p["w_ih"] @ x + p["b_ih"]
    gh = p["w_hh"] @ h + p["b_hh"]
    ir, iz, inn = gi.chunk(3)  # PyTorch's gate order: reset, update, new
    hr, hz, hn = gh.chunk(3)
    r = torch.sigmoid(ir + hr)
    z = torch.sigmoid(iz + hz)
    n = torch.tanh(inn + r * hn)
    return (1 - z) * n + z * h


def gru_loss(p, seq, label):
    h = torch.zeros(GH, dtype=D)
    for t in range(GT):
        h = gru_cell(p, seq[t], h)
    return -(torch.log_softmax(p["w_out"] @ h + p["b_out"], 0) * label).sum()


gcell = torch.nn.GRUCell(LD, GH).to(D)
with torch.no_grad():
    gcell.weight_ih.copy_(gparams["w_ih"]); gcell.weight_hh.copy_(gparams["w_hh"])
    gcell.bias_ih.copy_(gparams["b_ih"]); gcell.bias_hh.copy_(gparams["b_hh"])
hh = torch.zeros(1, GH, dtype=D)
hmine = torch.zeros(GH, dtype=D)
for t in range(GT):
    hh = gcell(gseqs[0, t:t + 1], hh)
    hmine = gru_cell(gparams, gseqs[0, t], hmine)
assert float((hh[0] - hmine).abs().max()) < 1e-12

gper_sample = vmap(grad(gru_loss), in_dims=(None, 0, 0))(gparams, gseqs, labels)
glosses = torch.stack([gru_loss(gparams, gseqs[b], labels[b]) for b in range(LB)])
record("gru", seqs=gseqs, labels=labels, losses=glosses,
       **{k: v for k, v in gparams.items()},
       **{"grad_" + k: v for k, v in gper_sample.items()})

with open(OUT, "w") as f:
    json.dump({"generator": "core/src/test/control/generate_control_fixtures.py",
               "torch": torch.__version__, "cases": cases}, f)
print("wrote", len(cases), "cases to", os.path.normpath(OUT))
