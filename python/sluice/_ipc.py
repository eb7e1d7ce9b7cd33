"""Arrow IPC file reader on numpy alone (the footer, schema and record
batch messages are parsed by hand; buffers become numpy arrays without
per-row Python work, except string columns, which are decoded per value).

Null convention (shared with the pyarrow path and :func:`sluice.transform`):
float columns hold NaN for nulls; any other column with at least one null
is a ``numpy.ma.MaskedArray`` whose mask is True at nulls (strings: an
object array holding None at nulls, not masked); columns without nulls are
plain arrays.
"""

import struct

import numpy as np

from ._flatbuf import FlatbufError, Table

MAGIC = b"ARROW1"

# Message header union.
_HEADER_SCHEMA, _HEADER_DICT, _HEADER_BATCH = 1, 2, 3
# Type union.
_T_INT, _T_FLOAT, _T_UTF8, _T_BOOL, _T_TIMESTAMP, _T_LARGE_UTF8 = 2, 3, 5, 6, 10, 20
_TYPE_NAMES = {1: "null", 2: "int", 3: "floating point", 4: "binary", 5: "utf8", 6: "bool",
               7: "decimal", 8: "date", 9: "time", 10: "timestamp", 11: "interval", 12: "list",
               13: "struct", 14: "union", 15: "fixed size binary", 16: "fixed size list",
               17: "map", 18: "duration", 19: "large binary", 20: "large utf8",
               21: "large list", 22: "run end encoded", 23: "binary view", 24: "utf8 view"}
_UNITS = {0: "s", 1: "ms", 2: "us", 3: "ns"}
_SUPPORTED = "int8..int64, uint8..uint64, float16/32/64, bool, utf8, large_utf8, timestamp"


class IPCError(ValueError):
    """An Arrow IPC file that this reader cannot read; the message names the file."""


class Field:
    """One column of a schema: ``name``, ``kind`` ("int", "float", "bool",
    "string", "timestamp"), numpy ``dtype`` (object for strings) and
    ``nullable``."""

    __slots__ = ("name", "kind", "dtype", "nullable", "offset_dtype")

    def __init__(self, name, kind, dtype, nullable, offset_dtype=None):
        self.name = name
        self.kind = kind
        self.dtype = dtype
        self.nullable = nullable
        self.offset_dtype = offset_dtype

    def __repr__(self):
        return "Field(%r, %s, %s)" % (self.name, self.kind, self.dtype)


def _parse_field(t, where):
    name = t.string(0) or ""
    nullable = bool(t.u8(1))
    tt = t.u8(2)
    ty = t.table(3)
    if ty is None and tt in (_T_INT, _T_FLOAT, _T_TIMESTAMP):
        raise IPCError("%s: column %r: type table missing" % (where, name))
    if t.table(4) is not None:
        raise IPCError("%s: column %r is dictionary-encoded; this reader needs plain columns"
                       % (where, name))
    if tt == _T_INT:
        bits, signed = ty.i32(0), bool(ty.u8(1))
        if bits not in (8, 16, 32, 64):
            raise IPCError("%s: column %r: int bit width %d (allowed: 8, 16, 32, 64)" % (where, name, bits))
        return Field(name, "int", np.dtype("<%s%d" % ("i" if signed else "u", bits // 8)), nullable)
    if tt == _T_FLOAT:
        prec = ty.i16(0)
        if prec not in (0, 1, 2):
            raise IPCError("%s: column %r: unknown float precision %d" % (where, name, prec))
        return Field(name, "float", np.dtype(["<f2", "<f4", "<f8"][prec]), nullable)
    if tt == _T_BOOL:
        return Field(name, "bool", np.dtype(bool), nullable)
    if tt in (_T_UTF8, _T_LARGE_UTF8):
        off = np.dtype("<i4") if tt == _T_UTF8 else np.dtype("<i8")
        return Field(name, "string", np.dtype(object), nullable, off)
    if tt == _T_TIMESTAMP:
        unit = ty.i16(0)
        if unit not in _UNITS:
            raise IPCError("%s: column %r: unknown timestamp unit %d" % (where, name, unit))
        return Field(name, "timestamp", np.dtype("datetime64[%s]" % _UNITS[unit]), nullable)
    raise IPCError("%s: column %r has Arrow type %s, which this reader does not support (allowed: %s)"
                   % (where, name, _TYPE_NAMES.get(tt, "#%d" % tt), _SUPPORTED))


def parse_schema(t, where):
    """The list of :class:`Field` of a flatbuffer Schema table."""
    if t.i16(0) != 0:
        raise IPCError("%s: big-endian Arrow data is not supported" % where)
    fields = []
    for ft in t.tables(1):
        f = _parse_field(ft, where)
        if ft.vector(5)[1]:
            raise IPCError("%s: column %r has child fields (nested types are not supported)" % (where, f.name))
        if any(g.name == f.name for g in fields):
            raise IPCError("%s: column name %r appears twice in the schema" % (where, f.name))
        fields.append(f)
    return fields


def _decompressor(codec, where):
    if codec == 0:
        try:
            import lz4.frame
        except ImportError as e:
            raise IPCError("%s: the shard is lz4-compressed and needs the 'lz4' package "
                           "(Debian: python3-lz4; pip: lz4)" % where) from e

        def lz4_dec(b, n):
            return lz4.frame.decompress(b)

        return lz4_dec
    if codec == 1:
        try:
            import zstandard
        except ImportError as e:
            raise IPCError("%s: the shard is zstd-compressed and needs the 'zstandard' package "
                           "(Debian: python3-zstandard; pip: zstandard)" % where) from e
        d = zstandard.ZstdDecompressor()

        def zstd_dec(b, n):
            return d.decompress(b, max_output_size=max(n, 1))

        return zstd_dec
    raise IPCError("%s: unknown body compression codec %d (allowed: 0 = LZ4_FRAME, 1 = ZSTD)" % (where, codec))


class _Batch:
    """Buffers of one record batch, decompressed on demand."""

    def __init__(self, body, buffers, dec, where):
        self.body = body
        self.buffers = buffers
        self.dec = dec
        self.where = where
        self.i = 0

    def next(self):
        if self.i >= len(self.buffers):
            raise IPCError("%s: record batch has fewer buffers than its schema needs" % self.where)
        off, length = self.buffers[self.i]
        self.i += 1
        if off < 0 or length < 0 or off + length > len(self.body):
            raise IPCError("%s: buffer %d (offset %d, length %d) outside the %d-byte body"
                           % (self.where, self.i - 1, off, length, len(self.body)))
        raw = self.body[off:off + length]
        if self.dec is None or length == 0:
            return raw
        if length < 8:
            raise IPCError("%s: compressed buffer %d is %d bytes (< 8)" % (self.where, self.i - 1, length))
        n = struct.unpack_from("<q", raw, 0)[0]
        if n == -1:
            return raw[8:]
        if n < 0:
            raise IPCError("%s: compressed buffer %d: uncompressed length %d" % (self.where, self.i - 1, n))
        try:
            out = self.dec(bytes(raw[8:]), n)
        except (MemoryError, OverflowError) as e:
            raise IPCError("%s: compressed buffer %d: cannot hold %d uncompressed bytes: %s"
                           % (self.where, self.i - 1, n, type(e).__name__)) from None
        except Exception as e:  # lz4 and zstandard raise their own error types
            raise IPCError("%s: compressed buffer %d does not decompress: %s" % (self.where, self.i - 1, e)) from None
        if len(out) != n:
            raise IPCError("%s: buffer %d decompressed to %d bytes, expected %d"
                           % (self.where, self.i - 1, len(out), n))
        return out


def _validity(buf, n, nulls):
    """A bool array, True at nulls, or None when there are none."""
    if nulls == 0:
        return None
    bits = np.frombuffer(buf, dtype=np.uint8)
    if len(bits) * 8 < n:
        raise IPCError("validity bitmap of %d bytes is too short for %d rows" % (len(bits), n))
    return ~np.unpackbits(bits, count=n, bitorder="little").astype(bool)


def _read_column(f, b, n, nulls, where):
    """(values, null mask or None) of one column of a batch."""
    vbuf = b.next()
    try:
        mask = _validity(vbuf, n, nulls)
    except IPCError as e:
        raise IPCError("%s: column %r: %s" % (where, f.name, e)) from None
    if f.kind == "bool":
        bits = np.frombuffer(b.next(), dtype=np.uint8)
        if len(bits) * 8 < n:
            raise IPCError("%s: column %r: value bitmap too short" % (where, f.name))
        return np.unpackbits(bits, count=n, bitorder="little").astype(bool), mask
    if f.kind == "string":
        offs = np.frombuffer(b.next(), dtype=f.offset_dtype)
        data = bytes(b.next())
        if len(offs) < n + 1 or (n and (offs[0] < 0 or offs[n] > len(data))):
            raise IPCError("%s: column %r: string offsets out of range" % (where, f.name))
        lo, hi = offs[:n].tolist(), offs[1:n + 1].tolist()
        vals = np.empty(n, dtype=object)
        try:
            vals[:] = [data[a:z].decode("utf-8") for a, z in zip(lo, hi)]
        except UnicodeDecodeError as e:
            raise IPCError("%s: column %r: a value is not UTF-8: %s" % (where, f.name, e)) from None
        if mask is not None:
            vals[mask] = None
        return vals, None
    buf = b.next()
    item = f.dtype.itemsize
    if len(buf) < n * item:
        raise IPCError("%s: column %r: value buffer of %d bytes is too short for %d rows"
                       % (where, f.name, len(buf), n))
    vals = np.frombuffer(buf, dtype=f.dtype if f.kind != "timestamp" else np.dtype("<i8"), count=n)
    if f.kind == "timestamp":
        vals = vals.view(f.dtype)
    return vals, mask


def finish_column(f, parts, masks):
    """Concatenate per-batch values and apply the null convention."""
    if parts:
        vals = np.concatenate(parts)
    else:
        vals = np.empty(0, dtype=f.dtype)
    if f.kind == "string" or all(m is None for m in masks):
        return vals
    mask = np.concatenate([np.zeros(len(p), bool) if m is None else m for p, m in zip(parts, masks)])
    if f.kind == "float":
        vals[mask] = np.nan
        return vals
    return np.ma.MaskedArray(vals, mask=mask)


def read_arrow_file(data, name, columns=None):
    """Read an Arrow IPC file's bytes into ``(fields, {name: numpy array})``.

    ``columns`` limits the columns returned (all when None). Errors name the
    file ``name``.
    """
    mv = memoryview(data)
    n = len(mv)
    if n < 18 or bytes(mv[:6]) != MAGIC or bytes(mv[n - 6:]) != MAGIC:
        raise IPCError("%s: not an Arrow IPC file (magic ARROW1 missing at the start or end)" % name)
    flen = struct.unpack_from("<i", mv, n - 10)[0]
    if flen <= 0 or flen > n - 18:
        raise IPCError("%s: bad footer length %d" % (name, flen))
    try:
        footer = Table.root(mv[n - 10 - flen:n - 10])
        schema_t = footer.table(1)
        if schema_t is None:
            raise IPCError("%s: footer has no schema" % name)
        fields = parse_schema(schema_t, name)
        if footer.vector(2)[1]:
            raise IPCError("%s: the file has dictionary batches; this reader needs plain columns" % name)
        blocks = footer.structs(3, "<qi4xq")
        want = None if columns is None else set(columns)
        if want is not None:
            missing = want - {f.name for f in fields}
            if missing:
                raise IPCError("%s: no column(s) %s (the file has: %s)"
                               % (name, ", ".join(sorted(missing)), ", ".join(f.name for f in fields)))
        parts = {f.name: [] for f in fields}
        masks = {f.name: [] for f in fields}
        for bi, (off, mlen, blen) in enumerate(blocks):
            where = "%s: record batch %d" % (name, bi)
            _read_batch(mv, off, mlen, blen, fields, want, parts, masks, where)
    except FlatbufError as e:
        raise IPCError("%s: malformed metadata: %s" % (name, e)) from None
    except struct.error as e:
        raise IPCError("%s: truncated metadata: %s" % (name, e)) from None
    out = {}
    for f in fields:
        if want is None or f.name in want:
            out[f.name] = finish_column(f, parts[f.name], masks[f.name])
    return fields, out


def _read_batch(mv, off, mlen, blen, fields, want, parts, masks, where):
    if off < 0 or mlen < 8 or off + mlen + blen > len(mv):
        raise IPCError("%s: block (offset %d, metadata %d, body %d) outside the file" % (where, off, mlen, blen))
    size = struct.unpack_from("<i", mv, off)[0]
    start = off + 4
    if size == -1:
        size = struct.unpack_from("<i", mv, off + 4)[0]
        start = off + 8
    if size < 0 or start + size > off + mlen:
        raise IPCError("%s: message metadata of %d bytes outside its %d-byte block" % (where, size, mlen))
    msg = Table.root(mv[start:start + size])
    if msg.u8(1) != _HEADER_BATCH:
        raise IPCError("%s: message is not a record batch (header type %d)" % (where, msg.u8(1)))
    rb = msg.table(2)
    if rb is None:
        raise IPCError("%s: record batch message without its header" % where)
    length = rb.i64(0)
    if length < 0:
        raise IPCError("%s: record batch of %d rows" % (where, length))
    nodes = rb.structs(1, "<qq")
    buffers = rb.structs(2, "<qq")
    comp = rb.table(3)
    dec = None
    if comp is not None:
        if comp.u8(1) != 0:
            raise IPCError("%s: body compression method %d is not supported (allowed: 0 = BUFFER)"
                           % (where, comp.u8(1)))
        dec = _decompressor(comp.u8(0), where)
    body = mv[off + mlen:off + mlen + blen]
    if len(nodes) != len(fields):
        raise IPCError("%s: %d field nodes for %d columns" % (where, len(nodes), len(fields)))
    b = _Batch(body, buffers, dec, where)
    for f, (nlen, nnull) in zip(fields, nodes):
        if nlen != length:
            raise IPCError("%s: column %r has %d rows, the batch %d" % (where, f.name, nlen, length))
        if nnull < 0 or nnull > nlen:
            raise IPCError("%s: column %r has %d nulls in %d rows" % (where, f.name, nnull, nlen))
        if want is not None and f.name not in want:
            b.i += 3 if f.kind == "string" else 2
            continue
        vals, mask = _read_column(f, b, int(nlen), int(nnull), where)
        parts[f.name].append(vals)
        masks[f.name].append(mask)
