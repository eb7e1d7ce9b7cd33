"""Opening a sluice output (a local directory or an ``s3://`` prefix): the
manifest, shard verification and reading splits into numpy columns."""

import hashlib
import json
import os

import numpy as np

from . import _ipc
from ._store import LocalStore, StoreError, is_url, open_store

SUPPORTED_FORMAT_VERSION = 1


class SluiceError(ValueError):
    """A sluice output that cannot be read as asked; the message names the file."""


class ChecksumError(SluiceError):
    """A shard whose size or sha256 differs from the manifest's."""


def _have_pyarrow():
    try:
        import pyarrow  # noqa: F401
        import pyarrow.ipc  # noqa: F401
    except ImportError:
        return False
    return True


def read_manifest(path, storage_options=None):
    """Parse ``path/manifest.json`` (or a manifest file path, or the
    manifest under an ``s3://bucket/prefix`` output) into a dict."""
    if is_url(path):
        url = path[:-len("/manifest.json")] if path.endswith("/manifest.json") else path.rstrip("/")
        try:
            store = open_store(url, storage_options)
            name = store.name("manifest.json")
            data = store.read("manifest.json")
        except StoreError as e:
            raise SluiceError("%s (a job writes manifest.json last: without it the output is "
                              "incomplete or not a sluice output)" % e) from None
        return parse_manifest(data, name)
    name = os.path.join(path, "manifest.json") if os.path.isdir(path) else path
    try:
        with open(name, "rb") as f:
            data = f.read()
    except OSError as e:
        raise SluiceError("%s: cannot read the manifest: %s" % (name, e.strerror or e)) from None
    return parse_manifest(data, name)


def parse_manifest(data, name):
    """Parse and check manifest bytes; ``name`` is where they came from."""
    try:
        m = json.loads(data.decode("utf-8"))
    except ValueError as e:
        raise SluiceError("%s: not valid JSON: %s" % (name, e)) from None
    if not isinstance(m, dict):
        raise SluiceError("%s: the manifest must be a JSON object" % name)
    v = m.get("format_version")
    if v != SUPPORTED_FORMAT_VERSION:
        raise SluiceError("%s: format_version %r is not supported; this reader reads %d"
                          % (name, v, SUPPORTED_FORMAT_VERSION))
    for key in ("schema", "splits", "transforms", "output"):
        if key not in m:
            raise SluiceError("%s: missing field %r" % (name, key))
    _check_manifest(m, name)
    return m


def _want(ok, name, where, what, got):
    if not ok:
        raise SluiceError("%s: %s: want %s, got %s" % (name, where, what, json.dumps(got)[:80]))


def _count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _check_rel_path(name, where, rel):
    """A shard path: relative, '/'-separated, clean and inside the output."""
    _want(isinstance(rel, str), name, where, "a string", rel)
    parts = rel.split("/")
    ok = (rel != "" and not rel.startswith("/") and "\\" not in rel and "\x00" not in rel
          and all(p not in ("", ".", "..") for p in parts) and rel != "manifest.json")
    _want(ok, name, where, "a clean relative path inside the output (e.g. \"train/part-00000.arrow\")", rel)


def _check_manifest(m, name):
    """The parts of the manifest this reader uses have the documented types."""
    _want(isinstance(m["schema"], list), name, "schema", "a list", m["schema"])
    for i, c in enumerate(m["schema"]):
        where = "schema[%d]" % i
        _want(isinstance(c, dict), name, where, "an object", c)
        for key in ("name", "role"):
            _want(isinstance(c.get(key), str), name, where + "." + key, "a string", c.get(key))
    _want(isinstance(m["output"], dict), name, "output", "an object", m["output"])
    _want(isinstance(m["output"].get("format", "arrow"), str), name, "output.format", "a string",
          m["output"].get("format"))
    _want(isinstance(m["splits"], list), name, "splits", "a list", m["splits"])
    seen = set()
    for i, sp in enumerate(m["splits"]):
        where = "splits[%d]" % i
        _want(isinstance(sp, dict), name, where, "an object", sp)
        _want(isinstance(sp.get("name"), str) and sp["name"] not in seen, name, where + ".name",
              "a split name used once", sp.get("name"))
        seen.add(sp["name"])
        _want(_count(sp.get("rows")), name, where + ".rows", "a row count", sp.get("rows"))
        _want(isinstance(sp.get("shards"), list), name, where + ".shards", "a list", sp.get("shards"))
        for j, sh in enumerate(sp["shards"]):
            w = "%s.shards[%d]" % (where, j)
            _want(isinstance(sh, dict), name, w, "an object", sh)
            _check_rel_path(name, w + ".path", sh.get("path"))
            for key in ("rows", "bytes"):
                _want(_count(sh.get(key)), name, w + "." + key, "a non-negative integer", sh.get(key))
            _want(isinstance(sh.get("sha256"), str), name, w + ".sha256", "a hex string", sh.get("sha256"))


def verify_bytes(data, shard, name):
    """Check ``data`` against a manifest shard entry (size and sha256)."""
    if len(data) != shard["bytes"]:
        raise ChecksumError("%s: %d bytes, the manifest says %d" % (name, len(data), shard["bytes"]))
    got = hashlib.sha256(data).hexdigest()
    if got != shard["sha256"]:
        raise ChecksumError("%s: sha256 %s does not match the manifest's %s (the file is corrupt or was changed)"
                            % (name, got, shard["sha256"]))


def read_shard_file(path, fmt, verify_against=None, columns=None, engine="auto"):
    """Read one shard file into ``{column: numpy array}``.

    ``fmt`` is "arrow" or "parquet"; ``verify_against`` a manifest shard entry
    to check the bytes against; ``engine`` "auto" (pyarrow when importable),
    "numpy" or "pyarrow".
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise SluiceError("%s: cannot read the shard: %s" % (path, e.strerror or e)) from None
    return decode_shard(data, path, fmt, verify_against, columns, engine)


def decode_shard(data, path, fmt, verify_against=None, columns=None, engine="auto"):
    """Decode one shard's bytes (read from ``path``, which names it in
    errors) like read_shard_file."""
    if verify_against is not None:
        verify_bytes(data, verify_against, path)
    use_pa = engine == "pyarrow" or (engine == "auto" and _have_pyarrow())
    if engine not in ("auto", "numpy", "pyarrow"):
        raise SluiceError("engine %r is not one of auto, numpy, pyarrow" % engine)
    if fmt == "parquet":
        if not _have_pyarrow():
            raise SluiceError("%s: reading Parquet shards needs pyarrow, which is not installed "
                              "(write the job with output.format: arrow to read it with numpy alone)" % path)
        from . import _pyarrow
        return _pyarrow.read_parquet(data, columns)
    if fmt != "arrow":
        raise SluiceError("%s: unknown shard format %r (allowed: arrow, parquet)" % (path, fmt))
    if use_pa:
        from . import _pyarrow
        return _pyarrow.read_arrow(data, columns)
    try:
        return _ipc.read_arrow_file(data, path, columns)[1]
    except _ipc.IPCError as e:
        raise SluiceError(str(e)) from None


def concat_columns(parts, names):
    """Concatenate per-shard column dicts, keeping the null conventions."""
    out = {}
    for n in names:
        arrs = [p[n] for p in parts]
        if any(isinstance(a, np.ma.MaskedArray) for a in arrs):
            out[n] = np.ma.concatenate(arrs)
        elif len(arrs) == 1:
            out[n] = arrs[0]
        else:
            out[n] = np.concatenate(arrs)
    return out


class Dataset:
    """A sluice output (a directory or an ``s3://`` prefix) opened through
    its manifest.

    ``manifest`` is the parsed manifest.json (a dict), ``splits`` the split
    names in manifest order, ``schema`` the output columns (dicts with name,
    type, source, role, transform).
    """

    def __init__(self, path, verify=True, engine="auto", storage_options=None):
        self.path = os.fspath(path)
        if is_url(self.path):
            self.path = self.path.rstrip("/")
        try:
            self._store = open_store(self.path, storage_options)
        except StoreError as e:
            raise SluiceError(str(e)) from None
        self.manifest = read_manifest(self.path, storage_options)
        self.engine = engine
        self.verify = verify
        self.format = self.manifest["output"].get("format", "arrow")
        self.schema = list(self.manifest["schema"])
        self._splits = {s["name"]: s for s in self.manifest["splits"]}
        if verify:
            self.verify_files()

    @property
    def splits(self):
        """Split names in manifest order (e.g. ["train", "eval"])."""
        return [s["name"] for s in self.manifest["splits"]]

    def columns(self, role=None):
        """Output column names in schema order, optionally of one role
        ("feature", "label" or "keep")."""
        return [c["name"] for c in self.schema if role is None or c["role"] == role]

    @property
    def features(self):
        """Feature column names in schema order (the trainer's inputs)."""
        return self.columns("feature")

    @property
    def label(self):
        """The label column's name, or None for unlabelled data."""
        ls = self.columns("label")
        return ls[0] if ls else None

    def shards(self, split):
        """The manifest's shard entries of a split (path, rows, bytes, sha256)."""
        if split not in self._splits:
            raise SluiceError("%s: no split %r (the output has: %s)"
                              % (self._manifest_name(), split, ", ".join(self.splits)))
        return list(self._splits[split]["shards"])

    def rows(self, split):
        """Row count of a split."""
        self.shards(split)
        return int(self._splits[split]["rows"])

    def _manifest_name(self):
        return self._store.name("manifest.json") if is_url(self.path) else os.path.join(self.path, "manifest.json")

    def shard_path(self, shard):
        """The file path (or object URL) of a manifest shard entry."""
        return self._store.name(shard["path"])

    def verify_files(self):
        """Check every shard against the manifest. Local files: size and
        sha256 now. Object storage: every shard's size now, from one listing
        of the prefix, and its sha256 as its bytes are read (read_shard
        verifies them before decoding), so no shard is downloaded twice."""
        if not isinstance(self._store, LocalStore):
            rels = [sh["path"] for split in self.splits for sh in self.shards(split)]
            sizes = self._store.sizes(rels)
            for split in self.splits:
                for sh in self.shards(split):
                    p = self.shard_path(sh)
                    if sh["path"] not in sizes:
                        raise ChecksumError("%s: listed in the manifest but not in the bucket" % p)
                    if sizes[sh["path"]] != sh["bytes"]:
                        raise ChecksumError("%s: %d bytes, the manifest says %d" % (p, sizes[sh["path"]], sh["bytes"]))
            return
        for split in self.splits:
            for sh in self.shards(split):
                p = self.shard_path(sh)
                try:
                    size = os.path.getsize(p)
                except OSError as e:
                    raise ChecksumError("%s: listed in the manifest but unreadable: %s" % (p, e.strerror or e)) from None
                if size != sh["bytes"]:
                    raise ChecksumError("%s: %d bytes, the manifest says %d" % (p, size, sh["bytes"]))
                h = hashlib.sha256()
                with open(p, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 22), b""):
                        h.update(chunk)
                if h.hexdigest() != sh["sha256"]:
                    raise ChecksumError("%s: sha256 %s does not match the manifest's %s (the file is corrupt or was changed)"
                                        % (p, h.hexdigest(), sh["sha256"]))

    def read_shard(self, shard, columns=None):
        """Read one manifest shard entry into ``{column: numpy array}``,
        verifying its bytes when the dataset was opened with verify=True."""
        cols = self._check_columns(columns)
        if isinstance(self._store, LocalStore):
            got = read_shard_file(self.shard_path(shard), self.format, shard if self.verify else None, cols, self.engine)
        else:
            try:
                data = self._store.read(shard["path"])
            except StoreError as e:
                raise SluiceError(str(e)) from None
            got = decode_shard(data, self.shard_path(shard), self.format, shard if self.verify else None, cols, self.engine)
        names = cols if cols is not None else self.columns()
        missing = [n for n in names if n not in got]
        if missing:
            raise SluiceError("%s: no column(s) %s, which the manifest lists (the shard has: %s)"
                              % (self.shard_path(shard), ", ".join(missing), ", ".join(got)))
        got = {n: got[n] for n in names}
        if len(got) and len(next(iter(got.values()))) != shard["rows"]:
            raise SluiceError("%s: %d rows, the manifest says %d"
                              % (self.shard_path(shard), len(next(iter(got.values()))), shard["rows"]))
        return got

    def read(self, split, columns=None):
        """Read a whole split into ``{column: numpy array}`` (schema order).

        Nulls: float columns hold NaN; other columns with nulls are
        ``numpy.ma.MaskedArray`` (mask True at nulls); strings are object
        arrays with None at nulls; timestamps are datetime64.
        """
        cols = self._check_columns(columns)
        names = cols if cols is not None else self.columns()
        shards = self.shards(split)
        if sum(sh["rows"] for sh in shards) != self.rows(split):
            raise SluiceError("%s: split %r lists %d rows but its shards hold %d"
                              % (self._manifest_name(), split, self.rows(split),
                                 sum(sh["rows"] for sh in shards)))
        parts = [self.read_shard(sh, cols) for sh in shards]
        if not parts:
            return {n: np.empty(0) for n in names}
        return concat_columns(parts, names)

    def _check_columns(self, columns):
        if columns is None:
            return None
        known = set(self.columns())
        bad = [c for c in columns if c not in known]
        if bad:
            raise SluiceError("%s: no column(s) %s (the output has: %s)"
                              % (self._manifest_name(), ", ".join(bad), ", ".join(self.columns())))
        return list(columns)

    def __repr__(self):
        return "sluice.Dataset(%r, splits=%r)" % (self.path, self.splits)


def open_dataset(path, verify=True, engine="auto", storage_options=None):
    """Open a sluice output: a directory, or ``s3://bucket/prefix`` (needs
    boto3; ``storage_options`` are passed to its S3 client, e.g.
    endpoint_url, region_name). Reads manifest.json and trusts only the
    shards it lists. With verify=True a local output has every shard's size
    and sha256 checked now, an object-store output every shard's size; and
    each shard's bytes are checked again as they are read.
    ``engine``: "auto" uses pyarrow when importable, "numpy" never."""
    return Dataset(path, verify=verify, engine=engine, storage_options=storage_options)
