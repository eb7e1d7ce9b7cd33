// Package input is the scan side of sluice: it opens an input (Parquet,
// CSV or Arrow IPC files given as a file, a directory or a glob, or the
// built-in Citi Bike-like generator), cuts it into scan tasks, and reads a
// task's rows as Arrow batches in the engine's canonical types.
//
// Canonical types (conversion happens here, once, at the scan): every
// integer type becomes int64; float32 and float64 become float64; bool
// stays bool; timestamps and dates become timestamp[us] UTC
// (arrow.FixedWidthTypes.Timestamp_us); utf8, large utf8 and dictionaries
// of strings become dictionary<int32, utf8>. Any other type is an error
// naming the file, the column and the allowed types. Every canonical field
// is nullable.
//
// Ownership: a Reader lends each batch until the next call to Next or
// Close; a caller that keeps one longer calls Retain and later Release.
// Close releases everything the reader holds and is idempotent.
// GenerateCitibike hands over one reference (+1): the caller releases it.
// Every Arrow allocation goes through the allocator given to Read.
//
// Row numbers: a batch's firstRow is the row number, within its file, of
// the batch's first row (0-based, header lines not counted), so rows
// skipped by pruning keep their true numbers. With File.RelPath this is the
// default row key of the split (hashing.FileRow).
package input
