// Package shuffle is sluice's on-disk exchange format: one map task writes
// one data file and one index file. The same files
// serve as the local scratch cache of projected columns and as the spill
// path.
//
// Each partition's rows are stored as one or more segments. A segment is a
// complete Arrow IPC stream (schema, dictionaries, record batches, EOS) with
// IPC body compression, so a reducer can decode it alone, locally or after
// fetching its bytes over the network (DecodeSegment). The index (format.go)
// lists every segment's offset, length, row count and CRC-32C.
//
// Ownership: Writer.Write and Writer.WritePartitioned never take the
// caller's reference; the writer retains or copies what it buffers and
// releases it when the partition is flushed, on Close or on Abort. A batch
// returned by BatchIterator.Next is borrowed until the next Next or Close.
//
// Row order within a partition is write order. Batch boundaries are not
// kept: small buffered pieces of a partition are coalesced into batches of
// up to CoalesceRows rows when the partition is flushed, and every
// dictionary column of a written batch carries only the dictionary entries
// its rows use.
package shuffle
