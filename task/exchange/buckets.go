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
// hundreds of thousands of opens), as a copying reader: each segment is
// read into memory its batches hold, so the task holds about the buckets
// whose batches it keeps. (Mapped, every cache page the task touched
// counted as its resident memory until dropped, and a hot page cache maps
// pages in large folios: at 333M rows, 2 GiB for two tasks over 334
// caches.) Other caches are read a bucket at a time through Files.
type BucketReader struct {
	files Files
	locs  []fragment.Location
	rds   []*shuffle.Reader // open caches (nil: read through files)
	known []bool            // whether cache i was looked at
}

// NewBucketReader reads the caches locs through files.
func NewBucketReader(files Files, locs []fragment.Location) *BucketReader {
	return &BucketReader{files: files, locs: locs, rds: make([]*shuffle.Reader, len(locs)), known: make([]bool, len(locs))}
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
	rd, err := shuffle.OpenReaderWith(loc.Path, mem, shuffle.ReaderOptions{Copy: true})
	if err != nil {
		return nil, Retryable(&FetchFailed{Loc: br.locs[i], Err: err})
	}
	br.rds[i] = rd
	return rd, nil
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
