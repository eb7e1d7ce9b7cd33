"""A minimal read-only FlatBuffers table accessor (just what Arrow IPC needs)."""

import struct

_U8 = struct.Struct("<B")
_I16 = struct.Struct("<h")
_U16 = struct.Struct("<H")
_I32 = struct.Struct("<i")
_U32 = struct.Struct("<I")
_I64 = struct.Struct("<q")


class FlatbufError(ValueError):
    """Raised when a flatbuffer is malformed (an offset leaves the buffer, a
    string is not UTF-8). Readers of a buffer also see ``struct.error`` when a
    field's bytes are cut off; callers turn both into their own error."""


class Table:
    """One flatbuffer table: ``buf`` is the whole buffer, ``pos`` the table start."""

    __slots__ = ("buf", "pos", "_vt", "_vtlen")

    def __init__(self, buf, pos):
        self.buf = buf
        self.pos = pos
        if pos < 0 or pos + 4 > len(buf):
            raise FlatbufError("table offset %d outside a %d-byte buffer" % (pos, len(buf)))
        vt = pos - _I32.unpack_from(buf, pos)[0]
        if vt < 0 or vt + 4 > len(buf):
            raise FlatbufError("vtable offset %d outside a %d-byte buffer" % (vt, len(buf)))
        self._vt = vt
        self._vtlen = _U16.unpack_from(buf, vt)[0]

    @classmethod
    def root(cls, buf):
        """The root table of a flatbuffer."""
        if len(buf) < 4:
            raise FlatbufError("flatbuffer of %d bytes is too short" % len(buf))
        return cls(buf, _U32.unpack_from(buf, 0)[0])

    def _field(self, index):
        """Absolute position of field ``index``, or 0 when absent."""
        o = 4 + 2 * index
        if o >= self._vtlen:
            return 0
        off = _U16.unpack_from(self.buf, self._vt + o)[0]
        return self.pos + off if off else 0

    def _scalar(self, index, st, default):
        p = self._field(index)
        if not p:
            return default
        if p + st.size > len(self.buf):
            raise FlatbufError("field %d outside the buffer" % index)
        return st.unpack_from(self.buf, p)[0]

    def u8(self, index, default=0):
        """An unsigned byte field (also bool and union type fields)."""
        return self._scalar(index, _U8, default)

    def i16(self, index, default=0):
        """A short field (enums such as MetadataVersion, TimeUnit, Precision)."""
        return self._scalar(index, _I16, default)

    def i32(self, index, default=0):
        """An int field."""
        return self._scalar(index, _I32, default)

    def i64(self, index, default=0):
        """A long field."""
        return self._scalar(index, _I64, default)

    def _indirect(self, index):
        p = self._field(index)
        if not p:
            return 0
        q = p + _U32.unpack_from(self.buf, p)[0]
        if q + 4 > len(self.buf):
            raise FlatbufError("field %d points outside the buffer" % index)
        return q

    def table(self, index):
        """A sub-table (or union value) field, or None when absent."""
        q = self._indirect(index)
        return Table(self.buf, q) if q else None

    def string(self, index):
        """A string field decoded as UTF-8, or None when absent."""
        q = self._indirect(index)
        if not q:
            return None
        n = _U32.unpack_from(self.buf, q)[0]
        if q + 4 + n > len(self.buf):
            raise FlatbufError("string field %d outside the buffer" % index)
        try:
            return bytes(self.buf[q + 4:q + 4 + n]).decode("utf-8")
        except UnicodeDecodeError as e:
            raise FlatbufError("string field %d is not UTF-8: %s" % (index, e)) from None

    def vector(self, index):
        """(start, length) of a vector field; (0, 0) when absent."""
        q = self._indirect(index)
        if not q:
            return 0, 0
        return q + 4, _U32.unpack_from(self.buf, q)[0]

    def tables(self, index):
        """A vector of tables."""
        start, n = self.vector(index)
        if start + 4 * n > len(self.buf):
            raise FlatbufError("vector field %d outside the buffer" % index)
        out = []
        for i in range(n):
            p = start + 4 * i
            out.append(Table(self.buf, p + _U32.unpack_from(self.buf, p)[0]))
        return out

    def structs(self, index, fmt):
        """A vector of structs unpacked with the struct format ``fmt``."""
        start, n = self.vector(index)
        st = struct.Struct(fmt)
        end = start + st.size * n
        if end > len(self.buf):
            raise FlatbufError("vector field %d outside the buffer" % index)
        return [st.unpack_from(self.buf, start + st.size * i) for i in range(n)]
