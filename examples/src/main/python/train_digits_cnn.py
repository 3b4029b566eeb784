"""Trains the digits CNN of the GraNd example and writes its weights as safetensors.

Run from the repository root with Debian's PyTorch 1.13 (it reads the examples' bundled data):

    /usr/bin/python3 examples/src/main/python/train_digits_cnn.py

Writes, under examples/src/main/resources/org/vmap4j/examples/models/:
  digits_cnn.safetensors        the trained weights, F32, PyTorch's state-dict names and layouts
  digits_cnn_reference.csv      per row: PyTorch's loss and per-sample gradient norm (F64, one
                                torch.autograd.grad call per row, no vmap), for the Java checks

The safetensors file is written here with struct and json (the format: an 8-byte little-endian
header length, a JSON header, then the raw little-endian tensors), not with the safetensors
package, which this machine does not have.
"""
import gzip
import json
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(__file__), "..", "resources", "org", "vmap4j", "examples")
DATA = os.path.join(ROOT, "data", "digits.csv.gz")
OUT = os.path.join(ROOT, "models")
TRAIN_ROWS = 1497  # the first 5/6 of the 1797 rows, as the MLP example
SEED = 17
EPOCHS = 30


class DigitsCnn(nn.Module):
    """conv 3x3 -> GroupNorm -> ReLU -> max-pool 2, twice, then linear: [1, 8, 8] -> 10 logits."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.norm1 = nn.GroupNorm(2, 8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.norm2 = nn.GroupNorm(4, 16)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.norm1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.norm2(self.conv2(x))), 2)
        return self.fc(x.flatten(1))


def load_digits():
    with gzip.open(DATA, "rt") as f:
        rows = [[int(c) for c in line.split(",")] for line in f if line.strip()]
    t = torch.tensor(rows, dtype=torch.float64)
    return (t[:, :64] / 16).reshape(-1, 1, 8, 8), t[:, 64].long()


def save_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    torch.manual_seed(SEED)
    x, y = load_digits()
    model = DigitsCnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    xtrain, ytrain = x[:TRAIN_ROWS].float(), y[:TRAIN_ROWS]
    for epoch in range(EPOCHS):
        order = torch.randperm(TRAIN_ROWS)
        for i in range(0, TRAIN_ROWS, 64):
            batch = order[i:i + 64]
            optimizer.zero_grad()
            F.cross_entropy(model(xtrain[batch]), ytrain[batch]).backward()
            optimizer.step()
    with torch.no_grad():
        predicted = model(x.float()).argmax(1)
    train_acc = (predicted[:TRAIN_ROWS] == y[:TRAIN_ROWS]).double().mean().item()
    test_acc = (predicted[TRAIN_ROWS:] == y[TRAIN_ROWS:]).double().mean().item()
    print(f"accuracy {train_acc:.4f} on the first {TRAIN_ROWS} rows, {test_acc:.4f} on the rest")

    os.makedirs(OUT, exist_ok=True)
    state = model.state_dict()
    save_safetensors(
        os.path.join(OUT, "digits_cnn.safetensors"),
        state,
        {"script": "examples/src/main/python/train_digits_cnn.py", "seed": str(SEED),
         "epochs": str(EPOCHS), "train_rows": str(TRAIN_ROWS), "torch": torch.__version__},
    )

    # The reference: F64 copies of the saved F32 weights, one backward pass per row.
    model64 = DigitsCnn().double()
    model64.load_state_dict({k: v.double() for k, v in state.items()})
    params = list(model64.parameters())
    with open(os.path.join(OUT, "digits_cnn_reference.csv"), "w") as f:
        f.write("row,loss,grad_norm\n")
        for i in range(x.shape[0]):
            loss = F.cross_entropy(model64(x[i:i + 1]), y[i:i + 1])
            grads = torch.autograd.grad(loss, params)
            norm = torch.sqrt(sum((g * g).sum() for g in grads)).item()
            f.write(f"{i},{loss.item():.17g},{norm:.17g}\n")


if __name__ == "__main__":
    main()
