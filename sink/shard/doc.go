// Package shard writes one output file (a trainer shard or an aggregate
// table) in the Arrow IPC file format or Parquet, locally or as an
// object-store upload, computing its size and sha256 on the way. A file
// appears at its path only when complete.
//
// Dictionary columns: the Arrow IPC file format allows one dictionary per
// column per file, and pqarrow falls back to PLAIN encoding for the rest of
// a row group when a column's dictionary changes between batches, while
// engine batches each carry their own dictionary. The writer therefore
// writes every top-level dictionary<int*, utf8|large_utf8> column as plain
// utf8 (large_utf8), in both formats: files stay streamable (no whole-file
// buffering), the bytes are deterministic, and numpy-only trainers read
// them without dictionary support. An Arrow IPC file decodes such a column
// with one vectorized gather per batch. Parquet dictionary-encodes string
// columns on disk (one dictionary per row group); for a dictionary column
// the row group's dictionary is seeded with its first batch's dictionary
// and batches over that dictionary write their indices as they are, with
// no string decoded or hashed (see pqDict); other string columns are
// hashed by the column writer. No other column is dictionary-encoded.
// FileSchema returns the schema a file actually has.
//
// Arrow IPC files are written by package sink/arrowfile: a native writer
// for flat column types, arrow-go's for the rest. Parquet files of flat
// columns are laid out by this package with arrow-go's metadata builders
// and page writer: int32, int64, float32 and float64 columns are encoded
// here (plain pages compressed straight from the batches' buffers), the
// others by arrow-go's column chunk writers, the columns of a batch
// encoded and compressed on up to SetEncodeWorkers goroutines (the bytes
// are those of arrow-go's pqarrow writer, whatever the count; tests
// compare them); files with nested columns go through pqarrow's writer.
//
// Determinism: the same batches written with the same format and
// compression give byte-identical files.
package shard
