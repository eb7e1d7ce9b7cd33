// Package shuffle is sluice's on-disk exchange format: one map task writes
// one data file and one index file. The same files
// serve as the local scratch cache of projected columns and as the spill
// path.
//
// Each partition's rows are stored as one or more segments. A segment is a
// complete Arrow IPC stream (schema, dictionaries, record batches, EOS) with
// IPC body compression. The index (format.go) lists every segment's offset,
// length, row count and CRC-32C.
//
// A dictionary column of strings (int32 indices) is numbered once per
// file: its segments carry int32 ids and the file stores the values once
// (file dictionaries, format.go), so small segments do not repeat them and
// every batch read from one file shares one dictionary. To decode a
// segment alone, after fetching its bytes over the network, take it from
// Reader.StandaloneSegment (which gives such a segment its own dictionary)
// and decode it with DecodeSegment.
//
// Integer columns are stored narrow: a segment stores each signed integer
// column, and its string ids, in the narrowest signed integer type that
// holds all of its values (the citibike job's cache of keys, measures and
// string ids shrinks from 61 to 27 bytes a row: at 333M rows, from 19.3 to
// 8.3 GiB, which then stays in the page cache). Where values are large but
// close together, a segment stores them as frame of reference (value -
// base) or delta (value - the previous row's), narrowed the same way: a
// scan's row ids and sequential keys take 2 bytes a row instead of 8 and
// 4 (the citibike cache: 19 bytes a row, 5.6 GiB at 333M rows). Readers
// widen them back, so every batch read has the file's schema;
// DecodeSegment does so when given that schema. A Reader reuses the widened columns' buffers once
// their batch is released: values read from a batch (its value slices)
// are valid while the batch is held.
//
// Ownership: Writer.Write and Writer.WritePartitioned never take the
// caller's reference; the writer retains or copies what it buffers and
// releases it when the partition is flushed, on Close or on Abort. A batch
// returned by BatchIterator.Next is borrowed until the next Next or Close.
//
// Row order within a partition is write order. Batch boundaries are not
// kept: small buffered pieces of a partition are coalesced into batches of
// up to CoalesceRows rows when the partition is flushed. A dictionary
// column read back carries its file's dictionary, or, where the file gave
// up numbering it (more than a million distinct values), only the entries
// its batch uses.
package shuffle
