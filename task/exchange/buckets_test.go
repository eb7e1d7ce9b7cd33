package exchange

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/shuffle"
	"github.com/sluice-ml/sluice/task/fragment"
)

// plainFiles is LocalFiles without Localizer or PartitionRanger: every
// bucket is opened on its own.
type plainFiles struct{}

func (plainFiles) OpenPartition(ctx context.Context, loc fragment.Location, p int, mem memory.Allocator) (*Partition, error) {
	return LocalFiles{}.OpenPartition(ctx, loc, p, mem)
}

// writeCache writes an output of parts partitions whose rows are
// "cache/partition/row" ids.
func writeCache(t *testing.T, mem memory.Allocator, path string, c, parts int) {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}}, nil)
	w, err := shuffle.NewWriter(path, schema, shuffle.WriterOptions{Partitions: parts, Codec: shuffle.CodecNone, FlushBytes: 1 << 10}, mem)
	if err != nil {
		t.Fatal(err)
	}
	for p := 0; p < parts; p++ {
		for k := 0; k < 3; k++ {
			b := array.NewStringBuilder(mem)
			for r := 0; r < 100*(p+k+1); r++ {
				b.Append(fmt.Sprintf("%d/%d/%d/%d", c, p, k, r))
			}
			col := b.NewArray()
			b.Release()
			rec := array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))
			col.Release()
			if err := w.Write(p, rec); err != nil {
				t.Fatal(err)
			}
			rec.Release()
		}
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// A BucketReader reads, bucket after bucket, what ForEachCache reads, with
// the caches opened once (LocalFiles, copying readers) or per bucket
// (other Files), and batches kept past their read keep their values.
func TestBucketReaderMatchesForEachCache(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	var locs []fragment.Location
	for c := 0; c < 3; c++ {
		path := filepath.Join(dir, fmt.Sprint("cache", c))
		writeCache(t, mem, path, c, 5)
		locs = append(locs, fragment.Location{Path: path})
	}
	ctx := context.Background()
	for _, files := range []Files{LocalFiles{}, plainFiles{}} {
		br := NewBucketReader(files, locs)
		for b := 1; b < 5; b++ { // buckets 1..4: a task's range
			for i, loc := range locs {
				var want, got []string
				var kept []arrow.RecordBatch
				if err := ForEachCache(ctx, LocalFiles{}, loc, b, b+1, mem, func(r arrow.RecordBatch) error {
					want = append(want, ids(r)...)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if err := br.ForEach(ctx, i, b, mem, func(r arrow.RecordBatch) error {
					r.Retain()
					kept = append(kept, r)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				for _, r := range kept {
					got = append(got, ids(r)...)
					r.Release()
				}
				if fmt.Sprint(got) != fmt.Sprint(want) || len(want) != 100*(b+1)+100*(b+2)+100*(b+3) {
					t.Errorf("%T cache %d bucket %d: %d rows differ from ForEachCache's %d", files, i, b, len(got), len(want))
				}
			}
		}
		if _, ok := files.(LocalFiles); ok && br.rds[0] == nil {
			t.Error("LocalFiles: the cache was not kept open")
		}
		br.Close()
	}
	// A missing cache is a retryable fetch failure naming it.
	br := NewBucketReader(LocalFiles{}, []fragment.Location{{Path: filepath.Join(dir, "gone")}})
	err := br.ForEach(ctx, 0, 0, mem, func(arrow.RecordBatch) error { return nil })
	var ff *FetchFailed
	if !errors.As(err, &ff) || ff.Loc.Path != filepath.Join(dir, "gone") {
		t.Errorf("missing cache: %v, want a FetchFailed naming it", err)
	}
	br.Close()
}

func ids(r arrow.RecordBatch) []string {
	col := r.Column(0).(*array.String)
	out := make([]string, col.Len())
	for i := range out {
		out[i] = col.Value(i)
	}
	return out
}
