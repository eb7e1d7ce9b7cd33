package exchange

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/hashing"
	"github.com/sluice-ml/sluice/shuffle"
	"github.com/sluice-ml/sluice/task/fragment"
)

// The scan writes its cache cut into buckets by the top bits of the shard
// hash h2 (the bound job's cache_buckets): shard j of every split lies in
// about the same h2 range, so the shard-write task of shard j reads only
// the buckets of its range, from every cache.

// CacheBuckets assigns rows to cache buckets by their shard hash, computed
// from the row keys as the later stages do.
func CacheBuckets(seed uint64, bits uint, keys []uint64, h2 []uint64, out []int32) {
	hashing.SeededAll(seed^hashing.ShardTag, keys, h2)
	shift := 64 - bits
	for i, h := range h2 {
		out[i] = int32(h >> shift)
	}
}

// ShardBucketRange is the half-open range of cache buckets that can hold
// rows of shard j in any split: for each split, the buckets from its
// shard j's lower cut to its upper cut (cuts are (h2, rowid) keys; shard j
// takes the rows with exactly j cuts <= their key). ok is false when no
// split has rows in shard j.
func ShardBucketRange(cuts [][]split.Bound, j int, bits uint) (lo, hi int, ok bool) {
	shift := 64 - bits
	n := 1 << bits
	lo, hi = n, 0
	for _, c := range cuts {
		if j > len(c) {
			continue // fewer cuts than shards: shard j is empty here
		}
		a, b := 0, n
		if j > 0 {
			switch c[j-1].Kind {
			case split.PlusInf:
				continue
			case split.Finite:
				a = int(c[j-1].Key.H >> shift)
			}
		}
		if j < len(c) {
			switch c[j].Kind {
			case split.MinusInf:
				continue
			case split.Finite:
				b = int(c[j].Key.H>>shift) + 1
			}
		}
		lo, hi = min(lo, a), max(hi, b)
	}
	return lo, hi, lo < hi
}

// PartitionRanger is a Files that streams a range of one output's
// partitions with the file opened once (LocalFiles, and a cluster fetcher
// for outputs on its own node).
type PartitionRanger interface {
	// ForEachPartition calls fn with every batch of partitions [lo, hi) of
	// loc's output, in order; ok is false when it cannot (the caller then
	// opens each partition).
	ForEachPartition(ctx context.Context, loc fragment.Location, lo, hi int, mem memory.Allocator, fn func(b arrow.RecordBatch) error) (ok bool, err error)
}

// ForEachPartition implements PartitionRanger.
func (LocalFiles) ForEachPartition(ctx context.Context, loc fragment.Location, lo, hi int, mem memory.Allocator, fn func(b arrow.RecordBatch) error) (bool, error) {
	rd, err := shuffle.OpenReader(loc.Path, mem)
	if err != nil {
		return true, Retryable(&FetchFailed{Loc: loc, Err: err})
	}
	defer rd.Close()
	for p := lo; p < hi; p++ {
		if err := forEachOf(ctx, rd, p, fn); err != nil {
			return true, err
		}
	}
	return true, nil
}

// ForEachCache streams the batches of cache buckets [lo, hi) of one scan
// task's cache, in bucket order.
func ForEachCache(ctx context.Context, files Files, loc fragment.Location, lo, hi int, mem memory.Allocator, fn func(b arrow.RecordBatch) error) error {
	if r, ok := files.(PartitionRanger); ok {
		if done, err := r.ForEachPartition(ctx, loc, lo, hi, mem, fn); done {
			return err
		}
	}
	for p := lo; p < hi; p++ {
		if err := ForEach(ctx, files, loc, p, mem, fn); err != nil {
			return err
		}
	}
	return nil
}
