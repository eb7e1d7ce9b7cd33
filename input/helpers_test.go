package input

import (
	"context"
	"github.com/sluice-ml/sluice/internal/arrowtest"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluice-ml/sluice/input/canonical"
	"github.com/sluice-ml/sluice/input/prune"
)

// scan is what a task read returns: rows as values, and per batch its
// first row and length.
type scan struct {
	rows   [][]any
	firsts []int64
	sizes  []int
	stats  prune.Stats
}

func readTask(t *testing.T, d *Dataset, task Task, opt ReadOptions, mem memory.Allocator) scan {
	t.Helper()
	r, err := d.Read(context.Background(), task, opt, mem)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	defer r.Close()
	var s scan
	for {
		b, first, err := r.Next()
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if b == nil {
			break
		}
		want := d.Schema
		if opt.Columns != nil {
			cols, _ := d.projection(opt.Columns)
			want = canonical.Project(d.Schema, cols)
		}
		if !b.Schema().Equal(want) {
			t.Fatalf("batch schema %s, want %s", b.Schema(), want)
		}
		s.firsts = append(s.firsts, first)
		s.sizes = append(s.sizes, int(b.NumRows()))
		for i := 0; i < int(b.NumRows()); i++ {
			row := make([]any, b.NumCols())
			for c := range row {
				row[c] = arrowtest.Cell(t, b.Column(c), i)
			}
			s.rows = append(s.rows, row)
		}
	}
	s.stats = Stats(r)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return s
}

// readAll reads every task of d in order.
func readAll(t *testing.T, d *Dataset, opt ReadOptions, mem memory.Allocator) [][]any {
	t.Helper()
	var rows [][]any
	for _, task := range d.Tasks {
		rows = append(rows, readTask(t, d, task, opt, mem).rows...)
	}
	return rows
}

// writeParquet writes rec to path with row groups of rgRows rows.
func writeParquet(t testing.TB, path string, rec arrow.RecordBatch, rgRows int64, props ...parquet.WriterProperty) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	props = append(props, parquet.WithMaxRowGroupLength(rgRows))
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, parquet.NewWriterProperties(props...), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeArrowFile writes recs as an Arrow IPC file.
func writeArrowFile(t testing.TB, path string, recs ...arrow.RecordBatch) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(recs[0].Schema()))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeText(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// int64Rec builds a one-or-more-column record of int64/float64/string
// columns from Go slices (nil entries of []any become nulls).
func buildRec(t *testing.T, mem memory.Allocator, fields []arrow.Field, cols ...[]any) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	defer b.Release()
	for c, vals := range cols {
		fb := b.Field(c)
		for _, v := range vals {
			if v == nil {
				fb.AppendNull()
				continue
			}
			switch fb := fb.(type) {
			case *array.Int64Builder:
				fb.Append(int64(v.(int)))
			case *array.Int32Builder:
				fb.Append(int32(v.(int)))
			case *array.Int8Builder:
				fb.Append(int8(v.(int)))
			case *array.Uint16Builder:
				fb.Append(uint16(v.(int)))
			case *array.Float32Builder:
				fb.Append(float32(v.(float64)))
			case *array.Float64Builder:
				fb.Append(v.(float64))
			case *array.BooleanBuilder:
				fb.Append(v.(bool))
			case *array.StringBuilder:
				fb.Append(v.(string))
			case *array.LargeStringBuilder:
				fb.Append(v.(string))
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(v.(int)))
			case *array.Date32Builder:
				fb.Append(arrow.Date32(v.(int)))
			case *array.BinaryDictionaryBuilder:
				if err := fb.AppendString(v.(string)); err != nil {
					t.Fatal(err)
				}
			default:
				t.Fatalf("buildRec: no case for %T", fb)
			}
		}
	}
	return b.NewRecordBatch()
}
