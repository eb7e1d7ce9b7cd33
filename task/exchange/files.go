package exchange

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/shuffle"
	"github.com/sluice-ml/sluice/task/fragment"
)

// Partition is one open partition of a task's output file.
type Partition struct {
	Schema *arrow.Schema
	Info   shuffle.PartitionInfo
	Iter   shuffle.BatchIterator
	close  func() error
}

// NewPartition wraps an open partition; closeFn (may be nil) runs after the
// iterator is closed.
func NewPartition(schema *arrow.Schema, info shuffle.PartitionInfo, iter shuffle.BatchIterator, closeFn func() error) *Partition {
	return &Partition{Schema: schema, Info: info, Iter: iter, close: closeFn}
}

// Close releases the partition's iterator and file.
func (p *Partition) Close() error {
	err := p.Iter.Close()
	if p.close != nil {
		if e := p.close(); err == nil {
			err = e
		}
	}
	return err
}

// Files opens the partitions of outputs written by other tasks (caches,
// partial aggregates, transform outputs), wherever they are. The embedded
// mode reads the files directly; a cluster fetches remote ones over gRPC.
type Files interface {
	OpenPartition(ctx context.Context, loc fragment.Location, p int, mem memory.Allocator) (*Partition, error)
}

// LocalFiles reads outputs from this machine's file system.
type LocalFiles struct{}

// OpenPartition implements Files. A missing or unreadable file is retryable:
// the driver may run the task that wrote it again.
func (LocalFiles) OpenPartition(ctx context.Context, loc fragment.Location, p int, mem memory.Allocator) (*Partition, error) {
	rd, err := shuffle.OpenReader(loc.Path, mem)
	if err != nil {
		return nil, Retryable(&FetchFailed{Loc: loc, Err: err})
	}
	it, err := rd.Partition(p)
	if err != nil {
		rd.Close()
		return nil, err
	}
	return &Partition{Schema: rd.Schema(), Info: rd.PartitionInfo(p), Iter: it, close: rd.Close}, nil
}

// FetchFailed is a task's failure to read another task's output: the
// output is lost (its executor died or the file is gone).
type FetchFailed struct {
	Loc fragment.Location
	Err error
}

func (f *FetchFailed) Error() string {
	return "fetch " + f.Loc.Path + " from " + f.Loc.Executor + ": " + f.Err.Error()
}

func (f *FetchFailed) Unwrap() error { return f.Err }

// ForEach streams the batches of one partition of an output.
func ForEach(ctx context.Context, files Files, loc fragment.Location, p int, mem memory.Allocator, fn func(b arrow.RecordBatch) error) error {
	part, err := files.OpenPartition(ctx, loc, p, mem)
	if err != nil {
		return err
	}
	defer part.Close()
	return eachBatch(ctx, part.Iter, fn)
}
