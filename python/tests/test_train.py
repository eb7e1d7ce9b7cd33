"""End to end: driver submit on a small generated citibike job, then the
example's seed network trained a few epochs from the shards."""

import importlib.util
import os

from conftest import REPO


def _example():
    spec = importlib.util.spec_from_file_location("train_citibike", os.path.join(REPO, "examples", "train_citibike.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_training_loss_falls_and_beats_the_mean(small):
    out = small("zstd")
    lines = []
    r = _example().train(out, epochs=4, batch_size=256, seed=0, log=lines.append)
    assert r["losses"][-1] < r["losses"][0], r["losses"]
    assert r["eval_mae"] < 0.97 * r["baseline_mae"], (r["eval_mae"], r["baseline_mae"])
    assert any(k.startswith("gender=") for k in r["slices"])
    assert any(k.startswith("birth_decade=19") for k in r["slices"])
    assert sum(n for k, (m, n) in r["slices"].items() if k.startswith("birth_decade")) > 0
    assert any("eval MAE" in line for line in lines)
