// Package exchange is how tasks read the files other tasks wrote (scan
// caches, partial aggregates, the expect-unique exchange): Files opens one
// partition of an output wherever it lies (LocalFiles on this machine, a
// cluster fetcher over gRPC), ForEach and ForEachCache stream its batches,
// and a failed read is a FetchFailed marked Retryable, so that the driver
// runs the producer again.
//
// It also fixes the layout those files share: the scan cache is cut into
// buckets by the top bits of the shard hash (CacheBuckets), a shard-write
// task reads only the buckets of its shard (ShardBucketRange), and every
// scratch file is written with ScratchCodec.
package exchange
