package e2e

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluice-ml/sluice/engine"
)

// flightsData is the real data set examples/flights.yaml reads (`make data`).
var flightsData = filepath.Join("..", "data", "flights-3m.parquet")

// TestFlightsRealData runs examples/flights.yaml on the 3M real flights and
// checks, against the Parquet file read with pqarrow, that every row with a
// delay is written once and each origin is split exactly 0.8/0.1/0.1.
// origin is a vocab feature, so a derived copy (origin_name) is kept to
// identify each row's origin.
func TestFlightsRealData(t *testing.T) {
	if _, err := os.Stat(flightsData); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing under CI (run `make data`): %v", flightsData, err)
		}
		t.Skipf("%s missing (run `make data`)", flightsData)
	}
	yaml, err := os.ReadFile(filepath.Join("..", "examples", "flights.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(flightsData)
	if err != nil {
		t.Fatal(err)
	}
	dir, m := runJob(t, string(yaml), []string{"input.path=" + abs, "columns.origin_name=origin", "keep=[origin_name]"}, engine.Options{Local: 2})

	// Oracle: rows with a non-null delay, per origin.
	perOrigin, read := flightsOracle(t, abs)
	var kept int64
	for _, n := range perOrigin {
		kept += n
	}
	if m.Rows.Read != read || m.Rows.Written != kept || m.Rows.Dropped != read-kept || m.Rows.Filtered != 0 {
		t.Fatalf("manifest rows %+v, oracle read %d written %d dropped %d", m.Rows, read, kept, read-kept)
	}
	names := []string{"train", "eval", "test"}
	got := map[string][]int64{}
	for si, s := range m.Splits {
		if s.Name != names[si] {
			t.Fatalf("split %d is %s, want %s", si, s.Name, names[si])
		}
		for _, sh := range s.Shards {
			for origin, n := range countStrings(t, filepath.Join(dir, filepath.FromSlash(sh.Path)), "origin_name") {
				if got[origin] == nil {
					got[origin] = make([]int64, len(names))
				}
				got[origin][si] += n
			}
		}
	}
	for origin, n := range perOrigin {
		want := largestRemainder(n, []int64{800, 100, 100})
		if !slices.Equal(got[origin], want) {
			t.Fatalf("origin %s (%d flights with a delay): split counts %v, oracle %v", origin, n, got[origin], want)
		}
	}
	if len(got) != len(perOrigin) {
		t.Fatalf("%d origins written, oracle %d", len(got), len(perOrigin))
	}
}

// flightsOracle reads origin and delay from the Parquet file and counts
// the rows with a non-null delay per origin; it also returns all rows.
func flightsOracle(t *testing.T, path string) (map[string]int64, int64) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, mem)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := fr.Schema()
	if err != nil {
		t.Fatal(err)
	}
	oi, di := schema.FieldIndices("origin"), schema.FieldIndices("delay")
	if len(oi) != 1 || len(di) != 1 {
		t.Fatalf("%s: no origin/delay columns in %s", path, schema)
	}
	rr, err := fr.GetRecordReader(context.Background(), []int{oi[0], di[0]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	out := map[string]int64{}
	var rows int64
	for rr.Next() {
		b := rr.RecordBatch()
		origin, delay := b.Column(0), b.Column(1)
		for i := 0; i < int(b.NumRows()); i++ {
			if delay.IsValid(i) {
				out[stringAt(t, origin, i)]++
			}
		}
		rows += b.NumRows()
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	return out, rows
}

// countStrings counts the values of a string column of an Arrow IPC file.
func countStrings(t *testing.T, path, name string) map[string]int64 {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(mem))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer r.Close()
	idx := r.Schema().FieldIndices(name)
	if len(idx) != 1 {
		t.Fatalf("%s: no column %q", path, name)
	}
	out := map[string]int64{}
	for i := 0; i < r.NumRecords(); i++ {
		b, err := r.RecordBatch(i)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		col := b.Column(idx[0])
		for j := 0; j < col.Len(); j++ {
			out[stringAt(t, col, j)]++
		}
		b.Release()
	}
	return out
}
