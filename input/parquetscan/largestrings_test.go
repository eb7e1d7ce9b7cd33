package parquetscan

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluice-ml/sluice/internal/arrowtest"
)

// largeStringFile writes a Parquet file of a large string column, a string
// column and an int64 column, the Arrow schema stored in its footer, in
// row groups of 4 rows.
func largeStringFile(t *testing.T, props ...parquet.WriterProperty) (string, [][]any) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	large := []any{"JFK", "LAX", nil, "JFK", "", "SFO", "LAX", "ORD", nil, "JFK"}
	small := []any{"a", nil, "b", "a", "c", "c", "", "a", "b", "d"}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ls", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	lb := array.NewLargeStringBuilder(mem)
	sb := array.NewStringBuilder(mem)
	nb := array.NewInt64Builder(mem)
	want := make([][]any, len(large))
	for i := range large {
		if v, ok := large[i].(string); ok {
			lb.Append(v)
		} else {
			lb.AppendNull()
		}
		if v, ok := small[i].(string); ok {
			sb.Append(v)
		} else {
			sb.AppendNull()
		}
		nb.Append(int64(i))
		want[i] = []any{large[i], small[i], int64(i)}
	}
	cols := []arrow.Array{lb.NewArray(), sb.NewArray(), nb.NewArray()}
	lb.Release()
	sb.Release()
	nb.Release()
	rec := array.NewRecordBatch(schema, cols, int64(len(large)))
	for _, c := range cols {
		c.Release()
	}
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "large.parquet")
	writeStored(t, path, schema, rec, append(props, parquet.WithMaxRowGroupLength(4))...)
	return path, want
}

// writeStored writes rec (nil: no rows) of schema to a Parquet file at
// path, the Arrow schema stored in its footer.
func writeStored(tb testing.TB, path string, schema *arrow.Schema, rec arrow.RecordBatch, props ...parquet.WriterProperty) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(props...), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		tb.Fatal(err)
	}
	if rec != nil {
		if err := w.Write(rec); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
}

// TestLargeStringsReadAsDictionaries reads a file whose stored Arrow schema
// says large_utf8: the column is read through its Parquet dictionary (the
// manifest says dictionary, as for the utf8 column), and every value, null
// and empty string comes back as written — dictionary-encoded pages, and
// pages that fell back to plain encoding.
func TestLargeStringsReadAsDictionaries(t *testing.T) {
	for _, c := range []struct {
		name  string
		props []parquet.WriterProperty
	}{
		{"dictionary pages", nil},
		{"plain pages", []parquet.WriterProperty{parquet.WithDictionaryDefault(false)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path, want := largeStringFile(t, c.props...)
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			p, err := openParquetFile(path, pqarrow.ArrowReadProperties{}, mem)
			if err != nil {
				t.Fatal(err)
			}
			for i, name := range []string{"ls", "s"} {
				if got := p.fr.Manifest.Fields[i].Field.Type; got.ID() != arrow.DICTIONARY {
					t.Errorf("column %s is read as %s, want a dictionary", name, got)
				}
			}
			p.close()

			schema, rows, groups, err := Describe(path)
			if err != nil {
				t.Fatal(err)
			}
			if rows != int64(len(want)) || len(groups) != 3 {
				t.Fatalf("Describe: %d rows in %d row groups", rows, len(groups))
			}
			r, err := NewReader(context.Background(), path, schema, []int{0, 1, 2}, []int{0, 1, 2}, nil, 3, mem)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var got [][]any
			for {
				b, _, err := r.Next()
				if err != nil {
					t.Fatal(err)
				}
				if b == nil {
					break
				}
				for i := 0; i < int(b.NumRows()); i++ {
					row := make([]any, b.NumCols())
					for c := range row {
						row[c] = arrowtest.Cell(t, b.Column(c), i)
					}
					got = append(got, row)
				}
			}
			arrowtest.SameRows(t, got, want)
		})
	}
}

// TestStoredSchemaWithoutLargeStrings: a stored schema with no large
// string column keeps arrow-go's manifest.
func TestStoredSchemaWithoutLargeStrings(t *testing.T) {
	path, _ := largeStringFile(t)
	p, err := openParquetFile(path, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	m, err := largeStringsAsDicts(p.pf, &p.fr.Props)
	if err != nil || m == nil {
		t.Fatalf("a large string column: manifest %v, error %v", m, err)
	}
	short := filepath.Join(t.TempDir(), "short.parquet")
	writeStored(t, short, arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil), nil)
	q, err := openParquetFile(short, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	defer q.close()
	if m, err := largeStringsAsDicts(q.pf, &q.fr.Props); m != nil || err != nil {
		t.Fatalf("no large string column: manifest %v, error %v", m, err)
	}
}
