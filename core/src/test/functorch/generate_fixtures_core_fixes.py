#!/usr/bin/python3
"""Conformance fixtures for the core fixes (pow at 0, NaN in max/min, integer inputs).

Regenerate (from the repository root):

    /usr/bin/python3 core/src/test/functorch/generate_fixtures_core_fixes.py

Writes core/src/test/resources/org/vmap4j/functorch/core_fixes_cases.json, read by
CoreFixesConformanceTest. It reuses the spec language and interpreter of generate_fixtures.py
(imported, not edited; see the README beside it) and the same PyTorch 1.13 functorch in float64.

These cases sit exactly where derivatives are not smooth (x^0 at 0, a NaN inside a max), so the
finite-difference reference of generate_fixtures.py does not apply; each case is instead checked
here against a closed form written by hand (``want``). Non-finite numbers (a NaN input, a -inf
derivative) are encoded as the strings "NaN", "Infinity" and "-Infinity".

Cases with ``"error": true`` are ones PyTorch refuses (differentiating an integer input); the
fixture records torch's exception and the Java test expects vmap4j to refuse them too.

    --check     regenerate in memory and fail if the fixture file differs
"""

import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_fixtures as gf  # noqa: E402  (spec builders and interpreter; cases are ignored)

import torch  # noqa: E402
import functorch  # noqa: E402

torch.set_default_dtype(torch.float64)
F64 = torch.float64
NAN = float("nan")
INF = float("inf")
OUT_FILE = os.path.join(gf.OUT_DIR, "core_fixes_cases.json")
FN, VMAP, GRAD, JACREV, JACFWD, HESSIAN, JVP, PULLBACK = (
    gf.FN, gf.VMAP, gf.GRAD, gf.JACREV, gf.JACFWD, gf.HESSIAN, gf.JVP, gf.PULLBACK)

# ---- catalogue: the same functions are written in CoreFixesCatalogue.java -------------------
CATALOGUE = {}


def catalogue(fid):
    def deco(f):
        CATALOGUE[fid] = f
        return f
    return deco


@catalogue("pow0")
def f_pow0(x):
    return x ** 0.0


@catalogue("poly")
def f_poly(x):
    return x ** torch.arange(4.0)


@catalogue("poly_sum")
def f_poly_sum(x):
    return (x ** torch.arange(4.0)).sum()


@catalogue("pow_ab")
def f_pow_ab(a, b):
    return a ** b


@catalogue("max_all")
def f_max_all(x):
    return x.max()


@catalogue("min_all")
def f_min_all(x):
    return x.min()


@catalogue("max_dim1")
def f_max_dim1(X):
    return X.max(1).values


@catalogue("min_dim1_sum")
def f_min_dim1_sum(X):
    return X.min(1).values.sum()


@catalogue("sq_as_f64")
def f_sq_as_f64(x):
    return x.to(F64) ** 2.0


@catalogue("sum_sq_as_f64")
def f_sum_sq_as_f64(x):
    return (x.to(F64) ** 2.0).sum()


def t(*v):
    return torch.tensor(v, dtype=F64)


# ---- cases: name, function, spec, inputs, closed form -----------------------------------------
CASES = []


def case(name, fid, spec, inputs, want):
    CASES.append(dict(name=name, fid=fid, spec=spec, inputs=inputs, want=want))


def error_case(name, fid, spec, inputs):
    CASES.append(dict(name=name, fid=fid, spec=spec, inputs=inputs, want=None, error=True))


# pow at 0: d/dx x^0 = 0 everywhere; d/dx sum_k x^k (k = 0..3) = 1 + 2x + 3x^2
case("grad_pow0_at_zero", "pow0", GRAD(FN()), [t(0.0)[0]], [t(0.0)[0]])
case("vmap_grad_pow0", "pow0", VMAP(GRAD(FN())), [t(0.0, -1.5, 2.0)], [t(0.0, 0.0, 0.0)])
case("vmap_grad_poly_features", "poly_sum", VMAP(GRAD(FN())), [t(0.0, 1.0, -2.0, 0.5)],
     [t(1.0, 6.0, 9.0, 2.75)])
case("jacrev_poly_features_at_zero", "poly", JACREV(FN()), [t(0.0)[0]], [t(0.0, 1.0, 0.0, 0.0)])
case("jacfwd_poly_features_at_zero", "poly", JACFWD(FN()), [t(0.0)[0]], [t(0.0, 1.0, 0.0, 0.0)])
case("vmap_jacrev_poly_features", "poly", VMAP(JACREV(FN())), [t(0.0, 2.0)],
     [t(0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 4.0, 12.0).reshape(2, 4)])
# second derivative of sum_k x^k is 2 + 6x
case("hessian_poly_features", "poly_sum", HESSIAN(FN()), [t(0.0)[0]], [t(2.0)[0]])
case("vmap_hessian_poly_features", "poly_sum", VMAP(HESSIAN(FN())), [t(0.0, 1.0)], [t(2.0, 8.0)])
case("jvp_poly_features_at_zero", "poly_sum", JVP(FN()), [t(0.0)[0], t(3.0)[0]],
     [t(1.0)[0], t(3.0)[0]])
# d/db a^b = a^b log a: 0 at a = 0 for b >= 0, -inf for b < 0; d/da at (0, 0) is 0
case("vmap_grad_pow_exponent_at_zero_base", "pow_ab", VMAP(GRAD(FN(), argnums=1)),
     [t(0.0, 0.0, 0.0, 0.0, 2.0), t(0.0, 2.0, 0.5, -1.0, 3.0)],
     [t(0.0, 0.0, 0.0, -INF, 8.0 * math.log(2.0))])
case("vmap_grad_pow_both_at_zero", "pow_ab", VMAP(GRAD(FN(), argnums=[0, 1])),
     [t(0.0, 0.0, 3.0), t(0.0, 2.0, 2.0)],
     [t(0.0, 0.0, 6.0), t(0.0, 0.0, 9.0 * math.log(3.0))])

# NaN in max/min: the value is NaN, the derivative goes to the NaN (shared by several NaNs)
case("grad_max_one_nan", "max_all", GRAD(FN()), [t(1.0, NAN, 3.0)], [t(0.0, 1.0, 0.0)])
case("grad_max_two_nans", "max_all", GRAD(FN()), [t(NAN, 2.0, NAN)], [t(0.5, 0.0, 0.5)])
case("grad_min_nan_after_tie", "min_all", GRAD(FN()), [t(1.0, 3.0, NAN, 3.0)],
     [t(0.0, 0.0, 1.0, 0.0)])
case("grad_max_ties_no_nan", "max_all", GRAD(FN()), [t(3.0, 3.0, 1.0)], [t(0.5, 0.5, 0.0)])
case("vmap_max_values_nan", "max_all", VMAP(FN()),
     [t(1.0, NAN, 3.0, 3.0, 3.0, 1.0, NAN, NAN, NAN).reshape(3, 3)], [t(NAN, 3.0, NAN)])
case("vmap_grad_max_rows", "max_all", VMAP(GRAD(FN())),
     [t(1.0, NAN, 3.0, 3.0, 3.0, 1.0, NAN, NAN, NAN).reshape(3, 3)],
     [t(0.0, 1.0, 0.0, 0.5, 0.5, 0.0, 1 / 3, 1 / 3, 1 / 3).reshape(3, 3)])
case("vmap_grad_min_rows", "min_all", VMAP(GRAD(FN()), in_dims=1),
     [t(NAN, 5.0, 2.0, 1.0, 4.0, 1.0).reshape(3, 2)],
     [t(1.0, 0.0, 0.0, 0.0, 0.5, 0.5).reshape(2, 3)])
case("grad_min_dim1_sum_nan", "min_dim1_sum", GRAD(FN()),
     [t(4.0, NAN, 1.0, 0.5, 2.0, 3.0).reshape(2, 3)],
     [t(0.0, 1.0, 0.0, 1.0, 0.0, 0.0).reshape(2, 3)])
case("jacrev_max_dim1_nan", "max_dim1", JACREV(FN()),
     [t(1.0, NAN, 2.0, 5.0).reshape(2, 2)],
     [t(0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0).reshape(2, 2, 2)])
case("jacfwd_max_dim1_nan", "max_dim1", JACFWD(FN()),
     [t(1.0, NAN, 2.0, 5.0).reshape(2, 2)],
     [t(0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0).reshape(2, 2, 2)])
# (no forward-mode NaN case: torch 1.13's jvp of max() gives a NaN tangent, disagreeing with its
# own grad; vmap4j's forward mode agrees with its reverse mode, tangent = gradient . t)
case("vmap_pullback_min_rows", "min_all", VMAP(PULLBACK(FN())),
     [t(2.0, NAN, 1.0, 1.0).reshape(2, 2), t(3.0, 5.0)],
     [t(0.0, 3.0, 2.5, 2.5).reshape(2, 2)])

# integer inputs: torch refuses to differentiate them, and so must vmap4j
error_case("grad_integer_input_refused", "sum_sq_as_f64", GRAD(FN()),
           [torch.tensor([1, 2, 3])])
error_case("jacfwd_integer_input_refused", "sq_as_f64", JACFWD(FN()), [torch.tensor([2, 3])])


# ---- encoding ----------------------------------------------------------------------------------
def enc_float(v):
    v = float(v)
    if v != v:
        return "NaN"
    if v in (INF, -INF):
        return "Infinity" if v > 0 else "-Infinity"
    return v + 0.0  # -0.0 -> 0.0


def enc_tensor(x):
    return {"shape": list(x.shape), "dtype": str(x.dtype).replace("torch.", ""),
            "data": [enc_float(v) for v in x.detach().reshape(-1).tolist()]}


def same(a, b):
    """Equal to 1e-12, NaN matching NaN and infinities matching exactly."""
    if a.shape != b.shape:
        return False
    for x, y in zip(a.reshape(-1).tolist(), b.reshape(-1).tolist()):
        if math.isnan(y) or math.isinf(y):
            if not (math.isnan(x) if math.isnan(y) else x == y):
                return False
        elif not abs(x - y) <= 1e-12 * max(1.0, abs(y)):
            return False
    return True


def generate():
    out = []
    for c in CASES:
        f = gf.build(c["spec"], CATALOGUE[c["fid"]])
        entry = {"name": c["name"], "transform": gf.render(c["spec"]), "function": c["fid"],
                 "spec": c["spec"], "inputs": [enc_tensor(x) for x in c["inputs"]]}
        if c.get("error"):
            try:
                f(*c["inputs"])
            except Exception as e:  # torch's refusal, recorded for the reader
                entry["error"] = True
                entry["torch_error"] = str(e).splitlines()[0]
            else:
                raise AssertionError("%s: torch did not refuse" % c["name"])
        else:
            leaves, _ = gf.tree_flatten(f(*c["inputs"]))
            assert len(leaves) == len(c["want"]), c["name"]
            for got, want in zip(leaves, c["want"]):
                assert same(got, want), "%s: torch %s vs closed form %s" % (c["name"], got, want)
            entry["outputs"] = [enc_tensor(x) for x in leaves]
        out.append(entry)
    doc = {"generator": "core/src/test/functorch/generate_fixtures_core_fixes.py",
           "torch_version": torch.__version__, "functorch_version": functorch.__version__,
           "dtype": "float64",
           "catalogue": {fid: gf.inspect.getsource(fn).strip() for fid, fn in CATALOGUE.items()},
           "cases": out}
    return json.dumps(doc, indent=1) + "\n"


def main(argv):
    text = generate()
    if "--check" in argv:
        with open(OUT_FILE, encoding="utf-8") as fh:
            ok = fh.read() == text
        print("core_fixes_cases.json is %s" % ("up to date" if ok else "STALE"))
        return 0 if ok else 1
    with open(OUT_FILE, "w", encoding="utf-8") as fh:
        fh.write(text)
    print("wrote %s (%d cases)" % (os.path.relpath(OUT_FILE, gf.REPO_ROOT), len(CASES)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
