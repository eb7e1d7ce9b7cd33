"""ShardDataset: each row exactly once per epoch across ranks x workers,
equal batch counts per rank, seeded reshuffle per epoch."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

import sluice
from sluice.torch import ShardDataset, batch_sizes


def _epoch(out, world, workers, epoch, batch=256, **kw):
    """Per rank: the list of batches' trip ids (as int64 arrays)."""
    per_rank = []
    for r in range(world):
        ds = ShardDataset(out, split="train", label="birth_year", features=["trip_id"], batch_size=batch,
                          rank=r, world_size=world, seed=3, **kw)
        ds.set_epoch(epoch)
        it = DataLoader(ds, batch_size=None, num_workers=workers) if workers else ds
        got = []
        for x, y in it:
            assert x.dtype == torch.float32 and y.dtype == torch.float32
            assert x.shape == (len(y), 1)
            got.append(x[:, 0].numpy().astype(np.int64))
        assert len(got) == len(ds)
        per_rank.append(got)
    return per_rank


@pytest.mark.parametrize("world,workers", [(1, 0), (2, 0), (3, 0), (2, 2), (4, 2)])
def test_each_row_once_and_equal_batches(small, world, workers):
    out = small("lz4")
    want = np.sort(sluice.open(out).read("train", columns=["trip_id"])["trip_id"])
    per_rank = _epoch(out, world, workers, epoch=0)
    counts = {len(b) for b in per_rank}
    assert len(counts) == 1, [len(b) for b in per_rank]
    got = np.sort(np.concatenate([np.concatenate(b) for b in per_rank]))
    assert np.array_equal(got, want)
    for batches in per_rank:
        assert all(0 < len(b) <= 256 for b in batches)


def test_labels_travel_with_their_rows(small):
    out = small("zstd")
    cols = sluice.open(out).read("train", columns=["trip_id", "birth_year", "tripduration"])
    by_id = dict(zip(cols["trip_id"].tolist(), cols["birth_year"].tolist()))
    dur = dict(zip(cols["trip_id"].tolist(), cols["tripduration"].tolist()))
    ds = ShardDataset(out, split="train", label="birth_year", features=["trip_id", "tripduration"],
                      batch_size=100, world_size=1, rank=0)
    for x, y in ds:
        for tid, d, yy in zip(x[:, 0].tolist(), x[:, 1].tolist(), y.tolist()):
            assert by_id[int(tid)] == yy and np.float32(dur[int(tid)]) == np.float32(d)


def test_set_epoch_reshuffles_deterministically(small):
    out = small("zstd")
    a0 = _epoch(out, 2, 0, epoch=0)
    a0again = _epoch(out, 2, 0, epoch=0)
    a1 = _epoch(out, 2, 0, epoch=1)
    flat = lambda e: np.concatenate([np.concatenate(b) for b in e])  # noqa: E731
    assert np.array_equal(flat(a0), flat(a0again))
    assert not np.array_equal(flat(a0), flat(a1))
    assert np.array_equal(np.sort(flat(a0)), np.sort(flat(a1)))
    # rank 0's rows change across epochs (shards move between ranks)
    sets = [frozenset(np.concatenate(_epoch(out, 2, 0, epoch=e)[0]).tolist()) for e in range(4)]
    assert len(set(sets)) > 1


def test_unshuffled_order_is_the_shard_order(small):
    out = small("zstd")
    ds = ShardDataset(out, split="eval", label=None, features=["trip_id"], batch_size=64, shuffle=False,
                      world_size=1, rank=0)
    got = np.concatenate([x[:, 0].numpy().astype(np.int64) for x in ds])
    want = sluice.open(out).read("eval", columns=["trip_id"])["trip_id"]
    assert np.array_equal(got, want)


def test_drop_last_gives_full_equal_batches(small):
    out = small("zstd")
    per_rank = _epoch(out, 3, 0, epoch=2, drop_last=True)
    assert len({len(b) for b in per_rank}) == 1
    assert all(len(x) == 256 for b in per_rank for x in b)
    ids = np.concatenate([np.concatenate(b) for b in per_rank])
    assert len(np.unique(ids)) == len(ids)


def test_batch_sizes_and_errors(small):
    assert batch_sizes(10, 3, 4) == [4, 4, 2]
    assert batch_sizes(8, 3, 4) == [4, 3, 1]
    with pytest.raises(sluice.SluiceError, match="too small"):
        batch_sizes(2, 3, 4)
    with pytest.raises(sluice.SluiceError, match="rank 2 must be in"):
        ShardDataset(small("zstd"), rank=2, world_size=2)
    with pytest.raises(sluice.SluiceError, match="no column 'nope'"):
        ShardDataset(small("zstd"), label="nope")
