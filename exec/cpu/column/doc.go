// Package column is what every CPU kernel shares: the canonical column
// types (Type: int64, timestamp[us], float64, bool, dictionary<int32,
// utf8>; TypeOf, ColumnType with an error naming what is allowed), typed
// scalars (Value, ValueCount, the Kind names, CanonBits for float keys),
// selection vectors (CheckSel, RowsOf: the rows a kernel visits and
// whether the loop can be dense), bitmap and dictionary access, and
// OutBuf, the typed output buffer a kernel fills and finishes into an
// Arrow array (+1).
package column
