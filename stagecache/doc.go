// Package stagecache is sluice's content-addressed stage cache: the results
// of a job's stages kept across runs, so that a rerun reuses what did not
// change.
//
// An entry is one stage's result under its key: a sha256 over everything
// the stage's output depends on (the input files' stamps, the part of the
// job the stage reads, the keys of the stages before it and FormatVersion).
// It holds a small state blob (what the driver learnt from the stage) and
// the stage's files.
//
// Layout under the cache directory:
//
//	v1/entries/<key>/meta.json  the entry's stage, files (name, size, CRC-32C)
//	                            and state; its modification time is the
//	                            entry's last use
//	v1/entries/<key>/lock       held shared by every run using the entry
//	v1/entries/<key>/f-<name>   the files
//	v1/tmp/                     entries being built, and evicted ones
//	v1/runs/<run-id>.json       the manifest of every run that used the cache
//	v1/lock                     held by the run evicting entries
//
// Writes are atomic: an entry is built in v1/tmp and renamed into place
// whole, so a reader sees all of it or nothing; when two runs build the same
// entry the first rename wins. Before a file is reused it is checked against
// its size and CRC-32C; a damaged entry is a miss (with a warning) and is
// removed. A size cap evicts the least recently used entries; an entry a run
// holds (its lock file locked shared) is never evicted.
package stagecache
