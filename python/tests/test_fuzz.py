"""Seeded random mutation of shards and manifests written by the driver.

Every read of a mutated shard must raise the documented error type
(``_ipc.IPCError`` from the numpy IPC reader, ``sluice.SluiceError`` from
the dataset API, both naming the file) or return self-consistent columns;
never an IndexError, struct.error, UnicodeDecodeError or other crash, and
never a hang (a generous alarm turns one into a failure). The seed and the
iteration of a failure are in its message: rerun with SLUICE_FUZZ_SEED and
SLUICE_FUZZ_ITERS to reproduce or to fuzz longer.
"""

import copy
import json
import os
import random
import shutil
import signal
import struct

import numpy as np
import pytest

import sluice
from sluice import _ipc

from conftest import SEED

SEED0 = int(os.environ.get("SLUICE_FUZZ_SEED", "20261204"))
ITERS = int(os.environ.get("SLUICE_FUZZ_ITERS", "400"))
HANG_SECONDS = 60

TINY_JOB = """name: tiny
input:
  generate: {kind: citibike, rows: 300, seed: %(seed)d, files: 2}
features:
  tripduration: {transform: zscore, fill: median}
  usertype: {transform: onehot}
  bikeid: {transform: bucketize, buckets: 4}
label:
  birth_year: {fill: drop}
keep: [trip_id, start_station_name, starttime, gender]
split:
  ratios: {train: 0.7, eval: 0.3}
  seed: 3
output:
  path: out/tiny
  format: arrow
  compression: %(compression)s
  shards: 2
  shuffle: true
"""

_INTERESTING = [0, 1, -1, 7, 8, 0x7F, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, -0x80000000, 1 << 20]


@pytest.fixture(scope="module")
def tiny(submit):
    """tiny(compression) -> output dir of TINY_JOB (keeps strings, timestamps,
    nulls and masked ints in the shards)."""
    def make(compression):
        return submit(TINY_JOB % {"seed": SEED, "compression": compression}, "tiny-" + compression)
    return make


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang("no answer in %d s" % HANG_SECONDS)


@pytest.fixture
def watchdog():
    """Turns a read that never returns into a failure instead of a stuck suite."""
    old = signal.signal(signal.SIGALRM, _alarm)
    yield lambda: signal.alarm(HANG_SECONDS)
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def mutate_bytes(rng, data):
    """1-4 random edits, half of them in the metadata-heavy head and tail."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not b:
            b = bytearray(rng.randbytes(rng.randint(1, 32)))
        n = len(b)
        if rng.random() < 0.5:
            pos = rng.randrange(max(n - 512, 0), n) if rng.random() < 0.6 else rng.randrange(min(n, 512))
        else:
            pos = rng.randrange(n)
        op = rng.randrange(7)
        if op == 0:
            b[pos] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[pos] = rng.randrange(256)
        elif op == 2 and pos + 4 <= n:
            struct.pack_into("<i", b, pos, rng.choice(_INTERESTING))
        elif op == 3 and pos + 8 <= n:
            struct.pack_into("<q", b, pos, rng.choice(_INTERESTING + [n, -n, 1 << 40]))
        elif op == 4:
            del b[pos:pos + rng.randint(1, 16)]
        elif op == 5:
            b[pos:pos] = rng.randbytes(rng.randint(1, 16))
        else:
            del b[pos:]
    return bytes(b)


def _check_columns(fields, cols, want):
    """The columns returned are the ones asked for, with one length and
    the dtypes and null conventions their fields promise."""
    names = [f.name for f in fields if want is None or f.name in want]
    assert list(cols) == names
    assert len({len(v) for v in cols.values()}) <= 1, {k: len(v) for k, v in cols.items()}
    byname = {f.name: f for f in fields}
    for name, v in cols.items():
        f = byname[name]
        assert isinstance(v, np.ndarray)
        if f.kind == "string":
            assert v.dtype == object and not isinstance(v, np.ma.MaskedArray)
            assert all(x is None or isinstance(x, str) for x in v.tolist())
        else:
            assert v.dtype == f.dtype, (name, v.dtype, f.dtype)
        if isinstance(v, np.ma.MaskedArray):
            assert np.ma.getmaskarray(v).shape == v.shape


def _shard_files(out):
    m = json.load(open(os.path.join(out, "manifest.json")))
    return [os.path.join(out, *sh["path"].split("/")) for s in m["splits"] for sh in s["shards"]]


@pytest.mark.parametrize("compression", ["none", "zstd", "lz4"])
def test_ipc_reader_on_mutated_shards(tiny, watchdog, compression):
    seeds = [open(p, "rb").read() for p in _shard_files(tiny(compression))]
    fields0, cols0 = _ipc.read_arrow_file(seeds[0], "seed")
    _check_columns(fields0, cols0, None)
    rng = random.Random("%d-%s" % (SEED0, compression))
    counts = {"error": 0, "read": 0}
    name = "/fuzz/shard.arrow"
    for it in range(ITERS):
        data = mutate_bytes(rng, rng.choice(seeds))
        want = None
        if rng.random() < 0.3:
            want = rng.sample([f.name for f in fields0], rng.randint(1, len(fields0)))
        watchdog()
        try:
            fields, cols = _ipc.read_arrow_file(data, name, want)
        except _ipc.IPCError as e:
            assert str(e).startswith(name + ": "), "iteration %d: %s" % (it, e)
            counts["error"] += 1
            continue
        except BaseException as e:  # noqa: B036 - any other exception is the bug under test
            pytest.fail("seed %d iteration %d (%s): %s: %s" % (SEED0, it, compression, type(e).__name__, e))
        _check_columns(fields, cols, None if want is None else set(want))
        counts["read"] += 1
    # The mutator must reach both outcomes, or it tests nothing.
    assert counts["error"] > ITERS // 10 and counts["read"] > 0, counts


def _json_paths(node, path=()):
    """Every (path, value) in a JSON tree."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _json_paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _json_paths(v, path + (i,))


_JUNK = [None, True, 0, -1, 1, 2 ** 63, 1.5, "", "x", "../manifest.json", "/etc/passwd", "a/../../b",
         [], {}, [1], {"name": 1}]


def mutate_manifest(rng, m):
    """A copy of manifest m with 1-3 values replaced, deleted or nudged."""
    m = copy.deepcopy(m)
    for _ in range(rng.randint(1, 3)):
        paths = [p for p, _ in _json_paths(m) if p]
        path = rng.choice(paths)
        parent = m
        for k in path[:-1]:
            parent = parent[k]
        key, old = path[-1], parent[path[-1]]
        op = rng.randrange(4)
        if op == 0:
            del parent[key]
        elif op == 1 and isinstance(old, int) and not isinstance(old, bool):
            parent[key] = old + rng.choice([-1, 1, -old - 1, 10 ** 6])
        elif op == 2 and isinstance(old, str):
            parent[key] = old[:-1] if old else "x"
        else:
            parent[key] = rng.choice(_JUNK)
    return m


def test_dataset_on_mutated_manifests_and_shards(tiny, tmp_path, watchdog):
    src = tiny("zstd")
    m0 = json.load(open(os.path.join(src, "manifest.json")))
    rng = random.Random(SEED0)
    counts = {"error": 0, "read": 0}
    for it in range(ITERS // 2):
        out = str(tmp_path / ("o%d" % it))
        shutil.copytree(src, out)
        verify = rng.random() < 0.5
        kind = rng.randrange(3)
        if kind == 0:
            text = json.dumps(mutate_manifest(rng, m0))
        elif kind == 1:
            text = mutate_bytes(rng, json.dumps(m0).encode()).decode("utf-8", "replace")
        else:
            text = json.dumps(m0)
            shard = rng.choice(_shard_files(out))
            data = open(shard, "rb").read()
            open(shard, "wb").write(mutate_bytes(rng, data))
        with open(os.path.join(out, "manifest.json"), "w") as f:
            f.write(text)
        watchdog()
        try:
            ds = sluice.open(out, verify=verify, engine="numpy")
            for split in ds.splits:
                cols = ds.read(split)
                assert list(cols) == ds.columns()
                assert all(len(v) == ds.rows(split) for v in cols.values()), (split, ds.rows(split))
            ds.features, ds.label
        except sluice.SluiceError as e:
            assert out in str(e), "iteration %d: %s" % (it, e)
            counts["error"] += 1
        except BaseException as e:  # noqa: B036
            pytest.fail("seed %d iteration %d (kind %d): %s: %s" % (SEED0, it, kind, type(e).__name__, e))
        else:
            counts["read"] += 1
        shutil.rmtree(out)
    assert counts["error"] > 0 and counts["read"] > 0, counts


def test_manifest_shard_paths_stay_inside_the_output(tiny, tmp_path):
    out = str(tmp_path / "o")
    shutil.copytree(tiny("none"), out)
    outside = tmp_path / "outside.arrow"
    shutil.copy(_shard_files(out)[0], outside)
    m = json.load(open(os.path.join(out, "manifest.json")))
    for bad in ["../outside.arrow", "/" + str(outside).lstrip("/"), "train/../../outside.arrow", ""]:
        mm = copy.deepcopy(m)
        mm["splits"][0]["shards"][0]["path"] = bad
        with open(os.path.join(out, "manifest.json"), "w") as f:
            json.dump(mm, f)
        with pytest.raises(sluice.SluiceError, match="path"):
            sluice.open(out, verify=False).read(mm["splits"][0]["name"])


def test_split_rows_must_match_its_shards(tiny, tmp_path):
    out = str(tmp_path / "o")
    shutil.copytree(tiny("none"), out)
    m = json.load(open(os.path.join(out, "manifest.json")))
    m["splits"][0]["rows"] += 1
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(m, f)
    with pytest.raises(sluice.SluiceError, match="shards hold"):
        sluice.open(out, engine="numpy").read(m["splits"][0]["name"])


