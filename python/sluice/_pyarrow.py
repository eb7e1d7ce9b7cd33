"""The pyarrow path (used when pyarrow is importable): the same column
conventions as the numpy reader (see :mod:`sluice._ipc`)."""

import numpy as np
import pyarrow as pa
import pyarrow.ipc


def _to_numpy(col):
    """A pyarrow (chunked) array as numpy with sluice's null conventions."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    t = col.type
    if pa.types.is_dictionary(t):
        col = col.dictionary_decode()
        t = col.type
    nulls = col.null_count
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        out = np.empty(len(col), dtype=object)
        out[:] = col.to_pylist()
        return out
    if pa.types.is_floating(t):
        return np.asarray(col.to_numpy(zero_copy_only=False)).copy()
    if nulls == 0:
        return np.asarray(col.to_numpy(zero_copy_only=False)).copy()
    mask = np.asarray(col.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_boolean(t):
        filled = col.fill_null(False)
    elif pa.types.is_timestamp(t):
        filled = col.cast(pa.int64()).fill_null(0).cast(t)
    else:
        filled = col.fill_null(0)
    return np.ma.MaskedArray(np.asarray(filled.to_numpy(zero_copy_only=False)).copy(), mask=mask)


def _table_to_dict(table, columns):
    names = table.column_names if columns is None else columns
    missing = [c for c in names if c not in table.column_names]
    if missing:
        raise ValueError("no column(s) %s (the file has: %s)" % (", ".join(missing), ", ".join(table.column_names)))
    return {n: _to_numpy(table.column(n)) for n in names}


def read_arrow(data, columns=None):
    """An Arrow IPC file's bytes as ``{column: numpy array}``."""
    table = pa.ipc.open_file(pa.BufferReader(data)).read_all()
    return _table_to_dict(table, columns)


def read_parquet(data, columns=None):
    """A Parquet file's bytes as ``{column: numpy array}``."""
    import pyarrow.parquet as pq
    table = pq.read_table(pa.BufferReader(data), columns=columns)
    return _table_to_dict(table, columns)
