"""Reference fixtures for the nn module, written by PyTorch 1.13 + functorch in float64.

Run from the repository root with Debian's PyTorch:
    /usr/bin/python3 nn/src/test/python/generate_fixtures.py
It rewrites the .safetensors files under nn/src/test/resources/org/vmap4j/nn/. The safetensors
format is written here with struct and json (the `safetensors` package is not installed), from
the format's definition: an 8-byte little-endian header length, a JSON header, little-endian data.

    /usr/bin/python3 nn/src/test/python/generate_fixtures.py verify FILE
reads a file that Java's SafeTensors.save wrote (see SafeTensorsTest) and checks its contents
against the values the test is documented to write; exit status 0 when they match.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from functorch import grad, jacrev, vmap
from torch.nn.utils.stateless import functional_call

OUT = "nn/src/test/resources/org/vmap4j/nn"
torch.set_default_dtype(torch.float64)

# ------------------------------------------------------------------ safetensors by hand

DTYPES = {
    torch.float64: ("F64", "<f8"),
    torch.float32: ("F32", "<f4"),
    torch.float16: ("F16", "<f2"),
    torch.int64: ("I64", "<i8"),
    torch.int32: ("I32", "<i4"),
    torch.bool: ("BOOL", "|b1"),
}


def tensor_bytes(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        # the upper 16 bits of the float32 pattern (exact: the values are bfloat16)
        bits = t.float().numpy().view(np.uint32) >> 16
        return "BF16", bits.astype("<u2").tobytes()
    code, np_type = DTYPES[t.dtype]
    return code, t.numpy().astype(np_type).tobytes()


def write_safetensors(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, t in tensors.items():
        code, data = tensor_bytes(t)
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    data = raw[8 + n :]
    metadata = header.pop("__metadata__", {})
    codes = {"F64": "<f8", "F32": "<f4", "I64": "<i8", "I32": "<i4", "BOOL": "|b1"}
    out = {}
    for name, spec in header.items():
        begin, end = spec["data_offsets"]
        arr = np.frombuffer(data[begin:end], dtype=codes[spec["dtype"]]).reshape(spec["shape"])
        out[name] = (spec["dtype"], arr)
    return out, metadata


# ------------------------------------------------------------------ functional


def functional_fixtures():
    g = torch.Generator().manual_seed(0)
    r = lambda *s: torch.randn(*s, generator=g)
    t = {}
    x = torch.cat([r(40) * 4, torch.tensor([0.0, -0.0, 25.0, -25.0, 19.5, 20.5, 700.0, -700.0])])
    t["act.x"] = x
    t["gelu"] = F.gelu(x)
    t["silu"] = F.silu(x)
    t["softplus"] = F.softplus(x)
    t["softplus.beta2.th5"] = F.softplus(x, beta=2.0, threshold=5.0)
    t["logsigmoid"] = F.logsigmoid(x)
    xg = x.clone().requires_grad_(True)
    (F.softplus(xg).sum() + F.logsigmoid(xg).sum() + F.gelu(xg).sum()).backward()
    t["act.grad"] = xg.grad  # d/dx of softplus + logsigmoid + gelu, element-wise

    t["linear.x"], t["linear.w"], t["linear.b"] = r(2, 3, 5), r(4, 5), r(4)
    t["linear.y"] = F.linear(t["linear.x"], t["linear.w"], t["linear.b"])
    t["linear.y.nobias"] = F.linear(t["linear.x"], t["linear.w"])

    logits, target = r(6, 5) * 3, torch.randint(0, 5, (6,), generator=g)
    t["ce.logits"], t["ce.target"] = logits, target
    t["ce.mean"] = F.cross_entropy(logits, target)
    t["ce.sum"] = F.cross_entropy(logits, target, reduction="sum")
    t["ce.none"] = F.cross_entropy(logits, target, reduction="none")
    t["ce.smooth"] = F.cross_entropy(logits, target, label_smoothing=0.1)
    t["ce.one"] = F.cross_entropy(logits[2], target[2])  # unbatched [C] and a 0-d target
    probs = torch.softmax(r(6, 5), 1)
    t["ce.probs"] = probs
    t["ce.probs.smooth"] = F.cross_entropy(logits, probs, label_smoothing=0.2)
    spatial, starget = r(2, 4, 3), torch.randint(0, 4, (2, 3), generator=g)
    t["ce.spatial.logits"], t["ce.spatial.target"] = spatial, starget
    t["ce.spatial"] = F.cross_entropy(spatial, starget)
    t["nll"] = F.nll_loss(torch.log_softmax(logits, 1), target)
    a, b = r(3, 4), r(3, 4)
    t["mse.a"], t["mse.b"], t["mse"] = a, b, F.mse_loss(a, b)
    t["mse.sum"] = F.mse_loss(a, b, reduction="sum")
    bl, bt = torch.cat([r(10) * 5, torch.tensor([0.0, 800.0, -800.0])]), torch.rand(13, generator=g)
    t["bce.logits"], t["bce.target"] = bl, bt
    t["bce"] = F.binary_cross_entropy_with_logits(bl, bt)
    t["bce.none"] = F.binary_cross_entropy_with_logits(bl, bt, reduction="none")

    ln = r(2, 3, 4, 5) * 2 + 1
    t["ln.x"], t["ln.w"], t["ln.b"] = ln, r(4, 5), r(4, 5)
    t["ln.y"] = F.layer_norm(ln, [4, 5], t["ln.w"], t["ln.b"], 1e-5)
    t["ln.y.noaffine"] = F.layer_norm(ln, [5], eps=1e-3)
    gn = r(2, 6, 3, 2) * 3
    t["gn.x"], t["gn.w"], t["gn.b"] = gn, r(6), r(6)
    t["gn.y"] = F.group_norm(gn, 3, t["gn.w"], t["gn.b"], 1e-5)
    t["bn.mean"], t["bn.var"] = r(6), torch.rand(6, generator=g) + 0.5
    t["bn.y"] = F.batch_norm(gn, t["bn.mean"], t["bn.var"], t["gn.w"], t["gn.b"], False, 0.1, 1e-5)
    t["bn.train"] = F.batch_norm(gn, None, None, t["gn.w"], t["gn.b"], True, 0.1, 1e-5)

    t["emb.w"], t["emb.idx"] = r(7, 3), torch.tensor([[0, 6, 2], [2, 2, 5]])
    t["emb.y"] = F.embedding(t["emb.idx"], t["emb.w"])

    q, k, v = r(2, 3, 4), r(2, 5, 4), r(2, 5, 6)
    mask = torch.rand(2, 3, 5, generator=g) > 0.3
    mask[..., 0] = True  # every query attends to something
    t["sdpa.q"], t["sdpa.k"], t["sdpa.v"], t["sdpa.mask"] = q, k, v, mask
    # torch 1.13 has no F.scaled_dot_product_attention: the definition, with its -inf masking
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(4)
    t["sdpa.y"] = torch.softmax(scores.masked_fill(~mask, float("-inf")), -1) @ v
    t["sdpa.y.nomask"] = torch.softmax(scores, -1) @ v

    # ignore_index (drawn last, so that the values above keep their draws)
    ilogits = r(7, 4) * 2
    itarget = torch.tensor([1, -100, 3, 0, -100, 2, 2])
    t["ce.ignore.logits"], t["ce.ignore.target"] = ilogits, itarget
    t["ce.ignore"] = F.cross_entropy(ilogits, itarget)
    t["ce.ignore.smooth"] = F.cross_entropy(ilogits, itarget, label_smoothing=0.3)
    t["ce.ignore.sum"] = F.cross_entropy(ilogits, itarget, reduction="sum")
    t["ce.ignore.none"] = F.cross_entropy(ilogits, itarget, reduction="none")
    t["ce.ignore2"] = F.cross_entropy(ilogits, itarget.clamp(min=0), ignore_index=2)
    t["nll.ignore"] = F.nll_loss(torch.log_softmax(ilogits, 1), itarget)
    ig = ilogits.clone().requires_grad_(True)
    F.cross_entropy(ig, itarget, label_smoothing=0.3).backward()
    t["ce.ignore.grad"] = ig.grad
    write_safetensors(os.path.join(OUT, "functional.safetensors"), t)


# ------------------------------------------------------------------ transformer block

V, D, H, FF, C, L, B = 11, 8, 2, 16, 3, 6, 4


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, D)
        # training mode with dropout 0: deterministic, and never PyTorch's fused inference path
        self.encoder = nn.TransformerEncoderLayer(D, H, FF, dropout=0.0, activation="gelu", batch_first=True)
        self.classifier = nn.Linear(D, C)

    def forward(self, tokens, pad, embedded=False):
        h = tokens if embedded else self.embed(tokens)
        h = self.encoder(h, src_key_padding_mask=pad)
        keep = (~pad).to(h.dtype).unsqueeze(-1)
        pooled = (h * keep).sum(-2) / keep.sum(-2)
        return self.classifier(pooled)


def transformer_fixtures():
    torch.manual_seed(1)
    model = Classifier().double()
    model.train()
    for p in model.parameters():  # larger than the default init, so that every term matters
        p.data += 0.1 * torch.randn_like(p)
    params = {n: p.detach() for n, p in model.named_parameters()}
    write_safetensors(
        os.path.join(OUT, "transformer_weights.safetensors"),
        params,
        {"format": "pt", "model": "embedding + TransformerEncoderLayer(8, 2, 16, gelu) + mean-pool + Linear(8, 3)"},
    )
    g = torch.Generator().manual_seed(2)
    tokens = torch.randint(0, V, (B, L), generator=g)
    lengths = torch.tensor([6, 4, 5, 2])
    pad = torch.arange(L).unsqueeze(0) >= lengths.unsqueeze(1)
    labels = torch.randint(0, C, (B,), generator=g)

    def logits_fn(p, tok, pd, embedded=False):
        return functional_call(model, p, (tok, pd, embedded))

    def loss_fn(p, tok, pd, y):
        return F.cross_entropy(logits_fn(p, tok, pd), y)

    def loss_one(p, tok, pd, y):
        return F.cross_entropy(logits_fn(p, tok.unsqueeze(0), pd.unsqueeze(0))[0], y)

    out = {"tokens": tokens, "pad": pad, "labels": labels}
    out["logits"] = logits_fn(params, tokens, pad).detach()
    out["loss"] = loss_fn(params, tokens, pad, labels).detach()
    for n, gr in grad(loss_fn)(params, tokens, pad, labels).items():
        out["grad." + n] = gr
    for n, gr in vmap(grad(loss_one), in_dims=(None, 0, 0, 0))(params, tokens, pad, labels).items():
        out["per_sample_grad." + n] = gr

    def logits_of_embedded(h, pd):
        return logits_fn(params, h.unsqueeze(0), pd.unsqueeze(0), True)[0]

    embedded = F.embedding(tokens, params["embed.weight"])
    out["embedded"] = embedded
    out["jacobian"] = vmap(jacrev(logits_of_embedded))(embedded, pad)  # [B, C, L, D]
    write_safetensors(os.path.join(OUT, "transformer_expected.safetensors"), out)


def prenorm_fixtures():
    """One pre-norm (norm_first=True) encoder layer on one sequence with padding: forward and grad."""
    torch.manual_seed(3)
    layer = nn.TransformerEncoderLayer(8, 4, 12, dropout=0.0, activation="gelu", norm_first=True, batch_first=True).double()
    layer.train()
    for p in layer.parameters():
        p.data += 0.1 * torch.randn_like(p)
    params = {n: p.detach() for n, p in layer.named_parameters()}
    x = torch.randn(5, 8)
    pad = torch.tensor([False, False, False, True, True])

    def out(p):
        return functional_call(layer, p, (x.unsqueeze(0),), {"src_key_padding_mask": pad.unsqueeze(0)})[0]

    t = {"x": x, "pad": pad, "y": out(params).detach()}
    for n, g in grad(lambda p: (out(p) ** 2).sum())(params).items():
        t["grad." + n] = g
    t.update({"param." + n: p for n, p in params.items()})
    write_safetensors(os.path.join(OUT, "prenorm.safetensors"), t)


def cross_attention_fixtures():
    """nn.MultiheadAttention(8, 2) of a query sequence to another key/value sequence with padding."""
    torch.manual_seed(4)
    mha = nn.MultiheadAttention(8, 2, batch_first=True).double()
    for p in mha.parameters():
        p.data += 0.1 * torch.randn_like(p)
    params = {n: p.detach() for n, p in mha.named_parameters()}
    q, k, v = torch.randn(3, 8), torch.randn(5, 8), torch.randn(5, 8)
    pad = torch.tensor([False, True, False, False, True])

    def out(p):
        args = (q.unsqueeze(0), k.unsqueeze(0), v.unsqueeze(0))
        return functional_call(mha, p, args, {"key_padding_mask": pad.unsqueeze(0), "need_weights": False})[0][0]

    t = {"query": q, "key": k, "value": v, "pad": pad, "y": out(params).detach()}
    for n, g in grad(lambda p: (out(p) ** 2).sum())(params).items():
        t["grad." + n] = g
    t.update({"param." + n: p for n, p in params.items()})
    write_safetensors(os.path.join(OUT, "cross_attention.safetensors"), t)


# ------------------------------------------------------------------ dtypes and metadata


def dtype_fixtures():
    values = torch.tensor([0.0, 1.0, -2.5, 65504.0, 6.103515625e-05, 5.960464477539063e-08, -0.0, 0.333251953125])
    t = {
        "f64": torch.tensor([[1.5, -2.25], [1e-300, 3.0]]),
        "f32": torch.tensor([1.25, -3.5, 1e-40, 3.4e38], dtype=torch.float32),
        "f16": values.to(torch.float16),
        "bf16": torch.tensor([1.0, -2.5, 3.0e38, 1.0e-39, 0.0078125], dtype=torch.float32).to(torch.bfloat16),
        "i64": torch.tensor([[-(2**62), 7]], dtype=torch.int64),
        "i32": torch.tensor([-(2**31), 2**31 - 1, 0], dtype=torch.int32),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(4.5),
        "empty": torch.zeros(0, 3),
    }
    expected = {
        "f16.as_f64": t["f16"].double(),
        "bf16.as_f64": t["bf16"].double(),
    }
    write_safetensors(
        os.path.join(OUT, "dtypes.safetensors"),
        {**t, **expected},
        {"format": "pt", "note": "quotes \" and unicode \u00e9 survive"},
    )


# ------------------------------------------------------------------ reading what Java wrote


def verify(path):
    """SafeTensorsTest.javaFilesReadBackInPython writes exactly these tensors and metadata."""
    tensors, metadata = read_safetensors(path)
    expect = {
        "weight": ("F64", np.arange(6, dtype="<f8").reshape(2, 3) / 4 - 0.5),
        "bias": ("F32", np.array([1.5, -2.0], dtype="<f4")),
        "steps": ("I64", np.array(123456789012, dtype="<i8")),
        "index": ("I32", np.array([3, -1, 0], dtype="<i4")),
        "mask": ("BOOL", np.array([[True, False]], dtype="|b1")),
    }
    problems = []
    if list(tensors) != list(expect):
        problems.append("names %s, expected %s" % (list(tensors), list(expect)))
    for name, (code, arr) in expect.items():
        if name in tensors:
            got_code, got = tensors[name]
            if got_code != code or got.shape != arr.shape or not np.array_equal(got, arr):
                problems.append("%s: got %s %s %s" % (name, got_code, got.shape, got))
    if metadata != {"source": "vmap4j", "epoch": "3"}:
        problems.append("metadata %s" % metadata)
    print("\n".join(problems) if problems else "OK")
    return 0 if not problems else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "verify":
        sys.exit(verify(sys.argv[2]))
    os.makedirs(OUT, exist_ok=True)
    functional_fixtures()
    transformer_fixtures()
    prenorm_fixtures()
    cross_attention_fixtures()
    dtype_fixtures()
    print("wrote fixtures to", OUT)
