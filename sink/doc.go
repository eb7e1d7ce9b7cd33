// Package sink writes the output of a job, never half-written: trainer
// shard files, aggregate tables, manifest.json, and the atomic commit of
// the whole output directory.
//
// Lifecycle:
//
//	txn, err := sink.Begin(path, overwrite) // refuses an existing path unless overwrite
//	defer txn.Abort()                        // no-op once Commit succeeded
//	w, err := sink.NewShardWriterIn(txn.Dir(), sink.ShardPath("train", 0, "arrow"), "arrow", "zstd", schema, mem)
//	... w.Write(batch) ...; info, err := w.Close()
//	err = txn.Commit(manifest)               // manifest.json last, then rename into place
//
// Dictionary columns: the Arrow IPC file format allows one dictionary per
// column per file, and pqarrow falls back to PLAIN encoding for the rest of
// a row group when a column's dictionary changes between batches, while
// engine batches each carry their own dictionary. The shard writer
// therefore writes every top-level dictionary<int*, utf8|large_utf8>
// column as plain utf8 (large_utf8), in both formats: decoding is one
// vectorized gather per batch, files stay streamable (no whole-shard
// buffering), the bytes are deterministic, and numpy-only trainers read
// them without dictionary support. Parquet still dictionary-encodes string
// columns on disk (one dictionary per row group, built by the column
// writer); no other column is dictionary-encoded. FileSchema returns the
// schema a file actually has.
//
// Arrow IPC files are written by package sink/arrowfile: a native writer
// for flat column types, arrow-go's for the rest.
//
// Determinism: the same batches written with the same format and
// compression give byte-identical files; nothing time- or random-dependent
// is written into shards or the manifest.
package sink
