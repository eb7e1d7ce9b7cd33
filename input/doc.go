// Package input is the scan side of sluice: it opens an input (Parquet,
// CSV or Arrow IPC files given as a file, a directory or a glob, or the
// built-in Citi Bike-like generator of package input/citibike), cuts it into scan tasks, and reads a
// task's rows as Arrow batches in the engine's canonical types.
//
// Every batch is in the engine's canonical types (package
// input/canonical): the conversion happens here, once, at the scan.
//
// Ownership: a Reader lends each batch until the next call to Next or
// Close; a caller that keeps one longer calls Retain and later Release.
// Close releases everything the reader holds and is idempotent.
// Every Arrow allocation goes through the allocator given to Read.
//
// Row numbers: a batch's firstRow is the row number, within its file, of
// the batch's first row (0-based, header lines not counted), so rows
// skipped by pruning keep their true numbers. With File.RelPath this is the
// default row key of the split (hashing.FileRow).
package input
