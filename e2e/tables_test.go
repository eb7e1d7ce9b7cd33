package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluice-ml/sluice/sink"
)

// column is one column of a file read into Go slices. Exactly one of the
// value slices is set, by the Arrow type: F32 (float32), F64 (float64),
// I64 (int32 and int64, widened), S (utf8, large_utf8 and dictionaries of
// utf8). Valid[i] is
// false for nulls.
type column struct {
	Type  arrow.DataType
	F32   []float32
	F64   []float64
	I64   []int64
	S     []string
	Valid []bool
}

// num returns row i as a float64 (0 for strings).
func (c *column) num(i int) float64 {
	switch {
	case c.F32 != nil:
		return float64(c.F32[i])
	case c.F64 != nil:
		return c.F64[i]
	case c.I64 != nil:
		return float64(c.I64[i])
	}
	return 0
}

// numeric reports whether the column holds numbers.
func (c *column) numeric() bool { return c.S == nil }

// table is a whole file read into Go slices.
type table struct {
	Names []string // in file order
	Cols  map[string]*column
	Rows  int
}

// col returns the named column or fails the test.
func (tb *table) col(t testing.TB, name string) *column {
	t.Helper()
	c, ok := tb.Cols[name]
	if !ok {
		t.Fatalf("no column %q (have %v)", name, tb.Names)
	}
	return c
}

// readTable reads an Arrow IPC file or a Parquet file (by extension).
func readTable(t testing.TB, path string) *table {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	tb, err := readTableErr(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func readTableErr(path string, mem memory.Allocator) (*table, error) {
	if strings.HasSuffix(path, ".parquet") {
		return readParquet(path, mem)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(mem))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer r.Close()
	tb := newTable(r.Schema())
	for i := 0; i < r.NumRecords(); i++ {
		b, err := r.RecordBatch(i)
		if err != nil {
			return nil, fmt.Errorf("%s: batch %d: %w", path, i, err)
		}
		err = tb.append(b)
		b.Release()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return tb, nil
}

func readParquet(path string, mem memory.Allocator) (*table, error) {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 14}, mem)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer rr.Release()
	tb := newTable(rr.Schema())
	for rr.Next() {
		if err := tb.append(rr.RecordBatch()); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := rr.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tb, nil
}

func newTable(s *arrow.Schema) *table {
	tb := &table{Cols: map[string]*column{}}
	for _, f := range s.Fields() {
		tb.Names = append(tb.Names, f.Name)
		tb.Cols[f.Name] = &column{Type: f.Type}
	}
	return tb
}

// append copies a batch's rows into the table.
func (tb *table) append(b arrow.RecordBatch) error {
	for i, f := range b.Schema().Fields() {
		c := tb.Cols[f.Name]
		if c == nil {
			return fmt.Errorf("column %q not in the file schema", f.Name)
		}
		a := b.Column(i)
		for j := 0; j < a.Len(); j++ {
			c.Valid = append(c.Valid, a.IsValid(j))
		}
		switch x := a.(type) {
		case *array.Float32:
			c.F32 = append(orEmpty(c.F32), x.Float32Values()...)
		case *array.Float64:
			c.F64 = append(orEmpty(c.F64), x.Float64Values()...)
		case *array.Int32:
			c.I64 = orEmpty(c.I64)
			for _, v := range x.Int32Values() {
				c.I64 = append(c.I64, int64(v))
			}
		case *array.Int64:
			c.I64 = append(orEmpty(c.I64), x.Int64Values()...)
		case *array.Timestamp:
			c.I64 = orEmpty(c.I64)
			for _, v := range x.TimestampValues() {
				c.I64 = append(c.I64, int64(v))
			}
		case *array.String:
			c.S = orEmpty(c.S)
			for j := 0; j < x.Len(); j++ {
				c.S = append(c.S, strings.Clone(x.Value(j)))
			}
		case *array.LargeString:
			c.S = orEmpty(c.S)
			for j := 0; j < x.Len(); j++ {
				c.S = append(c.S, strings.Clone(x.Value(j)))
			}
		case *array.Dictionary: // of utf8, as the input Parquet files hold strings
			d, ok := x.Dictionary().(*array.String)
			if !ok {
				return fmt.Errorf("column %q: unexpected type %s", f.Name, a.DataType())
			}
			c.S = orEmpty(c.S)
			for j := 0; j < x.Len(); j++ {
				s := ""
				if x.IsValid(j) {
					s = strings.Clone(d.Value(x.GetValueIndex(j)))
				}
				c.S = append(c.S, s)
			}
		default:
			return fmt.Errorf("column %q: unexpected type %s", f.Name, a.DataType())
		}
	}
	tb.Rows += int(b.NumRows())
	return nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// splitTables reads every shard of every split: split name -> shards.
func splitTables(t testing.TB, dir string, m *sink.Manifest) map[string][]*table {
	t.Helper()
	out := map[string][]*table{}
	for _, s := range m.Splits {
		for _, sh := range s.Shards {
			tb := readTable(t, filepath.Join(dir, filepath.FromSlash(sh.Path)))
			if int64(tb.Rows) != sh.Rows {
				t.Fatalf("%s: manifest says %d rows, the file holds %d", sh.Path, sh.Rows, tb.Rows)
			}
			out[s.Name] = append(out[s.Name], tb)
		}
	}
	return out
}

// tripSplits maps every output trip_id to its split name, failing on a
// trip_id seen twice.
func tripSplits(t testing.TB, tables map[string][]*table) map[int64]string {
	t.Helper()
	out := map[int64]string{}
	for name, shards := range tables {
		for _, tb := range shards {
			ids := tb.col(t, "trip_id")
			for i := 0; i < tb.Rows; i++ {
				id := ids.I64[i]
				if prev, ok := out[id]; ok {
					t.Fatalf("trip_id %d written twice (splits %s and %s)", id, prev, name)
				}
				out[id] = name
			}
		}
	}
	return out
}
