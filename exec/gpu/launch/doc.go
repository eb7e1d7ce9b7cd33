// Package launch runs the GPU kernels on a device with the semantics of
// the CPU engine's functions. Kernels is one device with its memory pool
// and its pairs of streams; around it are the runtime every operator
// family uses (Buffers: the device memory of one call; Column and
// StrColumn: Arrow columns laid out for upload; Chunked: halve a batch
// after out of memory, down to 256 rows, then answer ErrFallback;
// Pipelined: pieces of a batch through page-locked staging buffers on two
// streams, so that the copies of one overlap the kernels of the other;
// DeviceBatch: columns kept on the device across the row-hash → split →
// transform chain) and the row kernels: file rows, row hashes and value
// hashes (HashColumn), split and shard assignment (AssignSplits,
// HashAndAssign), stream compaction (Compact), the shard sort (SortPerm:
// a stable LSD radix sort of (key, tie) pairs to a permutation) and the
// split-window collection (CollectWindows).
//
// The other operator families build on it: exec/gpu/transform (Apply),
// exec/gpu/filter (Compile, Run), exec/gpu/aggregate (moments, group and
// value counts, group-by partials).
package launch
