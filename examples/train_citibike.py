#!/usr/bin/env python3
"""Train the seed network on the citibike example's shards: predict
birth_year with dense 64 -> dense 32 -> linear 1 (ReLU), Adam, MSE loss,
batch 256; print the eval MAE per epoch, then sliced by gender and by birth
decade.

    go run ./cmd/driver submit examples/citibike.yaml
    /usr/bin/python3 examples/train_citibike.py --data out/citibike

Inputs are the float32 features (z-scored duration, one-hot gender and
user type, ...); the vocabulary and hash ids are left out because a plain
dense network cannot use raw ids (they would need embeddings). The label is
standardized with the train split's mean and std for training; MAE is in
years. ``--reader-only`` measures the reader (rows/s into torch tensors).
"""

import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

import sluice  # noqa: E402
from sluice.torch import ShardDataset  # noqa: E402


def float_features(ds):
    """The float32 feature columns of an output, in schema order."""
    return [c["name"] for c in ds.schema if c["role"] == "feature" and c["type"] == "float32"]


def seed_network(n_in):
    """dense 64 -> dense 32 -> linear 1."""
    return torch.nn.Sequential(torch.nn.Linear(n_in, 64), torch.nn.ReLU(),
                               torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))


def eval_arrays(ds, features, label):
    cols = ds.read("eval", columns=features + [label])
    x = np.stack([np.ma.getdata(cols[c]).astype(np.float32) for c in features], axis=1)
    return x, np.ma.getdata(cols[label]).astype(np.float64), cols


def predict(model, x, mean, std):
    model.eval()
    with torch.no_grad():
        out = model(torch.from_numpy(x))[:, 0].numpy().astype(np.float64)
    model.train()
    return out * std + mean


def train(data, epochs=5, batch_size=256, lr=1e-3, seed=0, workers=0, label="birth_year", log=print):
    """Train and evaluate; returns {"losses", "eval_mae", "baseline_mae", "slices"}."""
    torch.manual_seed(seed)
    ds = sluice.open(data)
    features = float_features(ds)
    y_train = np.ma.getdata(ds.read("train", columns=[label])[label]).astype(np.float64)
    mean, std = float(y_train.mean()), float(y_train.std()) or 1.0
    x_eval, y_eval, eval_cols = eval_arrays(ds, features, label)
    baseline = float(np.abs(y_eval - mean).mean())
    log("features: %s" % ", ".join(features))
    log("train rows %d, eval rows %d; predicting the train mean gives eval MAE %.3f"
        % (len(y_train), len(y_eval), baseline))
    it = ShardDataset(data, split="train", label=label, features=features, batch_size=batch_size,
                      rank=0, world_size=1, seed=seed, verify=False)
    loader = torch.utils.data.DataLoader(it, batch_size=None, num_workers=workers)
    model = seed_network(len(features))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses, maes = [], []
    for epoch in range(epochs):
        it.set_epoch(epoch)
        total, n = 0.0, 0
        for x, y in loader:
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x)[:, 0], (y - mean) / std)
            loss.backward()
            opt.step()
            total += float(loss) * len(y)
            n += len(y)
        losses.append(total / n)
        pred = predict(model, x_eval, mean, std)
        maes.append(float(np.abs(pred - y_eval).mean()))
        log("epoch %d: train loss %.4f (standardized MSE), eval MAE %.3f years" % (epoch + 1, losses[-1], maes[-1]))
    pred = predict(model, x_eval, mean, std)
    err = np.abs(pred - y_eval)
    slices = {}
    genders = [c for c in features if c.startswith("gender=")]
    if genders:
        g = np.stack([eval_cols[c] for c in genders], axis=1).argmax(axis=1)
        for j, c in enumerate(genders):
            sel = g == j
            if sel.any():
                slices[c] = (float(err[sel].mean()), int(sel.sum()))
    decade = (y_eval // 10 * 10).astype(int)
    for d in np.unique(decade):
        sel = decade == d
        slices["birth_decade=%ds" % d] = (float(err[sel].mean()), int(sel.sum()))
    log("eval MAE by slice:")
    for k, (mae, n) in slices.items():
        log("  %-22s MAE %7.3f  rows %d" % (k, mae, n))
    return {"losses": losses, "eval_mae": maes[-1], "eval_maes": maes, "baseline_mae": baseline, "slices": slices}


def measure_reader(data, batch_size=256, workers=0, label="birth_year"):
    """Rows per second from the shards into torch tensors (one epoch, all float features)."""
    ds = sluice.open(data, verify=False)
    it = ShardDataset(data, split="train", label=label, features=float_features(ds), batch_size=batch_size,
                      rank=0, world_size=1, seed=0)
    loader = torch.utils.data.DataLoader(it, batch_size=None, num_workers=workers)
    t0 = time.perf_counter()
    rows = sum(len(y) for _, y in loader)
    dt = time.perf_counter() - t0
    return rows, dt


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="out/citibike", help="sluice output directory")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    ap.add_argument("--reader-only", action="store_true", help="measure the reader's rows/s and exit")
    a = ap.parse_args()
    if a.reader_only:
        rows, dt = measure_reader(a.data, a.batch_size, a.workers)
        print("reader: %d rows in %.2f s = %.0f rows/s into torch tensors (%d workers, sha256 verified)"
              % (rows, dt, rows / dt, a.workers))
        return
    r = train(a.data, a.epochs, a.batch_size, a.lr, a.seed, a.workers)
    print("final eval MAE %.3f years (predicting the train mean: %.3f)" % (r["eval_mae"], r["baseline_mae"]))


if __name__ == "__main__":
    main()
