// Package sink commits the output of a job, never half-written: the output
// transaction (a temporary directory renamed into place, or an
// object-store prefix whose manifest is written last), manifest.json, and
// Verify, which re-checks a committed output against its manifest.
//
// Lifecycle:
//
//	txn, err := sink.Begin(path, overwrite) // refuses an existing path unless overwrite
//	defer txn.Abort()                        // no-op once Commit succeeded
//	w, err := shard.NewWriterIn(txn.Dir(), layout.ShardPath("train", 0, "arrow"), "arrow", "zstd", schema, mem)
//	... w.Write(batch) ...; info, err := w.Close()
//	err = txn.Commit(manifest)               // manifest.json last, then rename into place
//
// The files inside the output are written by package sink/shard; where
// they go (and which paths are allowed) is package sink/layout.
//
// Determinism: nothing time- or random-dependent is written into the
// manifest except its run section (StripRun removes it).
package sink
