"""Serving: apply a manifest's fitted transforms to raw rows in Python,
with the semantics of the Go engine (``exec/cpu`` Fitted/Apply), so a served
model sees exactly the features it was trained on.

Raw columns and their kinds (as the engine's canonical input types):
integer dtypes -> int64; float dtypes -> float64; bool -> bool;
datetime64 -> timestamp (microseconds); str/bytes -> string. Nulls: a
``numpy.ma.MaskedArray``'s masked entries, ``None`` in object arrays or
lists, NaT in datetime64. A NaN in a float column is a value (as in the
engine), not a null. A lone scalar is one row.
"""

import datetime
import os

import numpy as np

from . import hashing
from .dataset import Dataset, SluiceError, read_manifest

KIND_INT, KIND_TIME, KIND_FLOAT, KIND_BOOL, KIND_STR = "int64", "timestamp", "float64", "bool", "string"
NUMERIC = ("identity", "zscore", "minmax", "log1p", "clip", "bucketize")
CATEGORICAL = ("vocab", "onehot", "hash")
OOV_NAME = "__oov__"
_CANON_NAN = np.int64(0x7FF8000000000000)


class Column:
    """A raw column normalized to an engine kind: ``kind``, ``values`` (int64,
    float64, bool or object-of-str numpy array) and ``mask`` (True at nulls)."""

    __slots__ = ("kind", "values", "mask")

    def __init__(self, kind, values, mask):
        self.kind = kind
        self.values = values
        self.mask = mask


def _object_column(arr, name):
    mask = np.array([v is None for v in arr.tolist()], dtype=bool)
    vals = [v for v in arr[~mask].tolist()]
    n = len(arr)

    def typed(dtype, kind, fillv):
        out = np.full(n, fillv, dtype=dtype)
        if vals:
            out[~mask] = np.asarray(vals, dtype=dtype)
        return Column(kind, out, mask)

    if all(isinstance(v, (bool, np.bool_)) for v in vals):
        return typed(bool, KIND_BOOL, False)
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in vals):
        return typed(np.int64, KIND_INT, 0)
    if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)) for v in vals):
        return typed(np.float64, KIND_FLOAT, 0.0)
    if all(isinstance(v, str) for v in vals):
        out = np.empty(n, dtype=object)
        out[:] = ""
        out[~mask] = vals
        return Column(KIND_STR, out, mask)
    if all(isinstance(v, (np.datetime64, datetime.datetime)) for v in vals):
        return _column(np.ma.MaskedArray(np.array([v if v is not None else np.datetime64("NaT") for v in arr.tolist()],
                                                  dtype="datetime64[us]"), mask=mask), name)
    kinds = sorted({type(v).__name__ for v in vals})
    raise SluiceError("raw column %r: mixed or unsupported value types %s (allowed: int, float, bool, str, "
                      "datetime64, None for null)" % (name, ", ".join(kinds)))


def _column(x, name):
    """Normalize one raw column (array-like, masked array or scalar)."""
    mask = None
    if isinstance(x, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(x)
        x = x.data
    if np.ndim(x) == 0:
        x = np.asarray([x]) if isinstance(x, np.generic) else [x]
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise SluiceError("raw column %r: expected one value per row (got shape %s)" % (name, arr.shape))
    n = len(arr)
    base = np.zeros(n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    k = arr.dtype.kind
    if k == "O":
        col = _object_column(arr, name)
        col.mask = col.mask | base
        return col
    if k == "b":
        return Column(KIND_BOOL, arr.astype(bool), base)
    if k in "iu":
        return Column(KIND_INT, arr.astype(np.int64), base)
    if k == "f":
        return Column(KIND_FLOAT, arr.astype(np.float64), base)
    if k == "M":
        us = arr.astype("datetime64[us]")
        return Column(KIND_TIME, us.view(np.int64).copy(), base | np.isnat(us))
    if k in "US":
        vals = arr.astype(str).astype(object) if k == "U" else np.array([b.decode("utf-8") for b in arr.tolist()], dtype=object)
        return Column(KIND_STR, vals, base)
    raise SluiceError("raw column %r: unsupported dtype %s (allowed: integer, float, bool, datetime64, str)"
                      % (name, arr.dtype))


def _value_float(v):
    k = v.get("kind")
    if k in (KIND_INT, KIND_TIME):
        return float(v.get("i", 0))
    if k == KIND_FLOAT:
        return float(v.get("f", 0.0))
    if k == KIND_BOOL:
        return 1.0 if v.get("b", False) else 0.0
    return None


def _value_str(v):
    k = v.get("kind")
    if k in (KIND_INT, KIND_TIME):
        return str(int(v.get("i", 0)))
    if k == KIND_BOOL:
        return "true" if v.get("b", False) else "false"
    if k == KIND_FLOAT:
        return repr(float(v.get("f", 0.0)))
    return v.get("s", "")


def coerce_value(v, kind):
    """A manifest value (dict with kind and i/f/s/b) converted to a Python
    scalar for a column of ``kind``, as the engine's coerceValue: integers and
    floats convert when exact, bools accept 0/1, strings only strings."""
    vk = v.get("kind")
    ints = (KIND_INT, KIND_TIME)
    if vk == kind or (vk in ints and kind in ints):
        if kind in ints:
            return int(v.get("i", 0))
        if kind == KIND_FLOAT:
            return float(v.get("f", 0.0))
        if kind == KIND_BOOL:
            return bool(v.get("b", False))
        return v.get("s", "")
    f = _value_float(v)
    if kind == KIND_FLOAT and f is not None:
        return f
    if kind in ints and vk == KIND_FLOAT and f == np.trunc(f) and abs(f) < 2.0 ** 63:
        return int(f)
    if kind == KIND_BOOL and f is not None and f in (0.0, 1.0):
        return f == 1.0
    raise SluiceError("value %s (%s) does not fit a %s column" % (_value_str(v), vk, kind))


def _keys(values, kind):
    """Integer lookup keys of int-like values (floats by canonical bits)."""
    if kind == KIND_FLOAT:
        f = np.asarray(values, dtype=np.float64).copy()
        f[f == 0] = 0.0
        bits = f.view(np.int64).copy()
        bits[np.isnan(f)] = _CANON_NAN
        return bits
    if kind == KIND_BOOL:
        return np.asarray(values, dtype=np.int64)
    return np.asarray(values, dtype=np.int64)


def _vocab_codes(params, col):
    """Vocabulary ids (1-based, 0 = OOV) of the column's values."""
    vocab = [coerce_value(v, col.kind) for v in params.get("vocab") or []]
    n = len(col.values)
    if col.kind == KIND_STR:
        index = {}
        for i, v in enumerate(vocab):
            index[v] = i + 1  # a repeated entry keeps its last id, as the engine's map
        if n == 0:
            return np.zeros(0, np.int32), index.get
        uniq, inv = np.unique(col.values.astype(str), return_inverse=True)
        ids = np.array([index.get(u, 0) for u in uniq.tolist()], dtype=np.int32)
        return ids[inv].astype(np.int32), lambda x: index.get(x, 0)
    keys = _keys(np.array(vocab, dtype=np.float64 if col.kind == KIND_FLOAT else np.int64), col.kind)
    ids = np.arange(1, len(vocab) + 1, dtype=np.int32)
    # a repeated entry keeps its last id, as the engine's map does
    order = np.argsort(keys, kind="stable")
    sk, sid = keys[order], ids[order]
    last = np.ones(len(sk), dtype=bool)
    last[:-1] = sk[:-1] != sk[1:]
    sk, sid = sk[last], sid[last]

    def lookup(values):
        q = _keys(values, col.kind)
        if len(sk) == 0:
            return np.zeros(len(q), np.int32)
        pos = np.minimum(np.searchsorted(sk, q), len(sk) - 1)
        return np.where(sk[pos] == q, sid[pos], 0).astype(np.int32)

    return lookup(col.values), lambda x: int(lookup(np.array([x]))[0])


def _hash_values(col):
    if col.kind in (KIND_INT, KIND_TIME):
        return hashing.hash_int_array(col.values)
    if col.kind == KIND_FLOAT:
        return hashing.hash_float_array(col.values)
    if col.kind == KIND_BOOL:
        return hashing.hash_bool_array(col.values)
    return hashing.hash_str_array(col.values)


def _hash_scalar(x, kind):
    if kind in (KIND_INT, KIND_TIME):
        return hashing.hash_int(x)
    if kind == KIND_FLOAT:
        return hashing.hash_float(x)
    if kind == KIND_BOOL:
        return hashing.hash_bool(x)
    return hashing.hash_str(x)


def _categorical(feature, params, col, names):
    t = params["transform"]
    fill = params.get("fill")
    fillv = coerce_value(fill, col.kind) if fill is not None else None
    if t == "hash":
        b = int(params.get("buckets") or 0)
        if b < 1:
            raise SluiceError("feature %s: hash needs buckets >= 1 (got %d)" % (feature, b))
        codes = (_hash_values(col) % np.uint64(b)).astype(np.int32)
        null_code = hashing.NULL_TAG % b if fillv is None else _hash_scalar(fillv, col.kind) % b
    else:
        codes, ident = _vocab_codes(params, col)
        null_code = 0 if fillv is None else ident(fillv)
    if col.mask.any():
        codes[col.mask] = null_code
    if t != "onehot":
        return {names[0]: codes}
    nv = len(params.get("vocab") or [])
    if len(names) != nv + 1:
        raise SluiceError("feature %s: %d one-hot columns in the schema for %d vocabulary entries + OOV"
                          % (feature, len(names), nv))
    slot = np.where(codes > 0, codes - 1, nv)
    out = {}
    for j, nm in enumerate(names):
        out[nm] = (slot == j).astype(np.float32)
    return out


def _numeric(feature, params, col, name):
    t = params["transform"]
    if col.kind == KIND_STR:
        raise SluiceError("feature %s: %s needs a numeric column (got string)" % (feature, t))
    xs = col.values.astype(np.float64)
    nulls = col.mask
    fill = params.get("fill")
    if nulls.any() and fill is not None:
        f = _value_float(fill)
        if f is None:
            raise SluiceError("feature %s: fill value %r is not a number" % (feature, fill.get("s")))
        xs = xs.copy()
        xs[nulls] = f
        nulls = np.zeros(len(xs), dtype=bool)
    if t == "bucketize":
        bounds = np.asarray(params.get("boundaries") or [], dtype=np.float64)
        out = np.searchsorted(bounds, xs, side="right").astype(np.int32)
        out[np.isnan(xs)] = 0
        if nulls.any():
            out = np.ma.MaskedArray(out, mask=nulls)
        return out
    mean = float(params.get("mean", 0.0))
    std = float(params.get("std", 0.0))
    div = 1.0 if (std == 0 or not np.isfinite(std)) else std
    with np.errstate(all="ignore"):
        if t == "identity":
            y = xs
        elif t == "zscore":
            y = (xs - mean) / div
        elif t == "log1p":
            y = (np.log1p(xs) - mean) / div
        elif t == "minmax":
            lo, r = float(params.get("min", 0.0)), float(params.get("max", 0.0)) - float(params.get("min", 0.0))
            y = np.zeros(len(xs)) if r == 0 else (xs - lo) / r
        elif t == "clip":
            lo = params.get("clip_min")
            hi = params.get("clip_max")
            y = xs.copy()
            if lo is not None:
                y = np.where(y < lo, float(lo), y)
            if hi is not None:
                y = np.where(y > hi, float(hi), y)
        else:
            raise SluiceError("feature %s: unknown transform %r" % (feature, t))
        out = y.astype(np.float32)
    if nulls.any():
        out[nulls] = np.nan
    return out


def _raw_columns(raw):
    """A name -> column getter over a dict or a numpy structured array."""
    if isinstance(raw, np.ndarray) and raw.dtype.names:
        return raw.dtype.names, lambda n: raw[n]
    if isinstance(raw, dict):
        return list(raw.keys()), raw.__getitem__
    raise SluiceError("raw rows must be a dict of columns or a numpy structured/record array (got %s)"
                      % type(raw).__name__)


def _manifest_of(manifest):
    if isinstance(manifest, Dataset):
        return manifest.manifest
    if isinstance(manifest, (str, os.PathLike)):
        return read_manifest(os.fspath(manifest))
    if isinstance(manifest, dict):
        return manifest
    raise SluiceError("manifest must be a dict, a sluice.Dataset or a path (got %s)" % type(manifest).__name__)


def fill_label(manifest, values):
    """Apply the manifest's label fill (if any) to raw label values: nulls
    become the fitted value; an integer label filled with a non-integer
    becomes float64, as in the engine. Returns a numpy array (masked when
    nulls remain)."""
    m = _manifest_of(manifest)
    labels = [c for c in m["schema"] if c["role"] == "label"]
    if not labels:
        raise SluiceError("the manifest has no label")
    name = labels[0]["name"]
    col = _column(values, name)
    fill = None
    for t in m["transforms"]:
        if t["transform"] == "fill" and t["feature"] == name:
            fill = t["params"].get("value")
    if col.kind not in (KIND_INT, KIND_FLOAT, KIND_BOOL, KIND_TIME):
        raise SluiceError("label %s must be numeric (got %s)" % (name, col.kind))
    if fill is None or not col.mask.any():
        if fill is not None and col.kind == KIND_INT:
            fv = _value_float(fill)
            if fv != np.trunc(fv):
                return col.values.astype(np.float64)
        return np.ma.MaskedArray(col.values, mask=col.mask) if col.mask.any() else col.values
    fv = _value_float(fill)
    if fv is None:
        raise SluiceError("label %s: fill value is not numeric" % name)
    if col.kind == KIND_INT and fv != np.trunc(fv):
        out = col.values.astype(np.float64)
    else:
        out = col.values.copy()
    out[col.mask] = fv
    return out


def transform(manifest, raw):
    """Apply every fitted feature transform of ``manifest`` to ``raw``.

    ``manifest``: the dict from ``sluice.open(...).manifest``, a Dataset or
    an output path. ``raw``: a dict {source column: array-like or scalar}
    or a numpy structured array, holding each feature's source column (a
    derived ``columns:`` expression, listed in the manifest's ``derived``,
    must be computed by the caller; the error names it). Returns
    {output column: numpy array} in the manifest's schema order, features
    first, then the label with its fill applied when ``raw`` holds it.
    Outputs use the reader's conventions (float32 features, NaN for null
    floats, int32 ids, masked arrays for null bucket ids), so they compare
    equal to the shards' columns.
    """
    m = _manifest_of(manifest)
    names, get = _raw_columns(raw)
    have = set(names)
    out_names = {}
    for c in m["schema"]:
        if c["role"] == "feature":
            out_names.setdefault(c["source"], []).append(c["name"])
    out = {}
    nrows = None
    for t in m["transforms"]:
        if t["transform"] == "fill":
            continue
        feat, src, params = t["feature"], t.get("source") or t["feature"], t["params"]
        if src not in have:
            derived = {d["name"]: d["expr"] for d in m.get("derived") or []}
            if src in derived:
                raise SluiceError("feature %s: %r is a derived column (%s = %s): compute it into the raw rows "
                                  "(the Go serving package evaluates it)" % (feat, src, src, derived[src]))
            raise SluiceError("feature %s: the raw rows have no column %r (they have: %s)"
                              % (feat, src, ", ".join(names)))
        col = _column(get(src), src)
        if nrows is None:
            nrows = len(col.values)
        elif len(col.values) != nrows:
            raise SluiceError("raw column %r has %d rows, others have %d" % (src, len(col.values), nrows))
        cols = out_names.get(feat) or [feat]
        if params["transform"] in CATEGORICAL:
            out.update(_categorical(feat, params, col, cols))
        elif params["transform"] in NUMERIC:
            out[cols[0]] = _numeric(feat, params, col, cols[0])
        else:
            raise SluiceError("feature %s: unknown transform %r (allowed: %s)"
                              % (feat, params["transform"], ", ".join(NUMERIC + CATEGORICAL)))
    labels = [c["name"] for c in m["schema"] if c["role"] == "label"]
    if labels and labels[0] in have:
        out[labels[0]] = fill_label(m, get(labels[0]))
    order = [c["name"] for c in m["schema"] if c["name"] in out]
    return {n: out[n] for n in order}
