// Package input is the scan side of sluice: Open lists an input's files (a
// local file, directory or glob, a file:// URL, or an object-store object,
// prefix or pattern), reads their schemas, checks that they agree and cuts
// the input into scan tasks; Dataset.Read reads one task's rows as Arrow
// batches in canonical types.
//
// The format readers live in subpackages: parquetscan, csvscan and
// arrowscan read files, citibike generates the built-in dataset; canonical
// holds the canonical types, prune the row-group pruning ranges and guard
// the defences against damaged files.
//
// Ownership: a Reader lends each batch until the next call to Next or
// Close; a caller that keeps one longer calls Retain and later Release.
// Close releases everything the reader holds and is idempotent. Every
// Arrow allocation goes through the allocator given to Read.
//
// Row numbers: a batch's firstRow is the row number, within its file, of
// the batch's first row (0-based, header lines not counted), so rows
// skipped by pruning keep their true numbers. With File.RelPath this is the
// default row key of the split (hashing.FileRow).
package input
