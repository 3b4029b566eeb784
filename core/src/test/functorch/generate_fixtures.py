#!/usr/bin/python3
"""Generate vmap4j conformance fixtures with PyTorch functorch (the reference).

Regenerate everything (run from the repository root):

    /usr/bin/python3 core/src/test/functorch/generate_fixtures.py

Needs Debian's python3-torch (1.13, which ships functorch):
``apt-get install -y python3-torch``.  Use /usr/bin/python3, not another
interpreter on PATH.  The output is
core/src/test/resources/org/vmap4j/functorch/cases.json; the format is
documented in core/src/test/functorch/README.md.

Every case is *interpreted from its JSON "spec"* (see ``build``), so the spec
is exactly what was run.  Each case is also recomputed by an independent
reference interpreter (``build_ref``) in which vmap is a Python loop +
torch.stack and every derivative transform is a central finite difference
with Richardson extrapolation in float64; generation aborts if the two
disagree.  Options:

    --print-catalogue   print the catalogue (id + Python source) as Markdown
    --check             regenerate in memory and fail if cases.json differs
"""

import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
import zlib

import torch
import functorch
from functorch import vmap, grad, vjp, jvp, jacrev, jacfwd, hessian

torch.set_default_dtype(torch.float64)
torch.manual_seed(0)  # every case also gets its own seeded generator

F64 = torch.float64
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
OUT_DIR = os.path.join(REPO_ROOT, "core", "src", "test", "resources", "org", "vmap4j", "functorch")
OUT_FILE = os.path.join(OUT_DIR, "cases.json")

# ---------------------------------------------------------------------------
# Pytrees: tensors are leaves; tuples/lists in order; dicts by sorted key.
# ---------------------------------------------------------------------------


def tree_flatten(t):
    """Return (leaves, structure). structure: "T" | ("tuple", [...]) | ("dict", [(k, s)...])."""
    if isinstance(t, torch.Tensor):
        return [t], "T"
    if isinstance(t, (tuple, list)):
        leaves, subs = [], []
        for c in t:
            l, s = tree_flatten(c)
            leaves += l
            subs.append(s)
        return leaves, ("tuple", subs)
    if isinstance(t, dict):
        leaves, subs = [], []
        for k in sorted(t):
            l, s = tree_flatten(t[k])
            leaves += l
            subs.append((k, s))
        return leaves, ("dict", subs)
    raise TypeError("not a pytree: %r" % (type(t),))


def tree_unflatten(structure, leaves):
    it = iter(leaves)

    def go(s):
        if s == "T":
            return next(it)
        kind, subs = s
        if kind == "tuple":
            return tuple(go(c) for c in subs)
        return {k: go(c) for k, c in subs}  # keys already sorted

    out = go(structure)
    rest = list(it)
    assert not rest, "too many leaves"
    return out


def tree_map(fn, t):
    leaves, s = tree_flatten(t)
    return tree_unflatten(s, [fn(x) for x in leaves])


# ---------------------------------------------------------------------------
# Function catalogue.  Only ops the Java Tensor API has: add/sub/mul/div
# (tensor or python float), neg, exp, log, log1p, expm1, sin, cos, tanh,
# sigmoid, relu, sqrt, rsqrt, abs, square, pow(float), maximum/minimum,
# where with lt/gt, sum/mean (all or dim), max(dim).values, dot, matmul,
# 2-D transpose (.t()), reshape, softmax/log_softmax/logsumexp(dim), x[i],
# x[a:b], cat/stack.  All dims used inside functions are non-negative.
# ---------------------------------------------------------------------------

CATALOGUE = {}


def catalogue(fid):
    def deco(f):
        assert fid not in CATALOGUE, fid
        CATALOGUE[fid] = f
        return f
    return deco


@catalogue("square")
def f_square(x):
    # torch.vmap docstring: f = lambda x: x ** 2
    return x ** 2.0


@catalogue("sin_x_sq")
def f_sin_x_sq(x):
    return torch.sin(x) * x ** 2.0


@catalogue("sum_sin_x_sq")
def f_sum_sin_x_sq(x):
    return (torch.sin(x) * x ** 2.0).sum()


@catalogue("sin_Ax_x_sq")
def f_sin_Ax_x_sq(A, x):
    return torch.sin(A @ x) * x ** 2.0


@catalogue("sum_tanh_Ax")
def f_sum_tanh_Ax(A, x):
    return torch.tanh(A @ x).sum()


@catalogue("dot")
def f_dot(x, y):
    return torch.dot(x, y)


@catalogue("relu_dot")
def f_relu_dot(feature_vec, weights):
    # vmap docstring: model(feature_vec) = feature_vec.dot(weights).relu()
    return feature_vec.dot(weights).relu()


@catalogue("mse_relu_dot")
def f_mse_relu_dot(weights, example, target):
    # grad docstring: compute_loss(weights, example, target)
    y = example.dot(weights).relu()
    return ((y - target) ** 2.0).mean()


@catalogue("quad_form")
def f_quad_form(x, A):
    return torch.dot(x, A @ x)


@catalogue("rosenbrock")
def f_rosenbrock(x):
    n = x.shape[0]
    a = x[1:n] - x[0:n - 1] ** 2.0
    b = 1.0 - x[0:n - 1]
    return (100.0 * a ** 2.0 + b ** 2.0).sum()


@catalogue("logreg_loss")
def f_logreg_loss(params, x, y):
    # params = {"b": scalar, "w": [D]}; x: [D]; y: scalar label in {0, 1}
    # loss = -y*log(sigmoid(z)) - (1-y)*log(1-sigmoid(z)) = log1p(exp(-z)) + (1-y)*z
    z = torch.dot(x, params["w"]) + params["b"]
    return torch.log1p(torch.exp(-z)) + (1.0 - y) * z


@catalogue("mlp2_loss_dict")
def f_mlp2_loss_dict(params, x, y):
    # params = {"W1": [H,D], "W2": [C,H], "b1": [H], "b2": [C]}; x: [D]; y: one-hot [C]
    h = torch.relu(params["W1"] @ x + params["b1"])
    logits = params["W2"] @ h + params["b2"]
    return -(y * torch.log_softmax(logits, dim=0)).sum()


@catalogue("mlp2_loss_tuple")
def f_mlp2_loss_tuple(params, x, y):
    # params = (W1 [H,D], b1 [H], W2 [C,H], b2 [C]); x: [D]; y: one-hot [C]
    # cross entropy written with logsumexp (equal to -(y * log_softmax).sum() for
    # one-hot y) because torch 1.13 has no forward-over-reverse rule for
    # log_softmax, which jacfwd(jacrev(...)) / hessian need.
    W1, b1, W2, b2 = params
    h = torch.tanh(W1 @ x + b1)
    logits = W2 @ h + b2
    return torch.logsumexp(logits, dim=0) - (y * logits).sum()


@catalogue("mlp2_forward")
def f_mlp2_forward(params, x):
    # params as in mlp2_loss_dict; returns logits [C]
    h = torch.relu(params["W1"] @ x + params["b1"])
    return params["W2"] @ h + params["b2"]


@catalogue("softmax_xent")
def f_softmax_xent(logits, y):
    # logits, y: [B, C] (y one-hot rows); mean over the batch
    return -(y * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()


@catalogue("softmax_xent_vec")
def f_softmax_xent_vec(logits, y):
    return -(y * torch.log_softmax(logits, dim=0)).sum()


@catalogue("softmax_xent_lse")
def f_softmax_xent_lse(logits, y):
    # = softmax_xent_vec for one-hot y, but hessian-able in torch 1.13
    return torch.logsumexp(logits, dim=0) - (y * logits).sum()


@catalogue("softmax0")
def f_softmax0(x):
    return torch.softmax(x, dim=0)


@catalogue("log_softmax1")
def f_log_softmax1(X):
    return torch.log_softmax(X, dim=1)


@catalogue("logsumexp0")
def f_logsumexp0(x):
    return torch.logsumexp(x, dim=0)


@catalogue("exp_log_mix")
def f_exp_log_mix(x):
    return torch.exp(-x) * torch.log(x * x + 1.0) + torch.log1p(x.square()) - torch.expm1(x * 0.5)


@catalogue("sqrt_rsqrt_mix")
def f_sqrt_rsqrt_mix(x):
    return torch.sqrt(x * x + 1.0) + torch.rsqrt(x * x + 2.0)


@catalogue("pow_frac")
def f_pow_frac(x):
    return (x * x + 1.0) ** 1.5 + (x * x + 0.5) ** -0.5


@catalogue("sigmoid_cos_div")
def f_sigmoid_cos_div(x, y):
    return torch.sigmoid(x) * torch.cos(y) / (y * y + 1.0) + torch.neg(x) * y


@catalogue("abs_relu")
def f_abs_relu(x):
    # kinks at 0: inputs are kept at |x| >= 0.2
    return torch.abs(x) * torch.cos(x) + torch.relu(x) * torch.exp(x)


@catalogue("max_min_where")
def f_max_min_where(x, y):
    # kinks where x == y and x == 0: inputs keep |x| >= 0.2 and |x - y| >= 0.2
    return (torch.maximum(x, y) * torch.sin(torch.minimum(x, y))
            + torch.where(x > y, x * y, y - x)
            + torch.where(x < 0.0, x * x, torch.sin(x)))


@catalogue("max_dim1")
def f_max_dim1(X):
    # X: [M, N] -> [M]; row maxima are separated from the runner-up by >= 0.2
    return X.max(dim=1).values * X.mean(dim=1)


@catalogue("sum_mean_dims")
def f_sum_mean_dims(X):
    return torch.sin(X.sum(dim=0)).sum() * X.mean() + X.mean(dim=1).square().sum()


@catalogue("matmul_tanh")
def f_matmul_tanh(A, B):
    return torch.tanh(A @ B)


@catalogue("gram_transpose")
def f_gram_transpose(A):
    return torch.sin(A.t() @ A)


@catalogue("reshape_matvec")
def f_reshape_matvec(x, v):
    # x: [6], v: [3] -> [2]
    return x.reshape(2, 3) @ v


@catalogue("row_index")
def f_row_index(X):
    # X: [M >= 3, N] -> [N]
    return X[1] * torch.sin(X[2]) - X[0]


@catalogue("slice_prod")
def f_slice_prod(x):
    # x: [N >= 5] -> [3]
    return x[1:4] * x[0:3] + torch.exp(x[2:5])


@catalogue("cat_sin_mul")
def f_cat_sin_mul(x, y):
    # x, y: [N] -> [2N]
    return torch.cat([torch.sin(x), x * y], dim=0)


@catalogue("stack_mix")
def f_stack_mix(x, y):
    # x, y: [N] -> [N, 3]
    return torch.tanh(torch.stack([x * y, x + y, x - y], dim=1))


@catalogue("tuple_out")
def f_tuple_out(x, y):
    # two outputs: ([N], scalar)
    return (x * y, torch.tanh(x).sum())


@catalogue("sin_wx_sum")
def f_sin_wx_sum(w, x):
    return torch.sin(w * x).sum()


@catalogue("sum_all")
def f_sum_all(y):
    return y.sum()


@catalogue("mean_all")
def f_mean_all(y):
    return y.mean()


def catalogue_source(fid):
    src = textwrap.dedent(inspect.getsource(CATALOGUE[fid]))
    lines = [l for l in src.splitlines() if not l.startswith("@catalogue")]
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Spec interpreter (functorch) -- the semantics documented in README.md.
# ---------------------------------------------------------------------------


def _dims(d):
    return tuple(d) if isinstance(d, list) else d


def _closure_leaf_args(spec, A, b):
    """Arguments for the wrapped function inside a closure: {"param": k} is the
    k-th parameter of the new inner function, {"outer": j} the j-th argument of
    the closure itself (a captured value)."""
    assert len(b) == len(spec["call_args"])
    return [b[x["param"]] if "param" in x else A[x["outer"]] for x in spec["leaf_args"]]


def build(spec, leaf):
    op = spec["op"]
    if op == "fn":
        return leaf
    if op == "closure":
        def G(*A):
            def h(*b):
                return leaf(*_closure_leaf_args(spec, A, b))

            return build(spec["inner"], h)(*[A[i] for i in spec["call_args"]])
        return G
    inner = build(spec["inner"], leaf)
    if op == "vmap":
        return vmap(inner, in_dims=_dims(spec["in_dims"]), out_dims=_dims(spec["out_dims"]))
    if op == "grad":
        return grad(inner, argnums=_dims(spec["argnums"]))
    if op == "jacrev":
        return jacrev(inner, argnums=_dims(spec["argnums"]))
    if op == "jacfwd":
        return jacfwd(inner, argnums=_dims(spec["argnums"]))
    if op == "hessian":
        return hessian(inner, argnums=_dims(spec["argnums"]))
    if op == "vjp":
        def G(*a):
            out, pullback = vjp(inner, *a[:-1])
            return (out, pullback(a[-1]))
        return G
    if op == "pullback":
        def G(*a):
            _, pullback = vjp(inner, *a[:-1])
            return pullback(a[-1])
        return G
    if op == "jvp":
        def G(*a):
            n = len(a) // 2
            return jvp(inner, tuple(a[:n]), tuple(a[n:]))
        return G
    if op == "post":
        post = CATALOGUE[spec["fn"]]
        return lambda *a: post(inner(*a))
    raise ValueError(op)


# ---------------------------------------------------------------------------
# Independent reference interpreter: loops and finite differences.
# ---------------------------------------------------------------------------

FD_H = 1e-3


def _richardson(evaluate):
    """evaluate(delta) -> list of tensors; derivative at delta=0 by central
    differences with one Richardson step (error O(h^4))."""
    def central(h):
        p, m = evaluate(h), evaluate(-h)
        return [(a - b) / (2.0 * h) for a, b in zip(p, m)]
    d1, d2 = central(FD_H), central(FD_H / 2.0)
    return [(4.0 * b - a) / 3.0 for a, b in zip(d1, d2)]


def fd_jacobian(F, args, argnum):
    """Out-tree whose leaves are arg-trees of d out_leaf / d arg_leaf
    (shape out.shape + arg_leaf.shape)."""
    out_leaves, out_s = tree_flatten(F(*args))
    arg_leaves, arg_s = tree_flatten(args[argnum])
    jac = [[torch.zeros(o.shape + a.shape, dtype=F64) for a in arg_leaves] for o in out_leaves]
    for li, a in enumerate(arg_leaves):
        for idx in range(a.numel()):
            def evaluate(delta):
                moved = a.clone()
                moved.view(-1)[idx] += delta
                leaves = list(arg_leaves)
                leaves[li] = moved
                new_args = list(args)
                new_args[argnum] = tree_unflatten(arg_s, leaves)
                return tree_flatten(F(*new_args))[0]
            for oi, d in enumerate(_richardson(evaluate)):
                jac[oi][li].view(out_leaves[oi].shape + (-1,))[..., idx] = d
    return tree_unflatten(out_s, [tree_unflatten(arg_s, row) for row in jac])


def ref_jac(F, argnums):
    def G(*args):
        if isinstance(argnums, int):
            return fd_jacobian(F, args, argnums)
        per_arg = [fd_jacobian(F, args, k) for k in argnums]
        out_s = tree_flatten(F(*args))[1]
        # out-tree of tuples (one entry per argnum), like functorch
        rows = [tree_flatten_shallow_out(j, out_s) for j in per_arg]
        return tree_unflatten_objs(out_s, [tuple(r[i] for r in rows) for i in range(len(rows[0]))])
    return G


def tree_flatten_shallow_out(tree, out_s):
    """Split `tree` (an out-tree whose leaves are arbitrary objects) into the
    list of objects sitting at the leaf positions of out_s."""
    if out_s == "T":
        return [tree]
    kind, subs = out_s
    res = []
    if kind == "tuple":
        for c, s in zip(tree, subs):
            res += tree_flatten_shallow_out(c, s)
    else:
        for k, s in subs:
            res += tree_flatten_shallow_out(tree[k], s)
    return res


def tree_unflatten_objs(out_s, objs):
    it = iter(objs)

    def go(s):
        if s == "T":
            return next(it)
        kind, subs = s
        if kind == "tuple":
            return tuple(go(c) for c in subs)
        return {k: go(c) for k, c in subs}
    return go(out_s)


def _norm_dim(d, ndim):
    return d + ndim if d < 0 else d


def ref_vmap(F, in_dims, out_dims):
    def G(*args):
        dims = in_dims if isinstance(in_dims, list) else [in_dims] * len(args)
        assert len(dims) == len(args)
        sizes = set()
        for a, d in zip(args, dims):
            if d is not None:
                for l in tree_flatten(a)[0]:
                    sizes.add(l.shape[_norm_dim(d, l.dim())])
        assert len(sizes) == 1, sizes
        n = sizes.pop()
        results = []
        for i in range(n):
            sliced = [a if d is None else tree_map(lambda l: l.select(_norm_dim(d, l.dim()), i), a)
                      for a, d in zip(args, dims)]
            results.append(F(*sliced))
        out_s = tree_flatten(results[0])[1]
        if isinstance(out_dims, list):
            od = []
            assert out_s[0] == "tuple" and len(out_s[1]) == len(out_dims)
            for top, d in zip(out_s[1], out_dims):
                od += [d] * _count_leaves(top)
        else:
            od = [out_dims] * _count_leaves(out_s)
        per_leaf = list(zip(*[tree_flatten(r)[0] for r in results]))
        stacked = [torch.stack(list(ls), dim=_norm_dim(d, ls[0].dim() + 1)) for ls, d in zip(per_leaf, od)]
        return tree_unflatten(out_s, stacked)
    return G


def _count_leaves(s):
    if s == "T":
        return 1
    kind, subs = s
    return sum(_count_leaves(c if kind == "tuple" else c[1]) for c in subs)


def _contract(ct, J):
    # sum over the output dims: ct has shape out.shape, J out.shape + in.shape
    return torch.tensordot(ct, J, dims=ct.dim())


def build_ref(spec, leaf):
    op = spec["op"]
    if op == "fn":
        return leaf
    if op == "closure":
        def G(*A):
            return build_ref(spec["inner"], lambda *b: leaf(*_closure_leaf_args(spec, A, b)))(
                *[A[i] for i in spec["call_args"]])
        return G
    F = build_ref(spec["inner"], leaf)
    if op == "vmap":
        return ref_vmap(F, spec["in_dims"], spec["out_dims"])
    if op == "grad":
        def G(*args):
            assert F(*args).shape == (), "grad of non-scalar"
            if isinstance(spec["argnums"], int):
                return fd_jacobian(F, args, spec["argnums"])
            return tuple(fd_jacobian(F, args, k) for k in spec["argnums"])
        return G
    if op in ("jacrev", "jacfwd"):
        return ref_jac(F, spec["argnums"])
    if op == "hessian":
        return ref_jac(ref_jac(F, spec["argnums"]), spec["argnums"])
    if op in ("vjp", "pullback"):
        def G(*a):
            primals, ct = a[:-1], a[-1]
            out = F(*primals)
            ct_leaves = tree_flatten(ct)[0]
            grads = []
            for k in range(len(primals)):
                J = fd_jacobian(F, primals, k)
                J_leaves_per_out = tree_flatten_shallow_out(J, tree_flatten(out)[1])
                arg_s = tree_flatten(primals[k])[1]
                acc = None
                for c, Jo in zip(ct_leaves, J_leaves_per_out):
                    contrib = [_contract(c, j) for j in tree_flatten(Jo)[0]]
                    acc = contrib if acc is None else [x + y for x, y in zip(acc, contrib)]
                grads.append(tree_unflatten(arg_s, acc))
            return (out, tuple(grads)) if op == "vjp" else tuple(grads)
        return G
    if op == "jvp":
        def G(*a):
            n = len(a) // 2
            primals, tangents = a[:n], a[n:]
            out = F(*primals)

            def evaluate(delta):
                moved = [tree_unflatten(tree_flatten(p)[1],
                                        [pl + delta * tl for pl, tl in
                                         zip(tree_flatten(p)[0], tree_flatten(t)[0])])
                         for p, t in zip(primals, tangents)]
                return tree_flatten(F(*moved))[0]
            return (out, tree_unflatten(tree_flatten(out)[1], _richardson(evaluate)))
        return G
    if op == "post":
        post = CATALOGUE[spec["fn"]]
        return lambda *a: post(F(*a))
    raise ValueError(op)


# ---------------------------------------------------------------------------
# Rendering of a spec as Python text (the "transform" field).
# ---------------------------------------------------------------------------


def _py(v):
    if v is None:
        return "None"
    if isinstance(v, list):
        return "(" + ", ".join(_py(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    return repr(v)


def render(spec, leaf="f"):
    op = spec["op"]
    if op == "fn":
        return leaf
    if op == "closure":
        n_outer = max(spec["call_args"] + [x["outer"] for x in spec["leaf_args"] if "outer" in x]) + 1
        outer = ["a%d" % i for i in range(n_outer)]
        inner_params = ["b%d" % i for i in range(len(spec["call_args"]))]
        h = "(lambda %s: %s(%s))" % (", ".join(inner_params), leaf, ", ".join(
            inner_params[x["param"]] if "param" in x else outer[x["outer"]] for x in spec["leaf_args"]))
        return "(lambda %s: %s(%s))" % (", ".join(outer), render(spec["inner"], h),
                                        ", ".join(outer[i] for i in spec["call_args"]))
    inner = render(spec["inner"], leaf)
    if op == "vmap":
        return "vmap(%s, in_dims=%s, out_dims=%s)" % (inner, _py(spec["in_dims"]), _py(spec["out_dims"]))
    if op in ("grad", "jacrev", "jacfwd", "hessian"):
        return "%s(%s, argnums=%s)" % (op, inner, _py(spec["argnums"]))
    if op in ("vjp", "pullback", "jvp"):
        return "%s(%s)" % (op, inner)
    if op == "post":
        return "(lambda *a: %s(%s(*a)))" % (spec["fn"], inner)
    raise ValueError(op)


# spec constructors
def FN():
    return {"op": "fn"}


def VMAP(inner, in_dims=0, out_dims=0):
    return {"op": "vmap", "in_dims": in_dims, "out_dims": out_dims, "inner": inner}


def GRAD(inner, argnums=0):
    return {"op": "grad", "argnums": argnums, "inner": inner}


def JACREV(inner, argnums=0):
    return {"op": "jacrev", "argnums": argnums, "inner": inner}


def JACFWD(inner, argnums=0):
    return {"op": "jacfwd", "argnums": argnums, "inner": inner}


def HESSIAN(inner, argnums=0):
    return {"op": "hessian", "argnums": argnums, "inner": inner}


def VJP(inner):
    return {"op": "vjp", "inner": inner}


def PULLBACK(inner):
    return {"op": "pullback", "inner": inner}


def JVP(inner):
    return {"op": "jvp", "inner": inner}


def POST(fn, inner):
    return {"op": "post", "fn": fn, "inner": inner}


def CLOSURE(call_args, leaf_args, inner):
    """leaf_args: list of "pK" (K-th parameter of the inner function) / "aJ"
    (J-th argument of the closure)."""
    la = [{"param": int(x[1:])} if x[0] == "p" else {"outer": int(x[1:])} for x in leaf_args]
    return {"op": "closure", "call_args": call_args, "leaf_args": la, "inner": inner}


def kind_of(spec):
    """Transform kind used for the per-kind counts: the outermost chain of ops."""
    ops = []
    s = spec
    while s["op"] != "fn":
        ops.append(s["op"])
        s = s["inner"]
    return "(".join(ops) + ")" * (len(ops) - 1) if ops else "fn"


# ---------------------------------------------------------------------------
# Input makers (deterministic; one torch.Generator per case)
# ---------------------------------------------------------------------------


class Gen:
    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def randn(self, *shape, scale=1.0):
        return torch.randn(shape, generator=self.g, dtype=F64) * scale

    def rand(self, *shape):
        return torch.rand(shape, generator=self.g, dtype=F64)

    def away(self, *shape, margin=0.2):
        """Values with |v| in [margin, margin + 1): away from kinks at 0."""
        s = torch.where(self.rand(*shape) < 0.5, -1.0, 1.0)
        return s * (margin + self.rand(*shape))

    def onehot(self, *shape):
        """Rows one-hot along the last dim."""
        n = shape[-1]
        idx = torch.randint(0, n, shape[:-1], generator=self.g)
        return torch.nn.functional.one_hot(idx, n).to(F64)

    def distinct_rows(self, *shape):
        """Last-dim entries whose maximum beats the runner-up by >= 0.2."""
        x = self.randn(*shape)
        top = x.max(dim=-1, keepdim=True).values
        return torch.where(x == top, x + 0.2, x)


def relu_dot_safe(gen, B, D, margin=0.1):
    """weights [D], examples [B, D] with |examples[i].dot(weights)| >= margin."""
    for _ in range(10000):
        w, X = gen.randn(D), gen.randn(B, D)
        if (X @ w).abs().min() >= margin:
            return w, X
    raise RuntimeError("no kink-safe sample")


def mlp_params_dict(gen, D, H, C, scale=0.7):
    return {"W1": gen.randn(H, D, scale=scale), "W2": gen.randn(C, H, scale=scale),
            "b1": gen.randn(H, scale=0.3), "b2": gen.randn(C, scale=0.3)}


def mlp_safe(gen, D, H, C, B, margin=0.05):
    """params + examples X [B, D] with every hidden pre-activation |W1 x + b1| >= margin."""
    for _ in range(10000):
        p = mlp_params_dict(gen, D, H, C)
        X = gen.randn(B, D) if B else gen.randn(D)
        pre = (X @ p["W1"].t() + p["b1"]) if B else (p["W1"] @ X + p["b1"])
        if pre.abs().min() >= margin:
            return p, X
    raise RuntimeError("no kink-safe sample")


def mlp_safe_batched_params(gen, D, H, C, E, margin=0.05):
    """E stacked parameter dicts and one input x with safe pre-activations."""
    for _ in range(10000):
        ps = [mlp_params_dict(gen, D, H, C) for _ in range(E)]
        x = gen.randn(D)
        if all((p["W1"] @ x + p["b1"]).abs().min() >= margin for p in ps):
            return {k: torch.stack([p[k] for p in ps]) for k in ps[0]}, x
    raise RuntimeError("no kink-safe sample")


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

CASES = []


def case(name, fid, spec, names, make, check=None):
    CASES.append(dict(name=name, fid=fid, spec=spec, names=names, make=make, check=check))


def close(a, b, tol=1e-12):
    la, sa = tree_flatten(a)
    lb, sb = tree_flatten(b)
    assert sa == sb, (sa, sb)
    for x, y in zip(la, lb):
        assert x.shape == y.shape, (x.shape, y.shape)
        assert torch.allclose(x, y, rtol=tol, atol=tol), (x, y)


# ---- vmap -----------------------------------------------------------------
case("vmap_dot_batched", "dot", VMAP(FN()), ["x", "y"],
     lambda g: [g.randn(4, 5), g.randn(4, 5)],
     check=lambda a, o: close(o, (a[0] * a[1]).sum(1)))
case("vmap_dot_in_dims_1", "dot", VMAP(FN(), in_dims=1), ["x", "y"],
     lambda g: [g.randn(5, 3), g.randn(5, 3)])
case("vmap_dot_unmapped_y", "dot", VMAP(FN(), in_dims=[0, None]), ["x", "y"],
     lambda g: [g.randn(4, 5), g.randn(5)])
case("vmap_dot_unmapped_x_neg_dim", "dot", VMAP(FN(), in_dims=[None, -1]), ["x", "y"],
     lambda g: [g.randn(5), g.randn(5, 3)])
case("vmap_relu_dot_tutorial", "relu_dot", VMAP(FN(), in_dims=[0, None]), ["examples", "weights"],
     lambda g: list(reversed(relu_dot_safe(g, 3, 5))))
case("vmap_square_out_dims_1", "square", VMAP(FN(), out_dims=1), ["x"],
     lambda g: [g.randn(2, 5)])
case("vmap_sin_x_sq_in_dims_neg1", "sin_x_sq", VMAP(FN(), in_dims=-1), ["x"],
     lambda g: [g.randn(4, 3)])
case("vmap_sin_x_sq_out_dims_neg1", "sin_x_sq", VMAP(FN(), in_dims=0, out_dims=-1), ["x"],
     lambda g: [g.randn(3, 4)])
case("vmap_matmul_tanh_neg_dims", "matmul_tanh", VMAP(FN(), in_dims=[None, -1], out_dims=-1), ["A", "B"],
     lambda g: [g.randn(2, 3), g.randn(3, 4, 5)])
case("vmap_matmul_tanh_both_mapped", "matmul_tanh", VMAP(FN(), in_dims=[0, 2], out_dims=1), ["A", "B"],
     lambda g: [g.randn(3, 2, 4), g.randn(4, 2, 3)])
case("vmap_vmap_dot", "dot", VMAP(VMAP(FN())), ["x", "y"],
     lambda g: [g.randn(2, 3, 5), g.randn(2, 3, 5)])
case("vmap_vmap_dot_mixed_dims", "dot", VMAP(VMAP(FN(), in_dims=[1, None]), in_dims=[0, 0]), ["x", "y"],
     lambda g: [g.randn(2, 5, 3), g.randn(2, 5)],
     check=lambda a, o: close(o, torch.einsum("bdk,bd->bk", a[0], a[1])))
case("vmap_vmap_sin_x_sq_out_dims", "sin_x_sq",
     VMAP(VMAP(FN(), in_dims=0, out_dims=1), in_dims=1, out_dims=0), ["x"],
     lambda g: [g.randn(4, 3, 5)])
case("vmap_vmap_matmul_neg_dims", "matmul_tanh",
     VMAP(VMAP(FN(), in_dims=[None, -1], out_dims=0), in_dims=[0, 0], out_dims=-1), ["A", "B"],
     lambda g: [g.randn(3, 2, 4), g.randn(3, 4, 2, 2)])
case("vmap_tuple_out_dims", "tuple_out", VMAP(FN(), in_dims=[0, None], out_dims=[1, 0]), ["x", "y"],
     lambda g: [g.randn(3, 4), g.randn(4)])
case("vmap_softmax_in_dims_1", "softmax0", VMAP(FN(), in_dims=1), ["x"],
     lambda g: [g.randn(5, 3)])
case("vmap_logsumexp", "logsumexp0", VMAP(FN()), ["x"],
     lambda g: [g.randn(4, 6)])
case("vmap_log_softmax_3d", "log_softmax1", VMAP(FN(), in_dims=2), ["X"],
     lambda g: [g.randn(2, 4, 3)])
case("vmap_max_min_where", "max_min_where", VMAP(FN(), in_dims=[0, 1]), ["x", "y"],
     lambda g: (lambda x, d: [x, (x + d).t().contiguous()])(g.away(3, 4), g.away(3, 4)))
case("vmap_max_dim1", "max_dim1", VMAP(FN()), ["X"],
     lambda g: [g.distinct_rows(3, 4, 5)])
case("vmap_reshape_matvec", "reshape_matvec", VMAP(FN(), in_dims=[0, None]), ["x", "v"],
     lambda g: [g.randn(4, 6), g.randn(3)])
case("vmap_row_index_in_dims_2", "row_index", VMAP(FN(), in_dims=2), ["X"],
     lambda g: [g.randn(4, 5, 3)])
case("vmap_slice_prod", "slice_prod", VMAP(FN(), in_dims=-1), ["x"],
     lambda g: [g.randn(6, 2)])
case("vmap_cat_sin_mul", "cat_sin_mul", VMAP(FN(), in_dims=[0, None]), ["x", "y"],
     lambda g: [g.randn(3, 4), g.randn(4)])
case("vmap_stack_mix", "stack_mix", VMAP(FN(), in_dims=[1, 0], out_dims=2), ["x", "y"],
     lambda g: [g.randn(4, 3), g.randn(3, 4)])
case("vmap_gram_transpose", "gram_transpose", VMAP(FN()), ["A"],
     lambda g: [g.randn(3, 4, 2)])
case("vmap_exp_log_mix", "exp_log_mix", VMAP(FN()), ["x"], lambda g: [g.randn(3, 4)])
case("vmap_sqrt_rsqrt_mix", "sqrt_rsqrt_mix", VMAP(FN(), in_dims=1), ["x"], lambda g: [g.randn(3, 4)])
case("vmap_pow_frac", "pow_frac", VMAP(FN()), ["x"], lambda g: [g.randn(2, 5)])
case("vmap_sigmoid_cos_div", "sigmoid_cos_div", VMAP(FN(), in_dims=[0, None]), ["x", "y"],
     lambda g: [g.randn(3, 4), g.randn(4)])
case("vmap_abs_relu", "abs_relu", VMAP(FN()), ["x"], lambda g: [g.away(3, 4)])
case("vmap_sin_Ax_x_sq_unmapped_A", "sin_Ax_x_sq", VMAP(FN(), in_dims=[None, 0]), ["A", "x"],
     lambda g: [g.randn(4, 4), g.randn(3, 4)])
case("vmap_mlp2_ensemble_params", "mlp2_loss_dict", VMAP(FN(), in_dims=[0, None, None]),
     ["params", "x", "y"],
     lambda g: (lambda p, x: [p, x, g.onehot(3)])(*mlp_safe_batched_params(g, 4, 5, 3, 3)))
case("vmap_mlp2_tuple_per_example_loss", "mlp2_loss_tuple", VMAP(FN(), in_dims=[None, 0, 0]),
     ["params", "x", "y"],
     lambda g: [(g.randn(5, 4), g.randn(5), g.randn(3, 5), g.randn(3)), g.randn(4, 4), g.onehot(4, 3)])
case("vmap_logreg_per_example_loss", "logreg_loss", VMAP(FN(), in_dims=[None, 0, 0]), ["params", "x", "y"],
     lambda g: [{"b": g.randn(), "w": g.randn(3)}, g.randn(5, 3), torch.tensor([0., 1., 1., 0., 1.])])

# ---- grad -----------------------------------------------------------------
case("grad_sum_sin_x_sq", "sum_sin_x_sq", GRAD(FN()), ["x"], lambda g: [g.randn(5)],
     check=lambda a, o: close(o, torch.cos(a[0]) * a[0] ** 2 + 2 * a[0] * torch.sin(a[0])))
case("grad_sin_x_sq_scalar", "sin_x_sq", GRAD(FN()), ["x"], lambda g: [g.randn()])
case("grad_sum_tanh_Ax_argnums_0", "sum_tanh_Ax", GRAD(FN(), argnums=0), ["A", "x"],
     lambda g: [g.randn(3, 4), g.randn(4)])
case("grad_sum_tanh_Ax_argnums_1", "sum_tanh_Ax", GRAD(FN(), argnums=1), ["A", "x"],
     lambda g: [g.randn(3, 4), g.randn(4)])
case("grad_sum_tanh_Ax_argnums_01", "sum_tanh_Ax", GRAD(FN(), argnums=[0, 1]), ["A", "x"],
     lambda g: [g.randn(3, 4), g.randn(4)])
case("grad_mse_relu_dot", "mse_relu_dot", GRAD(FN()), ["weights", "example", "target"],
     lambda g: (lambda w, X: [w, X[0], g.randn()])(*relu_dot_safe(g, 1, 5)))
case("grad_logreg_argnums_01", "logreg_loss", GRAD(FN(), argnums=[0, 1]), ["params", "x", "y"],
     lambda g: [{"b": g.randn(), "w": g.randn(4)}, g.randn(4), torch.tensor(1.0)])
case("grad_mlp2_dict_params", "mlp2_loss_dict", GRAD(FN()), ["params", "x", "y"],
     lambda g: (lambda p, x: [p, x, g.onehot(3)])(*mlp_safe(g, 4, 5, 3, 0)))
case("grad_mlp2_tuple_params", "mlp2_loss_tuple", GRAD(FN()), ["params", "x", "y"],
     lambda g: [(g.randn(5, 4), g.randn(5), g.randn(3, 5), g.randn(3)), g.randn(4), g.onehot(3)])
case("grad_softmax_xent_batch", "softmax_xent", GRAD(FN()), ["logits", "y"],
     lambda g: [g.randn(4, 3), g.onehot(4, 3)])
case("grad_rosenbrock", "rosenbrock", GRAD(FN()), ["x"], lambda g: [g.randn(5, scale=0.5)])
case("grad_quad_form_wrt_A", "quad_form", GRAD(FN(), argnums=1), ["x", "A"],
     lambda g: [g.randn(4), g.randn(4, 4)],
     check=lambda a, o: close(o, torch.outer(a[0], a[0])))
case("grad_sum_mean_dims", "sum_mean_dims", GRAD(FN()), ["X"], lambda g: [g.randn(3, 4)])
case("grad_post_sum_max_min_where", "max_min_where", GRAD(POST("sum_all", FN()), argnums=[0, 1]),
     ["x", "y"], lambda g: (lambda x, d: [x, x + d])(g.away(5), g.away(5)))
case("grad_post_sum_max_dim1", "max_dim1", GRAD(POST("sum_all", FN())), ["X"],
     lambda g: [g.distinct_rows(3, 4)])
case("grad_post_sum_slice_cat", "cat_sin_mul", GRAD(POST("sum_all", FN()), argnums=[0, 1]), ["x", "y"],
     lambda g: [g.randn(4), g.randn(4)])
case("grad_post_mean_row_index", "row_index", GRAD(POST("mean_all", FN())), ["X"],
     lambda g: [g.randn(4, 3)])

# ---- vjp / pullback ---------------------------------------------------------
case("vjp_sin_x_sq", "sin_x_sq", VJP(FN()), ["x", "cotangent"],
     lambda g: [g.randn(5), g.randn(5)])
case("vjp_sin_Ax_x_sq", "sin_Ax_x_sq", VJP(FN()), ["A", "x", "cotangent"],
     lambda g: [g.randn(4, 4), g.randn(4), g.randn(4)])
case("vjp_mlp2_forward_dict", "mlp2_forward", VJP(FN()), ["params", "x", "cotangent"],
     lambda g: (lambda p, x: [p, x, g.randn(3)])(*mlp_safe(g, 4, 5, 3, 0)))
case("vjp_softmax0", "softmax0", VJP(FN()), ["x", "cotangent"], lambda g: [g.randn(5), g.randn(5)])
case("vjp_matmul_tanh", "matmul_tanh", VJP(FN()), ["A", "B", "cotangent"],
     lambda g: [g.randn(2, 3), g.randn(3, 4), g.randn(2, 4)])
case("vjp_tuple_out", "tuple_out", VJP(FN()), ["x", "y", "cotangent"],
     lambda g: [g.randn(4), g.randn(4), (g.randn(4), g.randn())])
case("vjp_stack_mix", "stack_mix", VJP(FN()), ["x", "y", "cotangent"],
     lambda g: [g.randn(4), g.randn(4), g.randn(4, 3)])


def _tutorial_jacobian_check(a, o):
    x, I_N = a
    # literal torch.vmap docstring approach (autograd.grad under vmap) ...
    xr = x.clone().requires_grad_(True)
    y = f_square(xr)
    rows = torch.stack([torch.autograd.grad(y, xr, v, retain_graph=True)[0] for v in I_N.unbind()])
    close(o, (rows,))
    # ... and functorch style: vjp once, vmap the pullback over eye(N)
    _, vjp_fn = vjp(f_square, x)
    close(o, vmap(vjp_fn)(I_N))
    close(o, (torch.diag(2 * x),))


case("vmap_pullback_jacobian_square_tutorial", "square", VMAP(PULLBACK(FN()), in_dims=[None, 0]),
     ["x", "eye"], lambda g: [g.randn(5), torch.eye(5)], check=_tutorial_jacobian_check)


def _jac_sin_Ax_check(a, o):
    A, x, I = a
    _, vjp_fn = vjp(f_sin_Ax_x_sq, A, x)
    close(o, vmap(vjp_fn)(I))
    close(o, jacrev(f_sin_Ax_x_sq, argnums=(0, 1))(A, x))


case("vmap_pullback_jacobian_sin_Ax_x_sq", "sin_Ax_x_sq", VMAP(PULLBACK(FN()), in_dims=[None, None, 0]),
     ["A", "x", "eye"], lambda g: [g.randn(3, 3), g.randn(3), torch.eye(3)], check=_jac_sin_Ax_check)

# ---- jvp ------------------------------------------------------------------
case("jvp_sin_x_sq", "sin_x_sq", JVP(FN()), ["x", "tangent_x"], lambda g: [g.randn(5), g.randn(5)])
case("jvp_sin_Ax_x_sq", "sin_Ax_x_sq", JVP(FN()), ["A", "x", "tangent_A", "tangent_x"],
     lambda g: [g.randn(4, 4), g.randn(4), g.randn(4, 4), g.randn(4)])
case("jvp_softmax0", "softmax0", JVP(FN()), ["x", "tangent_x"], lambda g: [g.randn(5), g.randn(5)])
case("jvp_sum_tanh_Ax", "sum_tanh_Ax", JVP(FN()), ["A", "x", "tangent_A", "tangent_x"],
     lambda g: [g.randn(3, 4), g.randn(4), g.randn(3, 4), g.randn(4)])
case("jvp_logsumexp0", "logsumexp0", JVP(FN()), ["x", "tangent_x"], lambda g: [g.randn(6), g.randn(6)])
case("jvp_mlp2_forward_dict", "mlp2_forward", JVP(FN()), ["params", "x", "tangent_params", "tangent_x"],
     lambda g: (lambda p, x: [p, x, tree_map(lambda t: g.randn(*t.shape), p), g.randn(4)])(
         *mlp_safe(g, 4, 5, 3, 0)))
case("jvp_abs_relu", "abs_relu", JVP(FN()), ["x", "tangent_x"], lambda g: [g.away(5), g.randn(5)])
case("vmap_jvp_columns", "sin_Ax_x_sq", VMAP(JVP(FN()), in_dims=[None, None, None, 0]),
     ["A", "x", "tangent_A", "tangent_x_batch"],
     lambda g: [g.randn(3, 3), g.randn(3), torch.zeros(3, 3), torch.eye(3)],
     check=lambda a, o: close(o[1], jacfwd(f_sin_Ax_x_sq, argnums=1)(a[0], a[1]).t()))

# ---- jacrev / jacfwd --------------------------------------------------------
case("jacrev_sin_x_sq", "sin_x_sq", JACREV(FN()), ["x"], lambda g: [g.randn(5)])
case("jacrev_sin_Ax_x_sq_argnums_1", "sin_Ax_x_sq", JACREV(FN(), argnums=1), ["A", "x"],
     lambda g: [g.randn(4, 4), g.randn(4)])
case("jacrev_sin_Ax_x_sq_argnums_01", "sin_Ax_x_sq", JACREV(FN(), argnums=[0, 1]), ["A", "x"],
     lambda g: [g.randn(3, 3), g.randn(3)])
case("jacrev_softmax0", "softmax0", JACREV(FN()), ["x"], lambda g: [g.randn(5)])
case("jacrev_mlp2_forward_params", "mlp2_forward", JACREV(FN()), ["params", "x"],
     lambda g: list(mlp_safe(g, 3, 4, 2, 0)))
case("jacrev_matmul_tanh_2d", "matmul_tanh", JACREV(FN()), ["A", "B"],
     lambda g: [g.randn(2, 3), g.randn(3, 2)])
case("jacrev_tuple_out_argnums_01", "tuple_out", JACREV(FN(), argnums=[0, 1]), ["x", "y"],
     lambda g: [g.randn(3), g.randn(3)])
case("jacfwd_sin_x_sq", "sin_x_sq", JACFWD(FN()), ["x"], lambda g: [g.randn(5)])
case("jacfwd_sin_Ax_x_sq_argnums_1", "sin_Ax_x_sq", JACFWD(FN(), argnums=1), ["A", "x"],
     lambda g: [g.randn(4, 4), g.randn(4)])
case("jacfwd_sin_Ax_x_sq_argnums_01", "sin_Ax_x_sq", JACFWD(FN(), argnums=[0, 1]), ["A", "x"],
     lambda g: [g.randn(3, 3), g.randn(3)])
case("jacfwd_softmax0", "softmax0", JACFWD(FN()), ["x"], lambda g: [g.randn(5)])
case("jacfwd_logsumexp0", "logsumexp0", JACFWD(FN()), ["x"], lambda g: [g.randn(5)])
case("jacfwd_exp_log_mix", "exp_log_mix", JACFWD(FN()), ["x"], lambda g: [g.randn(4)])
case("jacfwd_sqrt_rsqrt_mix", "sqrt_rsqrt_mix", JACFWD(FN()), ["x"], lambda g: [g.randn(4)])
case("jacfwd_pow_frac", "pow_frac", JACFWD(FN()), ["x"], lambda g: [g.randn(4)])
case("jacfwd_sigmoid_cos_div_argnums_01", "sigmoid_cos_div", JACFWD(FN(), argnums=[0, 1]), ["x", "y"],
     lambda g: [g.randn(4), g.randn(4)])
case("jacfwd_max_min_where", "max_min_where", JACFWD(FN(), argnums=[0, 1]), ["x", "y"],
     lambda g: (lambda x, d: [x, x + d])(g.away(4), g.away(4)))
case("jacfwd_max_dim1", "max_dim1", JACFWD(FN()), ["X"], lambda g: [g.distinct_rows(3, 4)])
case("jacfwd_gram_transpose", "gram_transpose", JACFWD(FN()), ["A"], lambda g: [g.randn(3, 2)])
case("jacfwd_reshape_matvec", "reshape_matvec", JACFWD(FN(), argnums=[0, 1]), ["x", "v"],
     lambda g: [g.randn(6), g.randn(3)])
case("jacfwd_slice_prod", "slice_prod", JACFWD(FN()), ["x"], lambda g: [g.randn(5)])
case("jacfwd_stack_mix", "stack_mix", JACFWD(FN(), argnums=1), ["x", "y"], lambda g: [g.randn(3), g.randn(3)])
case("jacrev_log_softmax1", "log_softmax1", JACREV(FN()), ["X"], lambda g: [g.randn(2, 3)])
case("jacrev_abs_relu", "abs_relu", JACREV(FN()), ["x"], lambda g: [g.away(4)])

# ---- hessian ----------------------------------------------------------------
case("hessian_sum_sin_x_sq", "sum_sin_x_sq", HESSIAN(FN()), ["x"], lambda g: [g.randn(4)])
case("hessian_quad_form", "quad_form", HESSIAN(FN()), ["x", "A"], lambda g: [g.randn(4), g.randn(4, 4)],
     check=lambda a, o: close(o, a[1] + a[1].t()))
case("hessian_rosenbrock", "rosenbrock", HESSIAN(FN()), ["x"], lambda g: [g.randn(4, scale=0.5)])
case("hessian_sum_tanh_Ax_argnums_1", "sum_tanh_Ax", HESSIAN(FN(), argnums=1), ["A", "x"],
     lambda g: [g.randn(3, 4), g.randn(4)])
case("hessian_softmax_xent_lse", "softmax_xent_lse", HESSIAN(FN()), ["logits", "y"],
     lambda g: [g.randn(4), g.onehot(4)])
case("jacrev_jacrev_softmax_xent_vec", "softmax_xent_vec", JACREV(JACREV(FN())), ["logits", "y"],
     lambda g: [g.randn(4), g.onehot(4)])
case("vmap_grad_softmax_xent_vec", "softmax_xent_vec", VMAP(GRAD(FN())), ["logits", "y"],
     lambda g: [g.randn(3, 4), g.onehot(3, 4)],
     check=lambda a, o: close(o, torch.softmax(a[0], dim=1) - a[1]))
case("hessian_logreg_params_dict", "logreg_loss", HESSIAN(FN()), ["params", "x", "y"],
     lambda g: [{"b": g.randn(), "w": g.randn(3)}, g.randn(3), torch.tensor(0.0)])
case("hessian_sum_tanh_Ax_argnums_01", "sum_tanh_Ax", HESSIAN(FN(), argnums=[0, 1]), ["A", "x"],
     lambda g: [g.randn(2, 2), g.randn(2)])

# ---- compositions -----------------------------------------------------------


def _per_sample_check(a, o):
    w, X, t = a
    rows = []
    for i in range(X.shape[0]):
        wr = w.clone().requires_grad_(True)
        rows.append(torch.autograd.grad(f_mse_relu_dot(wr, X[i], t[i]), wr)[0])
    close(o, torch.stack(rows))


case("vmap_grad_per_sample_docstring", "mse_relu_dot", VMAP(GRAD(FN()), in_dims=[None, 0, 0]),
     ["weights", "examples", "targets"],
     lambda g: (lambda w, X: [w, X, g.randn(3)])(*relu_dot_safe(g, 3, 5)), check=_per_sample_check)
case("vmap_grad_per_sample_64", "mse_relu_dot", VMAP(GRAD(FN()), in_dims=[None, 0, 0]),
     ["weights", "examples", "targets"],
     lambda g: (lambda w, X: [w, X, g.randn(64)])(*relu_dot_safe(g, 64, 4, margin=0.05)),
     check=_per_sample_check)
case("vmap_grad_mlp2_dict_per_sample", "mlp2_loss_dict", VMAP(GRAD(FN()), in_dims=[None, 0, 0]),
     ["params", "x", "y"],
     lambda g: (lambda p, X: [p, X, g.onehot(4, 3)])(*mlp_safe(g, 3, 4, 3, 4)))
case("vmap_grad_mlp2_tuple_per_sample", "mlp2_loss_tuple", VMAP(GRAD(FN()), in_dims=[None, 0, 0]),
     ["params", "x", "y"],
     lambda g: [(g.randn(4, 3), g.randn(4), g.randn(3, 4), g.randn(3)), g.randn(5, 3), g.onehot(5, 3)])
case("vmap_grad_logreg_per_sample", "logreg_loss", VMAP(GRAD(FN()), in_dims=[None, 0, 0]),
     ["params", "x", "y"],
     lambda g: [{"b": g.randn(), "w": g.randn(3)}, g.randn(6, 3), torch.tensor([1., 0., 0., 1., 1., 0.])])
case("vmap_grad_argnums_1_out_dims_1", "sum_tanh_Ax", VMAP(GRAD(FN(), argnums=1), in_dims=[None, 0], out_dims=1),
     ["A", "x"], lambda g: [g.randn(3, 4), g.randn(5, 4)])
case("grad_grad_sin_x_sq_scalar", "sin_x_sq", GRAD(GRAD(FN())), ["x"], lambda g: [g.randn()],
     check=lambda a, o: close(o, (2 - a[0] ** 2) * torch.sin(a[0]) + 4 * a[0] * torch.cos(a[0])))
case("grad_grad_grad_sin_x_sq_scalar", "sin_x_sq", GRAD(GRAD(GRAD(FN()))), ["x"], lambda g: [g.randn()],
     check=lambda a, o: close(o, -6 * a[0] * torch.sin(a[0]) + (6 - a[0] ** 2) * torch.cos(a[0])))
case("vmap_grad_grad_sin_x_sq", "sin_x_sq", VMAP(GRAD(GRAD(FN()))), ["x"], lambda g: [g.randn(5)])
case("jacfwd_jacrev_sum_sin_x_sq", "sum_sin_x_sq", JACFWD(JACREV(FN())), ["x"], lambda g: [g.randn(4)])
case("jacfwd_jacrev_sin_x_sq", "sin_x_sq", JACFWD(JACREV(FN())), ["x"], lambda g: [g.randn(3)])
case("jacrev_jacrev_sum_tanh_Ax", "sum_tanh_Ax", JACREV(JACREV(FN(), argnums=1), argnums=1), ["A", "x"],
     lambda g: [g.randn(3, 3), g.randn(3)])
case("jacfwd_jacrev_mlp2_loss_x", "mlp2_loss_tuple", JACFWD(JACREV(FN(), argnums=1), argnums=1),
     ["params", "x", "y"],
     lambda g: [(g.randn(4, 3), g.randn(4), g.randn(3, 4), g.randn(3)), g.randn(3), g.onehot(3)])
case("vmap_jacrev_sin_x_sq", "sin_x_sq", VMAP(JACREV(FN())), ["x"], lambda g: [g.randn(4, 3)])
case("vmap_jacrev_sin_Ax_x_sq_unmapped_A", "sin_Ax_x_sq", VMAP(JACREV(FN(), argnums=1), in_dims=[None, 0]),
     ["A", "x"], lambda g: [g.randn(3, 3), g.randn(4, 3)])
case("vmap_jacfwd_softmax_in_dims_1", "softmax0", VMAP(JACFWD(FN()), in_dims=1), ["x"],
     lambda g: [g.randn(4, 3)])
case("vmap_hessian_sum_tanh_Ax", "sum_tanh_Ax", VMAP(HESSIAN(FN(), argnums=1), in_dims=[None, 0]),
     ["A", "x"], lambda g: [g.randn(2, 3), g.randn(4, 3)])
case("jacrev_vmap_sin_x_sq", "sin_x_sq", JACREV(VMAP(FN())), ["x"], lambda g: [g.randn(3, 2)])
case("jvp_grad_hvp", "sum_sin_x_sq", JVP(GRAD(FN())), ["x", "tangent_x"],
     lambda g: [g.randn(4), g.randn(4)],
     check=lambda a, o: close(o[1], hessian(f_sum_sin_x_sq)(a[0]) @ a[1]))
case("vjp_grad_hvp", "sum_tanh_Ax", VJP(GRAD(FN(), argnums=1)), ["A", "x", "cotangent"],
     lambda g: [g.randn(3, 3), g.randn(3), g.randn(3)])


def _grad_of_vmap_check(a, o):
    X, w = a
    close(o, vmap(grad(f_relu_dot, argnums=1), in_dims=(0, None))(X, w).sum(0))


case("grad_of_vmap_sum", "relu_dot", GRAD(POST("sum_all", VMAP(FN(), in_dims=[0, None])), argnums=1),
     ["examples", "weights"], lambda g: list(reversed(relu_dot_safe(g, 4, 5))), check=_grad_of_vmap_check)


def _mean_of_per_sample_check(a, o):
    close(o, vmap(grad(f_mse_relu_dot), in_dims=(None, 0, 0))(*a).mean(0))


case("grad_of_vmap_mean_loss", "mse_relu_dot", GRAD(POST("mean_all", VMAP(FN(), in_dims=[None, 0, 0]))),
     ["weights", "examples", "targets"],
     lambda g: (lambda w, X: [w, X, g.randn(6)])(*relu_dot_safe(g, 6, 4)), check=_mean_of_per_sample_check)
case("grad_of_vmap_unmapped_A", "sin_Ax_x_sq", GRAD(POST("sum_all", VMAP(FN(), in_dims=[None, 0])), argnums=0),
     ["A", "x"], lambda g: [g.randn(3, 3), g.randn(4, 3)])


def _closure_check(a, o):
    w0, X = a
    close(o, X * torch.cos(w0 * X))
    # the literal closure from the brief
    close(o, vmap(lambda x: grad(lambda w: (w * x).sin().sum())(w0))(X))


case("vmap_grad_closure_over_mapped_x", "sin_wx_sum",
     VMAP(CLOSURE([0], ["p0", "a1"], GRAD(FN())), in_dims=[None, 0]), ["w0", "x"],
     lambda g: [g.randn(4), g.randn(3, 4)], check=_closure_check)
case("grad_closure_vmap_inside", "relu_dot",
     GRAD(CLOSURE([0], ["p0", "a1"], POST("sum_all", VMAP(FN(), in_dims=0))), argnums=1),
     ["examples", "weights"], lambda g: list(reversed(relu_dot_safe(g, 4, 3))),
     check=_grad_of_vmap_check)
case("vmap_jacrev_closure_over_mapped_A", "sin_Ax_x_sq",
     VMAP(CLOSURE([1], ["a0", "p0"], JACREV(FN())), in_dims=[0, None]), ["A", "x"],
     lambda g: [g.randn(2, 3, 3), g.randn(3)])


# ---------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------


def enc_float(v):
    v = float(v)
    assert v == v and v not in (float("inf"), float("-inf")), "non-finite value"
    return v + 0.0  # -0.0 -> 0.0


def enc_tensor(t):
    assert t.dtype == F64, t.dtype
    return {"shape": list(t.shape), "data": [enc_float(v) for v in t.detach().reshape(-1).tolist()]}


def enc_tree(t):
    if isinstance(t, torch.Tensor):
        return enc_tensor(t)
    if isinstance(t, (tuple, list)):
        return {"tuple": [enc_tree(c) for c in t]}
    return {"dict": {k: enc_tree(t[k]) for k in sorted(t)}}


def enc_structure(s, counter):
    if s == "T":
        counter[0] += 1
        return {"leaf": counter[0] - 1}
    kind, subs = s
    if kind == "tuple":
        return {"tuple": [enc_structure(c, counter) for c in subs]}
    return {"dict": {k: enc_structure(c, counter) for k, c in subs}}


def compare_to_reference(name, out, ref):
    lo, so = tree_flatten(out)
    lr, sr = tree_flatten(ref)
    if so != sr:
        raise AssertionError("%s: structure %r != reference %r" % (name, so, sr))
    worst = 0.0
    for i, (a, r) in enumerate(zip(lo, lr)):
        if a.shape != r.shape:
            raise AssertionError("%s: leaf %d shape %s != reference %s" % (name, i, a.shape, r.shape))
        scale = max(r.abs().max().item() if r.numel() else 0.0, 1e-2)
        err = (a - r).abs().max().item() / scale if r.numel() else 0.0
        worst = max(worst, err)
        if not err <= 1e-6:
            raise AssertionError("%s: leaf %d differs from reference by %.3g (relative to max %g)\n%s\n%s"
                                 % (name, i, err, scale, a, r))
    return worst


def uses_derivative(spec):
    s = spec
    while True:
        if s["op"] in ("grad", "jacrev", "jacfwd", "hessian", "vjp", "pullback", "jvp"):
            return True
        if s["op"] == "fn":
            return False
        s = s["inner"]


def debian_version():
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-torch"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return "unknown"


def generate(verbose=True):
    names = set()
    cases = []
    used = []
    for c in CASES:
        assert c["name"] not in names, c["name"]
        names.add(c["name"])
        seed = zlib.crc32(c["name"].encode("utf-8"))
        args = [tree_map(lambda t: t.to(F64).contiguous(), a) for a in c["make"](Gen(seed))]
        assert len(args) == len(c["names"]), c["name"]
        leaf = CATALOGUE[c["fid"]]
        out = build(c["spec"], leaf)(*args)
        ref = build_ref(c["spec"], leaf)(*args)
        worst = compare_to_reference(c["name"], out, ref)
        if c["check"] is not None:
            c["check"](args, out)
        leaves, structure = tree_flatten(out)
        for fid in [c["fid"]] + post_fns(c["spec"]):
            if fid not in used:
                used.append(fid)
        cases.append({
            "name": c["name"],
            "transform": render(c["spec"]),
            "function": c["fid"],
            "spec": c["spec"],
            "input_names": c["names"],
            "inputs": [enc_tree(a) for a in args],
            "outputs": [enc_tensor(t) for t in leaves],
            "output_tree": enc_structure(structure, [0]),
        })
        if verbose:
            print("%-45s %-40s ref-err %.1e" % (c["name"], kind_of(c["spec"]), worst), file=sys.stderr)
    doc = {
        "generator": "core/src/test/functorch/generate_fixtures.py (PyTorch functorch reference; "
                     "see core/src/test/functorch/README.md)",
        "torch_version": torch.__version__,
        "functorch_version": functorch.__version__,
        "debian_package": "python3-torch " + debian_version(),
        "dtype": "float64",
        "catalogue": {fid: catalogue_source(fid) for fid in sorted(used)},
        "cases": cases,
    }
    text = json.dumps(doc, indent=1, sort_keys=False)
    # one line per number array ("shape"/"data"/"in_dims"...) keeps the file short and diffable
    text = NUMBER_ARRAY.sub(lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]"
                            if m.group(1).strip() else "[]", text)
    json.loads(text)
    return text + "\n"


NUMBER_ARRAY = re.compile(r"\[((?:\s*(?:-?[0-9][0-9.eE+-]*|null)\s*,)*\s*(?:-?[0-9][0-9.eE+-]*|null)?\s*)\]")


def post_fns(spec):
    res = []
    s = spec
    while s["op"] != "fn":
        if s["op"] == "post":
            res.append(s["fn"])
        s = s["inner"]
    return res


def main(argv):
    if "--print-catalogue" in argv:
        for fid in CATALOGUE:
            print("#### `%s`\n\n```python\n%s\n```\n" % (fid, catalogue_source(fid)))
        return 0
    text = generate(verbose="--quiet" not in argv)
    if "--check" in argv:
        with open(OUT_FILE, encoding="utf-8") as fh:
            same = fh.read() == text
        print("cases.json is %s" % ("up to date" if same else "STALE"))
        return 0 if same else 1
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(OUT_FILE, "w", encoding="utf-8") as fh:
        fh.write(text)
    print("wrote %s (%d cases, %d bytes)" % (os.path.relpath(OUT_FILE, REPO_ROOT), len(CASES), len(text)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
