"""PyTorch integration: :class:`ShardDataset`, an IterableDataset over one
split of a sluice output.

Assignment (a function of (seed, epoch, rank, world_size, worker)):
each epoch the split's shards are put in a seeded order and read as one
virtual row sequence. Rank r takes a contiguous range of it: whole shards
when the shard count divides by world_size (the equal-shard property makes
those ranges differ by at most a few rows), exact row ranges otherwise.
Every rank yields the same number of batches, K = ceil(max rank rows /
batch_size): batches hold batch_size rows except the last one or two of a
rank with fewer rows, so every row is seen exactly once per epoch and no
rank waits on another (``drop_last=True`` instead yields only full
batches, the same count on every rank). A rank's batches are split into
contiguous blocks, one per DataLoader worker, so each worker reads only
the shards under its rows, shuffling them (seeded) a few shards at a time.

Use it with ``DataLoader(ds, batch_size=None, num_workers=M)``: the dataset
yields whole batches.
"""

import math

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from .dataset import SluiceError, open_dataset

_MIX = 0x9E3779B97F4A7C15


def _rng(seed, *parts):
    return np.random.default_rng([int(seed) & 0xFFFFFFFFFFFFFFFF] + [int(p) for p in parts])


def batch_sizes(rows, k, batch_size):
    """Sizes of k batches covering ``rows`` rows: batch_size each except the
    last ones, which shrink so that none is empty."""
    if rows < k:
        raise SluiceError("a rank has %d rows for %d batches: the split is too small for this "
                          "world size and batch size" % (rows, k))
    out = []
    rem = rows
    for j in range(k):
        s = min(batch_size, rem - (k - j - 1))
        out.append(s)
        rem -= s
    if rem:
        raise SluiceError("internal: %d rows left over after %d batches" % (rem, k))
    return out


def plan_epoch(shard_rows, world_size, seed, epoch, shuffle=True):
    """Per rank, the list of (shard index, lo, hi) row pieces it reads this
    epoch, in reading order (see the module doc)."""
    n = len(shard_rows)
    order = list(range(n))
    if shuffle:
        order = [int(i) for i in _rng(seed, epoch, 1).permutation(n)]
    starts = np.concatenate([[0], np.cumsum([shard_rows[i] for i in order])]).astype(np.int64)
    total = int(starts[-1])
    if n and n % world_size == 0:
        per = n // world_size
        cuts = [int(starts[r * per]) for r in range(world_size + 1)]
    else:
        cuts = [total * r // world_size for r in range(world_size + 1)]
    return [_pieces(order, starts, cuts[r], cuts[r + 1]) for r in range(world_size)], order


def _pieces(order, starts, lo, hi):
    """(shard, lo, hi) pieces of the virtual rows [lo, hi)."""
    out = []
    for j, s in enumerate(order):
        a, b = int(starts[j]), int(starts[j + 1])
        x, y = max(a, lo), min(b, hi)
        if x < y:
            out.append((s, x - a, y - a))
    return out


def _sub_pieces(pieces, lo, hi):
    """The pieces covering rows [lo, hi) of a rank's own sequence."""
    out = []
    pos = 0
    for s, a, b in pieces:
        n = b - a
        x, y = max(pos, lo), min(pos + n, hi)
        if x < y:
            out.append((s, a + x - pos, a + y - pos))
        pos += n
    return out


class ShardDataset(IterableDataset):
    """An IterableDataset over one split: yields ``(features, label)``
    float32 tensors of shapes [B, F] and [B] (just ``features`` when
    ``label`` is None).

    path: the output directory or ``s3://bucket/prefix``; split: split name; label: label column
    (None for unlabelled data); features: feature columns (default: every
    column with role feature, in schema order; integer ids become float);
    rank/world_size: this process's place in data-parallel training
    (default: torch.distributed's when initialized, else 0 of 1); seed:
    shuffle seed; shuffle: seeded order of shards and rows per epoch;
    drop_last: only full batches; buffer_shards: shards shuffled together
    by a worker; verify: check each shard's sha256 as it is read;
    storage_options: for an ``s3://`` path, passed to the S3 client.
    """

    def __init__(self, path, split="train", label=None, batch_size=256, rank=None, world_size=None,
                 seed=0, shuffle=True, features=None, drop_last=False, buffer_shards=4, verify=True, storage_options=None):
        super().__init__()
        self.ds = open_dataset(path, verify=False, storage_options=storage_options)
        self.verify = verify
        self.ds.verify = verify
        self.split = split
        self.shards = self.ds.shards(split)
        self.label = label
        if label is not None and label not in self.ds.columns():
            raise SluiceError("%s: no column %r for the label (the output has: %s)"
                              % (self.ds.path, label, ", ".join(self.ds.columns())))
        self.features = list(features) if features is not None else self.ds.features
        self.ds._check_columns(self.features)
        if not self.features:
            raise SluiceError("%s: no feature columns to read" % self.ds.path)
        if world_size is None or rank is None:
            dist = torch.distributed
            if dist.is_available() and dist.is_initialized():
                world_size = dist.get_world_size() if world_size is None else world_size
                rank = dist.get_rank() if rank is None else rank
            else:
                world_size = 1 if world_size is None else world_size
                rank = 0 if rank is None else rank
        if not (world_size >= 1 and 0 <= rank < world_size):
            raise SluiceError("rank %r must be in [0, world_size %r)" % (rank, world_size))
        if batch_size < 1:
            raise SluiceError("batch_size must be >= 1 (got %r)" % batch_size)
        self.rank, self.world_size = int(rank), int(world_size)
        self.batch_size = int(batch_size)
        self.seed, self.shuffle, self.drop_last = int(seed), bool(shuffle), bool(drop_last)
        self.buffer_shards = max(1, int(buffer_shards))
        self.epoch = 0
        self._rows = [int(s["rows"]) for s in self.shards]

    def set_epoch(self, epoch):
        """Select the epoch whose shard order and row shuffle the next
        iteration uses (call it on every rank with the same value)."""
        self.epoch = int(epoch)

    def _plan(self):
        ranks, _ = plan_epoch(self._rows, self.world_size, self.seed, self.epoch, self.shuffle)
        counts = [sum(b - a for _, a, b in p) for p in ranks]
        if self.drop_last:
            k = min(counts) // self.batch_size
            sizes = [self.batch_size] * k
        else:
            k = math.ceil(max(counts) / self.batch_size) if counts else 0
            sizes = batch_sizes(counts[self.rank], k, self.batch_size)
        return ranks[self.rank], sizes

    def __len__(self):
        """Batches per rank this epoch (the same on every rank)."""
        return len(self._plan()[1])

    def worker_batches(self, worker, num_workers):
        """(pieces, batch sizes) read by one DataLoader worker of this rank."""
        pieces, sizes = self._plan()
        k = len(sizes)
        mine = list(range(k * worker // num_workers, k * (worker + 1) // num_workers))
        # rows of the rank's sequence: batch j covers [ends[j] - sizes[j], ends[j])
        ends = np.cumsum(sizes) if sizes else np.zeros(0, np.int64)
        spans = [(int(ends[j]) - sizes[j], int(ends[j])) for j in mine]
        my_pieces = []
        for lo, hi in spans:
            my_pieces.extend(_sub_pieces(pieces, lo, hi))
        return _merge(my_pieces), [sizes[j] for j in mine]

    def _load(self, group):
        """Rows of a group of pieces as (features [n, F], label [n])."""
        per_shard = {}
        for s, a, b in group:
            per_shard.setdefault(s, []).append((a, b))
        xs, ys = [], []
        cols = self.features + ([self.label] if self.label is not None else [])
        for s, rngs in per_shard.items():
            data = self.ds.read_shard(self.shards[s], cols)
            n = self._rows[s]
            x = np.empty((n, len(self.features)), dtype=np.float32)
            for j, c in enumerate(self.features):
                x[:, j] = np.ma.getdata(data[c])
            y = np.ma.getdata(data[self.label]).astype(np.float32) if self.label is not None else None
            for a, b in rngs:
                xs.append(x[a:b])
                if y is not None:
                    ys.append(y[a:b])
        x = np.concatenate(xs) if len(xs) != 1 else xs[0]
        y = (np.concatenate(ys) if len(ys) != 1 else ys[0]) if ys else None
        return x, y

    def __iter__(self):
        info = get_worker_info()
        w, nw = (info.id, info.num_workers) if info is not None else (0, 1)
        pieces, sizes = self.worker_batches(w, nw)
        rng = _rng(self.seed, self.epoch, 2, self.rank, w)
        bi = 0
        carry_x = carry_y = None
        for g in range(0, len(pieces), self.buffer_shards):
            x, y = self._load(pieces[g:g + self.buffer_shards])
            if self.shuffle:
                p = rng.permutation(len(x))
                x = x[p]
                y = y[p] if y is not None else None
            if carry_x is not None and len(carry_x):
                x = np.concatenate([carry_x, x])
                y = np.concatenate([carry_y, y]) if y is not None else None
            pos = 0
            while bi < len(sizes) and pos + sizes[bi] <= len(x):
                s = sizes[bi]
                bx = torch.from_numpy(np.ascontiguousarray(x[pos:pos + s]))
                if y is None:
                    yield bx
                else:
                    yield bx, torch.from_numpy(np.ascontiguousarray(y[pos:pos + s]))
                pos += s
                bi += 1
            carry_x = x[pos:]
            carry_y = y[pos:] if y is not None else None
        if bi != len(sizes):
            raise SluiceError("internal: worker %d yielded %d of %d batches" % (w, bi, len(sizes)))


def _merge(pieces):
    """Join adjacent pieces of the same shard."""
    out = []
    for s, a, b in pieces:
        if out and out[-1][0] == s and out[-1][2] == a:
            out[-1] = (s, out[-1][1], b)
        else:
            out.append((s, a, b))
    return out
