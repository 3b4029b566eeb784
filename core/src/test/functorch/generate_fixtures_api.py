#!/usr/bin/python3
"""Conformance fixtures for the vmap4j API forms of issue 15, computed by PyTorch functorch.

Run from the repository root with Debian's interpreter (PyTorch 1.13 + functorch):

    /usr/bin/python3 core/src/test/functorch/generate_fixtures_api.py [--check] [--quiet]

Writes core/src/test/resources/org/vmap4j/functorch/api_cases.json. Each case names
the vmap4j form it checks (three- and four-argument functions, Jacobians of
pytrees, has_aux, custom rules for pytree functions, max/min with indices) and
holds the inputs and functorch's outputs in float64. The Java side
(ApiConformanceTest) rebuilds each case with the public vmap4j API, one Java
expression per case name, and compares leaf by leaf (1e-9 relative).

Encoding as in generate_fixtures.py: a tensor is {"shape", "data"}, a tuple or list
{"tuple": [...]}, a dict {"dict": {...}} (sorted keys). Outputs are a pytree in
the same encoding; integer tensors (indices) are written as floats with
"dtype": "int64". Inputs come from a torch.Generator seeded with crc32(name), so
reruns give a byte-identical file.

functorch 1.13 cannot run torch.autograd.Function under its transforms, so the
custom-rule cases use rules that are the true derivative times a constant c and
take c times functorch's derivative of the plain function as the reference.
"""

import json
import os
import re
import sys
import zlib

import torch
import functorch
from functorch import vmap, grad, grad_and_value, vjp, jvp, jacrev, jacfwd

torch.set_default_dtype(torch.float64)
F64 = torch.float64
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
OUT_FILE = os.path.join(REPO_ROOT, "core", "src", "test", "resources", "org", "vmap4j",
                        "functorch", "api_cases.json")


def tree_map(f, t):
    if isinstance(t, torch.Tensor):
        return f(t)
    if isinstance(t, (tuple, list)):
        return tuple(tree_map(f, c) for c in t)
    return {k: tree_map(f, v) for k, v in t.items()}


class Gen:
    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def normal(self, *shape):
        return torch.randn(*shape, generator=self.g, dtype=F64)

    def uniform(self, lo, hi, *shape):
        return lo + (hi - lo) * torch.rand(*shape, generator=self.g, dtype=F64)


# ---------------------------------------------------------------------------
# Functions (the Java test writes the same ones with the Tensor API)
# ---------------------------------------------------------------------------

def f3_lsq(w, x, y):
    # (x . w - y)^2: parameters, features, label
    return (torch.dot(x, w) - y) ** 2.0


def f3_tanh_sum(A, x, c):
    return (torch.tanh(A @ x) * c).sum()


def f4_affine(W, b, x, t):
    return torch.tanh(W @ x + b) - t


def f4_loss(W, b, x, t):
    return ((torch.tanh(W @ x + b) - t) ** 2.0).sum()


def logreg3(params, x, y):
    z = torch.dot(x, params["w"]) + params["b"]
    return torch.log1p(torch.exp(-z)) + (1.0 - y) * z


def mlp_forward(params, x):
    h = torch.tanh(params["W1"] @ x + params["b1"])
    return params["W2"] @ h + params["b2"]


def mlp_with_hidden(params, x):
    h = torch.tanh(params["W1"] @ x + params["b1"])
    return params["W2"] @ h + params["b2"], {"h": h}


def pair_sin(l):
    x, y = l
    return torch.sin(x * y.sum()) + x * x


def softplus_times(p):
    # the customVjpPytree/customJvpPytree example: softplus(a) * b for p = {"a", "b"}
    return torch.log1p(torch.exp(p["a"])) * p["b"]


def prod_and_sum(l):
    # a function of a tuple with a tuple result
    return (l[0] * l[1], l[0] + l[1])


def scale(c, tree):
    return tree_map(lambda t: c * t, tree)


def mlp_params(g):
    return {"W1": g.normal(4, 3), "b1": g.normal(4), "W2": g.normal(2, 4), "b2": g.normal(2)}


def tied(g, rows, cols):
    # rows with repeated extremes (ties), the other entries at least 0.25 away
    x = g.uniform(-2.0, 2.0, rows, cols)
    x = torch.round(x * 4.0) / 4.0
    x[0, 2] = x[0, 0] = x[0].max() + 0.5
    x[1, 1] = x[1, 3] = x[1].min() - 0.5
    return x


def separated(g, rows, cols):
    # distinct entries at least 0.1 apart: extremes stay put under finite perturbations
    perm = torch.randperm(rows * cols, generator=g.g).to(F64)
    return (perm * 0.1 - 0.5 * rows * cols * 0.1).reshape(rows, cols)


# ---------------------------------------------------------------------------
# Cases: name -> (item of the issue, vmap4j form, input maker, functorch computation)
# ---------------------------------------------------------------------------

CASES = []


def case(name, item, form, make, compute):
    CASES.append({"name": name, "item": item, "form": form, "make": make, "compute": compute})


def lsq_batch(g):
    return [g.normal(3), g.normal(5, 3), g.normal(5)]


# 1. three and four arguments
case("vmap3_lsq_in_dims_none_0_0", "arity", "vmap(F3_LSQ, InDims.of(null, 0, 0))",
     lsq_batch, lambda w, X, Y: vmap(f3_lsq, in_dims=(None, 0, 0))(w, X, Y))
case("vmap4_affine_in_dims_none_none_1_0_out_dims_1", "arity",
     "vmap(F4_AFFINE, InDims.of(null, null, 1, 0), OutDims.of(1))",
     lambda g: [g.normal(2, 3), g.normal(2), g.normal(3, 4), g.normal(4, 2)],
     lambda W, b, X, T: vmap(f4_affine, in_dims=(None, None, 1, 0), out_dims=1)(W, b, X, T))
case("vmap_vmap3_lsq", "arity", "vmap(vmap(F3_LSQ, InDims.of(null, 0, 0)), InDims.of(null, 0, 0))",
     lambda g: [g.normal(3), g.normal(2, 4, 3), g.normal(2, 4)],
     lambda w, X, Y: vmap(vmap(f3_lsq, in_dims=(None, 0, 0)), in_dims=(None, 0, 0))(w, X, Y))


def tanh_sum_args(g):
    return [g.normal(3, 4), g.normal(4), g.normal(3)]


case("grad3_tanh_sum_argnums_0", "arity", "grad(F3_TANH_SUM)", tanh_sum_args,
     lambda A, x, c: grad(f3_tanh_sum, argnums=0)(A, x, c))
case("grad3_tanh_sum_argnums_1", "arity", "gradSecond(F3_TANH_SUM)", tanh_sum_args,
     lambda A, x, c: grad(f3_tanh_sum, argnums=1)(A, x, c))
case("grad3_tanh_sum_argnums_2", "arity", "gradThird(F3_TANH_SUM)", tanh_sum_args,
     lambda A, x, c: grad(f3_tanh_sum, argnums=2)(A, x, c))
case("grad3_tanh_sum_argnums_012", "arity", "gradAll(F3_TANH_SUM)", tanh_sum_args,
     lambda A, x, c: grad(f3_tanh_sum, argnums=(0, 1, 2))(A, x, c))


def loss4_args(g):
    return [g.normal(2, 3), g.normal(2), g.normal(3), g.normal(2)]


case("grad4_loss_argnums_1", "arity", "gradSecond(F4_LOSS)", loss4_args,
     lambda W, b, x, t: grad(f4_loss, argnums=1)(W, b, x, t))
case("grad4_loss_argnums_3", "arity", "gradFourth(F4_LOSS)", loss4_args,
     lambda W, b, x, t: grad(f4_loss, argnums=3)(W, b, x, t))
case("grad4_loss_argnums_0123", "arity", "gradAll(F4_LOSS)", loss4_args,
     lambda W, b, x, t: grad(f4_loss, argnums=(0, 1, 2, 3))(W, b, x, t))
# functorch's grad_and_value returns (grad, value); vmap4j's ValueAndGrad is (value, grad)
case("value_and_grad3_tanh_sum", "arity", "valueAndGrad(F3_TANH_SUM)", tanh_sum_args,
     lambda A, x, c: tuple(reversed(grad_and_value(f3_tanh_sum)(A, x, c))))
case("value_and_grad4_loss", "arity", "valueAndGrad(F4_LOSS)", loss4_args,
     lambda W, b, x, t: tuple(reversed(grad_and_value(f4_loss)(W, b, x, t))))


def logreg_batch(g):
    y = (g.uniform(0.0, 1.0, 6) > 0.5).to(F64)
    return [{"b": g.normal(()), "w": g.normal(3)}, g.normal(6, 3), y]


case("vmap_grad3_logreg_dict_per_sample", "arity", "vmap(grad(LOGREG3), InDims.of(null, 0, 0))",
     logreg_batch, lambda p, X, Y: vmap(grad(logreg3), in_dims=(None, 0, 0))(p, X, Y))
case("jit_vmap_grad3_logreg_dict_per_sample", "arity",
     "jit(vmap(grad(LOGREG3), InDims.of(null, 0, 0)))",
     logreg_batch, lambda p, X, Y: vmap(grad(logreg3), in_dims=(None, 0, 0))(p, X, Y))
case("vmap_grad4_all_in_dims_none_none_0_0", "arity",
     "vmap(gradAll(F4_LOSS), InDims.of(null, null, 0, 0))",
     lambda g: [g.normal(2, 3), g.normal(2), g.normal(5, 3), g.normal(5, 2)],
     lambda W, b, X, T: vmap(grad(f4_loss, argnums=(0, 1, 2, 3)), in_dims=(None, None, 0, 0))(W, b, X, T))
case("jit_grad4_loss_argnums_2", "arity", "jit(gradThird(F4_LOSS))", loss4_args,
     lambda W, b, x, t: grad(f4_loss, argnums=2)(W, b, x, t))
case("jit_vmap3_lsq", "arity", "jit(vmap(F3_LSQ, InDims.of(null, 0, 0)))",
     lsq_batch, lambda w, X, Y: vmap(f3_lsq, in_dims=(None, 0, 0))(w, X, Y))


# 2. Jacobians of pytrees
def mlp_args(g):
    return [mlp_params(g), g.normal(3)]


def mlp_batch(g):
    return [mlp_params(g), g.normal(5, 3)]


case("jacrev_dict_params_closure", "pytree jacobians", "jacrev((Map p) -> mlp(p, x)).apply(params)",
     mlp_args, lambda p, x: jacrev(lambda q: mlp_forward(q, x))(p))
case("jacfwd_dict_params_closure", "pytree jacobians", "jacfwd((Map p) -> mlp(p, x)).apply(params)",
     mlp_args, lambda p, x: jacfwd(lambda q: mlp_forward(q, x))(p))
case("jacrev_tuple_arg", "pytree jacobians", "jacrev(PAIR_SIN)",
     lambda g: [(g.normal(3), g.normal(2))], lambda l: jacrev(pair_sin)(l))
case("jacfwd_tuple_arg_chunk_2", "pytree jacobians", "jacfwd(PAIR_SIN, 2)",
     lambda g: [(g.normal(3), g.normal(2))], lambda l: jacfwd(pair_sin)(l))
case("jacrev_tuple_arg_chunk_1", "pytree jacobians", "jacrev(PAIR_SIN, 1)",
     lambda g: [(g.normal(2, 2), g.normal(3))], lambda l: jacrev(pair_sin)(l))
case("jacrev2_mlp_argnums_0", "pytree jacobians", "jacrev(MLP)", mlp_args,
     lambda p, x: jacrev(mlp_forward, argnums=0)(p, x))
case("jacrev2_mlp_argnums_1", "pytree jacobians", "jacrevSecond(MLP)", mlp_args,
     lambda p, x: jacrev(mlp_forward, argnums=1)(p, x))
case("jacrev2_mlp_argnums_01", "pytree jacobians", "jacrevBoth(MLP)", mlp_args,
     lambda p, x: jacrev(mlp_forward, argnums=(0, 1))(p, x))
case("jacfwd2_mlp_argnums_0", "pytree jacobians", "jacfwd(MLP)", mlp_args,
     lambda p, x: jacfwd(mlp_forward, argnums=0)(p, x))
case("jacfwd2_mlp_argnums_1", "pytree jacobians", "jacfwdSecond(MLP)", mlp_args,
     lambda p, x: jacfwd(mlp_forward, argnums=1)(p, x))
case("jacfwd2_mlp_argnums_01", "pytree jacobians", "jacfwdBoth(MLP)", mlp_args,
     lambda p, x: jacfwd(mlp_forward, argnums=(0, 1))(p, x))
case("vmap_jacrev2_mlp_in_dims_none_0", "pytree jacobians", "vmap(jacrev(MLP), InDims.of(null, 0))",
     mlp_batch, lambda p, X: vmap(jacrev(mlp_forward), in_dims=(None, 0))(p, X))
case("jit_vmap_jacfwd2_mlp_both", "pytree jacobians",
     "jit(vmap(jacfwdBoth(MLP), InDims.of(null, 0)))",
     mlp_batch, lambda p, X: vmap(jacfwd(mlp_forward, argnums=(0, 1)), in_dims=(None, 0))(p, X))
case("jit_jacrev_dict_params_closure", "pytree jacobians",
     "jit((Map p) -> jacrev((Map q) -> mlp(q, x)).apply(p))",
     mlp_args, lambda p, x: jacrev(lambda q: mlp_forward(q, x))(p))


# 3. has_aux
def vjp_aux(p, x, ct):
    out, pullback, aux = vjp(lambda q: mlp_with_hidden(q, x), p, has_aux=True)
    return (out, pullback(ct)[0], aux)


case("vjp_has_aux_dict_params", "has_aux", "vjpWithAux((Map p) -> mlpWithHidden(p, x), params)",
     lambda g: mlp_args(g) + [g.normal(2)], vjp_aux)
case("vmap_vjp_has_aux_in_dims_none_0_0", "has_aux",
     "vmap((Map p, Tensor x, Tensor ct) -> vjpWithAux(...), InDims.of(null, 0, 0))",
     lambda g: mlp_batch(g) + [g.normal(5, 2)],
     lambda p, X, C: vmap(vjp_aux, in_dims=(None, 0, 0))(p, X, C))
case("jacrev_has_aux_dict_params", "has_aux", "jacrevWithAux((Map p) -> mlpWithHidden(p, x))",
     mlp_args, lambda p, x: jacrev(lambda q: mlp_with_hidden(q, x), has_aux=True)(p))
case("jacfwd_has_aux_dict_params", "has_aux", "jacfwdWithAux((Map p) -> mlpWithHidden(p, x))",
     mlp_args, lambda p, x: jacfwd(lambda q: mlp_with_hidden(q, x), has_aux=True)(p))
case("jacfwd_has_aux_wrt_x_chunk_3", "has_aux", "jacfwdWithAux((Tensor x) -> mlpWithHidden(p, x), 3)",
     mlp_args, lambda p, x: jacfwd(lambda v: mlp_with_hidden(p, v), has_aux=True)(x))
case("vmap_jacrev_has_aux_in_dims_none_0", "has_aux",
     "vmap((Map p, Tensor x) -> jacrevWithAux(...).apply(x), InDims.of(null, 0))",
     mlp_batch, lambda p, X: vmap(lambda q, x: jacrev(lambda v: mlp_with_hidden(q, v), has_aux=True)(x),
                                  in_dims=(None, 0))(p, X))
case("jit_jacfwd_has_aux_dict_params", "has_aux", "jit(jacfwdWithAux(...))", mlp_args,
     lambda p, x: jacfwd(lambda q: mlp_with_hidden(q, x), has_aux=True)(p))


# 4. custom rules for pytree functions (rule = c * true derivative; see the module docstring)
def sp_args(g):
    return [{"a": g.normal(3), "b": g.normal(3)}]


case("grad_custom_vjp_pytree_dict_c_0_5", "custom rules", "grad(p -> SOFTPLUS_TIMES_VJP.apply(p).sum())",
     sp_args, lambda p: scale(0.5, grad(lambda q: softplus_times(q).sum())(p)))
case("vmap_grad_custom_vjp_pytree_dict_c_0_5", "custom rules",
     "vmap(grad(p -> SOFTPLUS_TIMES_VJP.apply(p).sum()))",
     lambda g: [{"a": g.normal(4, 3), "b": g.normal(4, 3)}],
     lambda p: scale(0.5, vmap(grad(lambda q: softplus_times(q).sum()))(p)))
case("jit_grad_custom_vjp_pytree_tuple_c_2", "custom rules",
     "jit(grad(l -> { r = PROD_AND_SUM_VJP.apply(l); r0.sum() + r1.square().sum() }))",
     lambda g: [(g.normal(3), g.normal(3))],
     lambda l: scale(2.0, grad(lambda m: prod_and_sum(m)[0].sum() + (prod_and_sum(m)[1] ** 2.0).sum())(l)))
case("jvp_custom_jvp_pytree_dict_c_3", "custom rules", "jvp(SOFTPLUS_TIMES_JVP, p, t)",
     lambda g: sp_args(g) + [{"a": g.normal(3), "b": g.normal(3)}],
     lambda p, t: (softplus_times(p), 3.0 * jvp(softplus_times, (p,), (t,))[1]))
case("jacfwd_custom_jvp_pytree_dict_c_3", "custom rules", "jacfwd(SOFTPLUS_TIMES_JVP)", sp_args,
     lambda p: scale(3.0, jacfwd(softplus_times)(p)))
case("vmap_jacfwd_custom_jvp_pytree_dict_c_3", "custom rules", "vmap(jacfwd(SOFTPLUS_TIMES_JVP))",
     lambda g: [{"a": g.normal(2, 3), "b": g.normal(2, 3)}],
     lambda p: scale(3.0, vmap(jacfwd(softplus_times))(p)))


# 5. max/min along a dim with indices
case("max_with_indices_dim1_ties", "reductions with indices", "x.maxWithIndices(1)",
     lambda g: [tied(g, 3, 4)], lambda x: tuple(torch.max(x, 1)))
case("min_with_indices_dim0_keepdim", "reductions with indices", "x.minWithIndices(0, true)",
     lambda g: [separated(g, 3, 4)], lambda x: tuple(torch.min(x, 0, keepdim=True)))
case("grad_max_with_indices_ties", "reductions with indices",
     "grad(x -> x.maxWithIndices(1).values().square().sum())",
     lambda g: [tied(g, 3, 4)], lambda x: grad(lambda v: (torch.max(v, 1).values ** 2.0).sum())(x))
case("grad_min_with_indices_ties", "reductions with indices",
     "grad(x -> x.minWithIndices(1).values().sin().sum())",
     lambda g: [tied(g, 3, 4)], lambda x: grad(lambda v: torch.sin(torch.min(v, 1).values).sum())(x))
case("vmap_min_with_indices_in_dims_1", "reductions with indices",
     "vmap(x -> x.minWithIndices(0), InDims.of(1))",
     lambda g: [separated(g, 4, 5)], lambda x: tuple(vmap(lambda v: tuple(torch.min(v, 0)), in_dims=1)(x)))
case("vmap_grad_max_with_indices", "reductions with indices",
     "vmap(grad(x -> x.maxWithIndices(0).values().exp().sum()))",
     lambda g: [tied(g, 3, 4).reshape(3, 2, 2)],
     lambda x: vmap(grad(lambda v: torch.exp(torch.max(v, 0).values).sum()))(x))
case("jit_jacrev_max_with_indices", "reductions with indices", "jit(jacrev(x -> x.maxWithIndices(1).values()))",
     lambda g: [separated(g, 3, 4)], lambda x: jacrev(lambda v: torch.max(v, 1).values)(x))
case("jacfwd_min_with_indices_keepdim", "reductions with indices",
     "jacfwd(x -> x.minWithIndices(1, true).values().mul(x.sum(1, true)))",
     lambda g: [separated(g, 3, 4)],
     lambda x: jacfwd(lambda v: torch.min(v, 1, keepdim=True).values * v.sum(1, keepdim=True))(x))


# Each remaining form under vmap and under jit (jit is the identity on the functorch side)
def tanh_sum_batch(g):
    return [g.normal(3, 4), g.normal(5, 4), g.normal(3)]


def loss4_batch(g):
    return [g.normal(2, 3), g.normal(2), g.normal(5, 3), g.normal(5, 2)]


case("vmap_grad3_tanh_sum_argnums_1_in_dims_none_0_none", "arity",
     "vmap(gradSecond(F3_TANH_SUM), InDims.of(null, 0, null))", tanh_sum_batch,
     lambda A, X, c: vmap(grad(f3_tanh_sum, argnums=1), in_dims=(None, 0, None))(A, X, c))
case("jit_grad3_tanh_sum_argnums_012", "arity", "jit(gradAll(F3_TANH_SUM))", tanh_sum_args,
     lambda A, x, c: grad(f3_tanh_sum, argnums=(0, 1, 2))(A, x, c))
case("jit_grad4_loss_argnums_3", "arity", "jit(gradFourth(F4_LOSS))", loss4_args,
     lambda W, b, x, t: grad(f4_loss, argnums=3)(W, b, x, t))
case("vmap_value_and_grad4_in_dims_none_none_0_0", "arity",
     "vmap(valueAndGrad(F4_LOSS), InDims.of(null, null, 0, 0))", loss4_batch,
     lambda W, b, X, T: tuple(reversed(vmap(grad_and_value(f4_loss), in_dims=(None, None, 0, 0))(W, b, X, T))))
case("jit_value_and_grad3_tanh_sum", "arity", "jit(valueAndGrad(F3_TANH_SUM))", tanh_sum_args,
     lambda A, x, c: tuple(reversed(grad_and_value(f3_tanh_sum)(A, x, c))))
case("vmap_jacrev2_mlp_argnums_1_in_dims_none_0", "pytree jacobians",
     "vmap(jacrevSecond(MLP), InDims.of(null, 0))", mlp_batch,
     lambda p, X: vmap(jacrev(mlp_forward, argnums=1), in_dims=(None, 0))(p, X))
case("jit_jacrev2_mlp_argnums_01", "pytree jacobians", "jit(jacrevBoth(MLP))", mlp_args,
     lambda p, x: jacrev(mlp_forward, argnums=(0, 1))(p, x))
case("vmap_jacfwd2_mlp_argnums_0_in_dims_none_0", "pytree jacobians",
     "vmap(jacfwd(MLP), InDims.of(null, 0))", mlp_batch,
     lambda p, X: vmap(jacfwd(mlp_forward, argnums=0), in_dims=(None, 0))(p, X))
case("jit_jacfwd2_mlp_argnums_1", "pytree jacobians", "jit(jacfwdSecond(MLP))", mlp_args,
     lambda p, x: jacfwd(mlp_forward, argnums=1)(p, x))
case("vmap_jacfwd_tuple_arg_chunk_2", "pytree jacobians", "vmap(jacfwd(PAIR_SIN, 2))",
     lambda g: [(g.normal(4, 3), g.normal(4, 2))], lambda l: vmap(jacfwd(pair_sin))(l))
case("jit_vjp_has_aux_dict_params", "has_aux", "jit((p, x, ct) -> vjpWithAux(...))",
     lambda g: mlp_args(g) + [g.normal(2)], vjp_aux)
case("vmap_jacfwd_has_aux_in_dims_none_0", "has_aux",
     "vmap((Map p, Tensor x) -> jacfwdWithAux(...).apply(x), InDims.of(null, 0))",
     mlp_batch, lambda p, X: vmap(lambda q, x: jacfwd(lambda v: mlp_with_hidden(q, v), has_aux=True)(x),
                                  in_dims=(None, 0))(p, X))
case("jit_jacrev_has_aux_dict_params_chunk_1", "has_aux", "jit(jacrevWithAux(..., 1))", mlp_args,
     lambda p, x: jacrev(lambda q: mlp_with_hidden(q, x), has_aux=True)(p))
case("jit_jvp_custom_jvp_pytree_dict_c_3", "custom rules", "jit((p, t) -> jvp(SOFTPLUS_TIMES_JVP, p, t))",
     lambda g: sp_args(g) + [{"a": g.normal(3), "b": g.normal(3)}],
     lambda p, t: (softplus_times(p), 3.0 * jvp(softplus_times, (p,), (t,))[1]))
case("vmap_grad_custom_vjp_pytree_tuple_c_2", "custom rules",
     "vmap(grad(l -> { r = PROD_AND_SUM_VJP.apply(l); r0.sum() + r1.square().sum() }))",
     lambda g: [(g.normal(4, 3), g.normal(4, 3))],
     lambda l: scale(2.0, vmap(grad(lambda m: prod_and_sum(m)[0].sum() + (prod_and_sum(m)[1] ** 2.0).sum()))(l)))
case("jit_max_with_indices_dim1_ties", "reductions with indices", "jit(x -> x.maxWithIndices(1))",
     lambda g: [tied(g, 3, 4)], lambda x: tuple(torch.max(x, 1)))
case("jit_vmap_min_with_indices_keepdim", "reductions with indices",
     "jit(vmap(x -> x.minWithIndices(1, true)))",
     lambda g: [separated(g, 6, 4).reshape(2, 3, 4)],
     lambda x: tuple(vmap(lambda v: tuple(torch.min(v, 1, keepdim=True)))(x)))
case("vmap_jacfwd_min_with_indices_keepdim", "reductions with indices",
     "vmap(jacfwd(x -> x.minWithIndices(1, true).values().mul(x.sum(1, true))))",
     lambda g: [separated(g, 6, 4).reshape(2, 3, 4)],
     lambda x: vmap(jacfwd(lambda v: torch.min(v, 1, keepdim=True).values * v.sum(1, keepdim=True)))(x))


# ---------------------------------------------------------------------------
# Encoding and output
# ---------------------------------------------------------------------------

def enc_float(v):
    v = float(v)
    assert v == v and v not in (float("inf"), float("-inf")), "non-finite value"
    return v + 0.0  # -0.0 -> 0.0


def enc_tensor(t):
    out = {"shape": list(t.shape), "data": [enc_float(v) for v in t.detach().reshape(-1).tolist()]}
    if t.dtype == torch.int64:
        out["dtype"] = "int64"
    else:
        assert t.dtype == F64, t.dtype
    return out


def enc_tree(t):
    if isinstance(t, torch.Tensor):
        return enc_tensor(t)
    if isinstance(t, (tuple, list)):
        return {"tuple": [enc_tree(c) for c in t]}
    return {"dict": {k: enc_tree(t[k]) for k in sorted(t)}}


NUMBER_ARRAY = re.compile(r"\[((?:\s*(?:-?[0-9][0-9.eE+-]*|null)\s*,)*\s*(?:-?[0-9][0-9.eE+-]*|null)?\s*)\]")


def generate(verbose):
    names = set()
    cases = []
    for c in CASES:
        assert c["name"] not in names, c["name"]
        names.add(c["name"])
        args = c["make"](Gen(zlib.crc32(c["name"].encode("utf-8"))))
        out = c["compute"](*args)
        cases.append({"name": c["name"], "item": c["item"], "form": c["form"],
                      "inputs": [enc_tree(a) for a in args], "output": enc_tree(out)})
        if verbose:
            print("%-50s %s" % (c["name"], c["form"]), file=sys.stderr)
    doc = {
        "generator": "core/src/test/functorch/generate_fixtures_api.py (PyTorch functorch reference)",
        "torch_version": torch.__version__,
        "functorch_version": functorch.__version__,
        "dtype": "float64",
        "cases": cases,
    }
    text = json.dumps(doc, indent=1)
    text = NUMBER_ARRAY.sub(lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]"
                            if m.group(1).strip() else "[]", text)
    json.loads(text)
    return text + "\n"


def main(argv):
    text = generate(verbose="--quiet" not in argv)
    if "--check" in argv:
        with open(OUT_FILE, encoding="utf-8") as fh:
            same = fh.read() == text
        print("api_cases.json is %s" % ("up to date" if same else "STALE"))
        return 0 if same else 1
    with open(OUT_FILE, "w", encoding="utf-8") as fh:
        fh.write(text)
    print("wrote %s (%d cases, %d bytes)" % (os.path.relpath(OUT_FILE, REPO_ROOT), len(CASES), len(text)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
