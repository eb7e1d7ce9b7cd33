package input_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input"
	"github.com/sluice-ml/sluice/input/citibike"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/storage"
	"github.com/sluice-ml/sluice/storage/s3test"
)

// readColumn reads one int64 column of every task of a dataset.
func readColumn(t *testing.T, d *input.Dataset, col string) []int64 {
	t.Helper()
	var out []int64
	for _, task := range d.Tasks {
		r, err := d.Read(context.Background(), task, input.ReadOptions{Columns: []string{col}}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		for {
			b, _, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if b == nil {
				break
			}
			a := b.Column(0).(*array.Int64)
			for i := 0; i < a.Len(); i++ {
				out = append(out, a.Value(i))
			}
		}
		r.Close()
	}
	return out
}

// A Parquet prefix in the bucket reads like the local directory, through
// ranged GETs: reading one column fetches far less than the files.
func TestParquetFromObjectStore(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.Bucket(t, "inputs")
	dir := t.TempDir()
	if err := citibike.Write(dir, 40000, 2, 7); err != nil {
		t.Fatal(err)
	}
	var total int64
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		total += int64(len(data))
		srv.Put(t, bucket, "trips/"+e.Name(), data)
	}
	srv.Put(t, bucket, "trips/_SUCCESS", nil) // skipped like in a directory
	want, err := input.Open(jobspec.Input{Path: dir, Format: "parquet"})
	if err != nil {
		t.Fatal(err)
	}
	before := storage.BytesRead.Load()
	got, err := input.Open(jobspec.Input{Path: "s3://" + bucket + "/trips", Format: "parquet"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 2 || got.Files[0].RelPath != "part-00000.parquet" || !got.Schema.Equal(want.Schema) {
		t.Fatalf("files %+v, schema %v", got.Files, got.Schema)
	}
	a, b := readColumn(t, want, "trip_id"), readColumn(t, got, "trip_id")
	if len(a) != 40000 || len(a) != len(b) {
		t.Fatalf("%d rows locally, %d from the bucket", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("row %d: %d locally, %d from the bucket", i, a[i], b[i])
		}
	}
	if n := storage.BytesRead.Load() - before; n >= total/2 {
		t.Fatalf("reading one column fetched %d of %d bytes; want ranged reads of its chunks only", n, total)
	}
	// A missing prefix names the URL.
	if _, err := input.Open(jobspec.Input{Path: "s3://" + bucket + "/nope/", Format: "parquet"}); err == nil || !strings.Contains(err.Error(), "s3://"+bucket+"/nope/") {
		t.Fatalf("missing prefix: %v", err)
	}
}
