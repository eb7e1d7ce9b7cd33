package exchange

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/shuffle"
	"github.com/sluice-ml/sluice/task/fragment"
)

// Localizer is a Files that knows which outputs lie on this node's disk:
// those can be opened once and read in place.
type Localizer interface {
	// LocalPath returns loc as a path on this node, ok false when the
	// output is elsewhere.
	LocalPath(loc fragment.Location) (local fragment.Location, ok bool, err error)
}

// LocalPath implements Localizer: every output is local.
func (LocalFiles) LocalPath(loc fragment.Location) (fragment.Location, bool, error) {
	return loc, true, nil
}

// maxOpenCaches bounds the cache files a BucketReader keeps open; a task
// with more caches opens each bucket's file as it reads it.
const maxOpenCaches = 1024

// BucketReader reads a task's caches bucket after bucket, as a streaming
// shard does. A cache on this node is opened once for all buckets (not
// once per bucket: with hundreds of caches and a thousand buckets that is
// hundreds of thousands of opens and maps), and Done drops each bucket's
// mapped pages once its rows are used, so the task holds about one
// bucket's pages. Other caches are read a bucket at a time through Files.
type BucketReader struct {
	files Files
	locs  []fragment.Location
	rds   []*shuffle.Reader // open caches (nil: read through files)
	known []bool            // whether cache i was looked at

	// Pages of done buckets not dropped yet: per open cache, the byte
	// range covering them, and their bytes over all caches.
	pend      []byteRange
	pendBytes int64
}

type byteRange struct{ lo, hi int64 }

// dropBatchBytes is how many bytes of done buckets a BucketReader lets
// stay resident before it drops them, one range per cache. Each drop is a
// system call and a TLB flush: with hundreds of caches and a thousand
// buckets, dropping every bucket at once made hundreds of thousands of
// calls, a tenth of the shard-write stage's CPU at 333M rows.
const dropBatchBytes = 64 << 20

// NewBucketReader reads the caches locs through files.
func NewBucketReader(files Files, locs []fragment.Location) *BucketReader {
	return &BucketReader{files: files, locs: locs, rds: make([]*shuffle.Reader, len(locs)), known: make([]bool, len(locs)),
		pend: make([]byteRange, len(locs))}
}

// ForEach calls fn with every batch of bucket b of cache i, in order.
func (br *BucketReader) ForEach(ctx context.Context, i, b int, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	rd, err := br.reader(i, mem)
	if err != nil {
		return err
	}
	if rd == nil {
		return ForEachCache(ctx, br.files, br.locs[i], b, b+1, mem, fn)
	}
	return forEachOf(ctx, rd, b, fn)
}

// reader returns cache i's open reader, nil when it is read through Files.
func (br *BucketReader) reader(i int, mem memory.Allocator) (*shuffle.Reader, error) {
	if br.known[i] {
		return br.rds[i], nil
	}
	br.known[i] = true
	lz, ok := br.files.(Localizer)
	if !ok || len(br.locs) > maxOpenCaches {
		return nil, nil
	}
	loc, local, err := lz.LocalPath(br.locs[i])
	if err != nil || !local {
		return nil, err
	}
	rd, err := shuffle.OpenReader(loc.Path, mem)
	if err != nil {
		return nil, Retryable(&FetchFailed{Loc: br.locs[i], Err: err})
	}
	br.rds[i] = rd
	return rd, nil
}

// Done marks bucket b read: its mapped pages in every open cache are
// dropped, at the latest once the done buckets not dropped yet hold
// dropBatchBytes.
func (br *BucketReader) Done(b int) {
	for i, rd := range br.rds {
		if rd == nil {
			continue
		}
		lo, hi := rd.PartitionExtent(b)
		if lo == hi {
			continue
		}
		if p := &br.pend[i]; p.lo == p.hi {
			*p = byteRange{lo, hi}
		} else {
			*p = byteRange{min(p.lo, lo), max(p.hi, hi)}
		}
		br.pendBytes += hi - lo
	}
	if br.pendBytes >= dropBatchBytes {
		br.drop()
	}
}

// drop releases the pending pages of every open cache.
func (br *BucketReader) drop() {
	for i, rd := range br.rds {
		if p := br.pend[i]; rd != nil && p.lo < p.hi {
			rd.DropRange(p.lo, p.hi)
		}
		br.pend[i] = byteRange{}
	}
	br.pendBytes = 0
}

// Close closes the open caches (batches read from them stay valid).
func (br *BucketReader) Close() {
	for i, rd := range br.rds {
		if rd != nil {
			rd.Close()
			br.rds[i] = nil
		}
	}
}

// forEachOf calls fn with every batch of partition p of rd.
func forEachOf(ctx context.Context, rd *shuffle.Reader, p int, fn func(arrow.RecordBatch) error) error {
	it, err := rd.Partition(p)
	if err != nil {
		return err
	}
	defer it.Close()
	return eachBatch(ctx, it, fn)
}

// eachBatch calls fn with every batch of it until the end, an error or
// ctx's end.
func eachBatch(ctx context.Context, it shuffle.BatchIterator, fn func(arrow.RecordBatch) error) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := it.Next()
		if err == nil && b != nil {
			err = fn(b)
		}
		if err != nil || b == nil {
			return err
		}
	}
}
