"""Serving parity: sluice.transform on raw rows reproduces the shards."""

import re

import numpy as np
import pytest

import sluice
from conftest import FILL_JOBS, fill_job


def _same(a, b):
    ma, mb = np.ma.getmaskarray(a), np.ma.getmaskarray(b)
    da, db = np.ma.getdata(a), np.ma.getdata(b)
    if not np.array_equal(ma, mb) or da.dtype != db.dtype:
        return False
    if da.dtype.kind == "f":
        return np.array_equal(da.view(np.uint32 if da.itemsize == 4 else np.uint64)[~ma],
                              db.view(np.uint32 if db.itemsize == 4 else np.uint64)[~mb])
    return np.array_equal(da[~ma], db[~mb])


def _check_parity(out, raw_rows):
    ds = sluice.open(out)
    checked = 0
    for split in ds.splits:
        shard = ds.read(split)
        idx = shard["trip_id"] - 1
        raw = {k: v[idx] for k, v in raw_rows.items()}
        got = sluice.transform(ds.manifest, raw)
        want_cols = ds.columns("feature") + ds.columns("label")
        assert list(got) == want_cols
        for name in want_cols:
            assert _same(got[name], shard[name]), (split, name)
        checked += len(idx)
    assert checked == ds.manifest["rows"]["written"] > 0


def test_transform_reproduces_small_job(small, raw_rows):
    _check_parity(small("zstd"), raw_rows)


@pytest.mark.parametrize("name", sorted(FILL_JOBS))
def test_transform_reproduces_fills_and_hashes(submit, raw_rows, name):
    _check_parity(submit(fill_job(FILL_JOBS[name]), "fills-" + name), raw_rows)


def test_transform_hand_computed(submit):
    m = sluice.open(submit(fill_job(FILL_JOBS["nullfeatures"]), "fills-nullfeatures")).manifest
    p = {t["feature"]: t["params"] for t in m["transforms"]}
    by = p["birth_year"]
    raw = {"birth_year": [1980, None, 2000], "bikeid": np.array([15000, 30000, 41000]),
           "start_station_id": [int(p["start_station_id"]["vocab"][1]["i"]), -5, None],
           "tripduration": 600}
    raw["tripduration"] = [600, 60, 6000]
    out = sluice.transform(m, raw)
    fill = by["fill"]["f"] if "f" in by["fill"] else by["fill"]["i"]
    want = np.array([(1980 - by["mean"]) / by["std"], (fill - by["mean"]) / by["std"],
                     (2000 - by["mean"]) / by["std"]], dtype=np.float32)
    assert np.array_equal(out["birth_year"], want)
    bounds = p["bikeid"]["boundaries"]
    assert out["bikeid"].tolist() == [sum(b <= x for b in bounds) for x in (15000, 30000, 41000)]
    onehot = [n for n in out if n.startswith("start_station_id=")]
    assert len(onehot) == 6 and onehot[-1] == "start_station_id=__oov__"
    assert [out[onehot[1]][0], out[onehot[-1]][1], out[onehot[-1]][2]] == [1, 1, 1]
    assert out["tripduration"].tolist() == [600, 60, 6000]


def test_derived_functions_missing_are_named(submit):
    """Derived columns using case, casts, like and the string and date
    functions: the error names each one's expression as written."""
    exprs = {"part": "case when hour(starttime) < 12 then 'am' else 'pm' end",
             "ave": "cast(start_station_name like '%Ave%' as int64)",
             "days": "date_diff('day', '2019-01-01', starttime) + day_of_week(starttime)",
             "tail": "upper(substr(concat(start_station_name, '!'), -3))"}
    cols = "".join("  %s: %s\n" % (k, v) for k, v in exprs.items())
    feats = "".join("  %s: {transform: %s}\n" % (k, "onehot" if k in ("part", "tail") else "zscore") for k in exprs)
    ds = sluice.open(submit(fill_job("columns:\n" + cols + "features:\n" + feats), "derived-functions"))
    assert {d["name"]: d["expr"] for d in ds.manifest["derived"]} == exprs
    raw = {"starttime": np.array(["2019-01-01T03:00:00"], dtype="M8[us]"), "start_station_name": ["W 4 St & 7 Ave"]}
    for name, src in exprs.items():
        # The manifest cut down to this feature's transforms.
        m = dict(ds.manifest, transforms=[t for t in ds.manifest["transforms"] if t["feature"] == name])
        with pytest.raises(sluice.SluiceError, match=re.escape("%r is a derived column (%s = %s)" % (name, name, src))):
            sluice.transform(m, raw)


def test_transform_scalar_row_and_record_array(small):
    m = sluice.open(small("zstd")).manifest
    row = {"tripduration": 700, "start_station_id": 564, "end_station_id": 3337, "gender": "Male",
           "usertype": "Customer", "starttime": np.datetime64("2019-01-01T03:00:00", "us"), "bikeid": 20000}
    one = sluice.transform(m, row)
    assert all(len(v) == 1 for v in one.values())
    rec = np.array([(700, 564, 3337, "Male", "Customer", np.datetime64("2019-01-01T03:00:00", "us"), 20000)],
                   dtype=[("tripduration", "i8"), ("start_station_id", "i8"), ("end_station_id", "i8"),
                          ("gender", "U8"), ("usertype", "U10"), ("starttime", "M8[us]"), ("bikeid", "i4")])
    two = sluice.transform(m, rec)
    for n in one:
        assert _same(one[n], two[n]), n
    with pytest.raises(sluice.SluiceError, match="no column 'gender'"):
        sluice.transform(m, {k: v for k, v in row.items() if k != "gender"})


def test_derived_column_missing_is_named(submit, raw_rows):
    """A feature on a derived column: the error names the expression, and
    computing it into the raw rows reproduces the shards."""
    out = submit(fill_job("columns:\n  age: 2020 - birth_year\nfeatures:\n  age: {transform: zscore, fill: median}\n"),
                 "derived-age")
    ds = sluice.open(out)
    assert [d["name"] for d in ds.manifest["derived"]] == ["age"]
    with pytest.raises(sluice.SluiceError, match=r"age = 2020 - birth_year"):
        sluice.transform(ds.manifest, {"birth_year": [1980]})
    shard = ds.read("train")
    by = raw_rows["birth_year"][shard["trip_id"] - 1]
    age = np.ma.masked_array(2020 - np.ma.getdata(by), mask=np.ma.getmaskarray(by))
    got = sluice.transform(ds.manifest, {"age": age})
    assert _same(got["age"], shard["age"])
