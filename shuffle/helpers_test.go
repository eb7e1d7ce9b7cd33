package shuffle

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// testSchema has the engine's canonical column types plus a plain string.
func testSchema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "s", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
}

// genBatch builds n rows with ids starting at id. Dictionary entries are
// drawn from a vocabulary shifted by variant, so batches with different
// variants carry different dictionaries. About a tenth of nullable values
// are null.
func genBatch(mem memory.Allocator, rng *rand.Rand, n int, id int64, variant int) arrow.RecordBatch {
	sc := testSchema()
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	ids := b.Field(0).(*array.Int64Builder)
	xs := b.Field(1).(*array.Float64Builder)
	bs := b.Field(2).(*array.BooleanBuilder)
	ts := b.Field(3).(*array.TimestampBuilder)
	ss := b.Field(4).(*array.BinaryDictionaryBuilder)
	names := b.Field(5).(*array.StringBuilder)
	for i := 0; i < n; i++ {
		ids.Append(id + int64(i))
		null := func() bool { return rng.IntN(10) == 0 }
		if null() {
			xs.AppendNull()
		} else {
			xs.Append(rng.NormFloat64())
		}
		if null() {
			bs.AppendNull()
		} else {
			bs.Append(rng.IntN(2) == 0)
		}
		if null() {
			ts.AppendNull()
		} else {
			ts.Append(arrow.Timestamp(rng.Int64N(1 << 50)))
		}
		if null() {
			ss.AppendNull()
		} else if err := ss.AppendString(fmt.Sprintf("station-%d", variant*7+rng.IntN(20))); err != nil {
			panic(err)
		}
		if null() {
			names.AppendNull()
		} else {
			names.Append(fmt.Sprintf("n%d", rng.IntN(1000)))
		}
	}
	return b.NewRecordBatch()
}

// rowStrings is the reference view of rec: one string per value, nulls
// as "<null>", dictionary values resolved.
func rowStrings(rec arrow.RecordBatch) [][]string {
	rows := make([][]string, rec.NumRows())
	for i := range rows {
		row := make([]string, rec.NumCols())
		for c, col := range rec.Columns() {
			if col.IsNull(i) {
				row[c] = "<null>"
			} else {
				row[c] = col.ValueStr(i)
			}
		}
		rows[i] = row
	}
	return rows
}

// readAll returns the rows of partition p and checks every dictionary
// column holds only entries its batch uses, or is the reader's file
// dictionary.
func readAll(t testing.TB, r *Reader, p int) [][]string {
	t.Helper()
	it, err := r.Partition(p)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var rows [][]string
	for {
		b, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			return rows
		}
		if !b.Schema().Equal(r.Schema()) {
			t.Fatalf("batch schema %s, want %s", b.Schema(), r.Schema())
		}
		for c, col := range b.Columns() {
			d, ok := col.(*array.Dictionary)
			switch {
			case !ok:
			case r.dicts != nil && r.dicts[c] != nil && d.Data().Dictionary() == arrow.ArrayData(r.dicts[c]):
				checkDictDistinct(t, d, b.Schema().Field(c).Name)
			default:
				checkDictUsed(t, d, b.Schema().Field(c).Name)
			}
		}
		rows = append(rows, rowStrings(b)...)
	}
}

func checkDictUsed(t testing.TB, d *array.Dictionary, name string) {
	t.Helper()
	used := make([]bool, d.Dictionary().Len())
	for i := 0; i < d.Len(); i++ {
		if d.IsValid(i) {
			used[d.GetValueIndex(i)] = true
		}
	}
	for k, u := range used {
		if !u {
			t.Fatalf("column %s: dictionary entry %d (%s) unused by the batch's %d rows", name, k, d.Dictionary().ValueStr(k), d.Len())
		}
	}
}

// checkDictDistinct checks that a file dictionary holds distinct values.
func checkDictDistinct(t testing.TB, d *array.Dictionary, name string) {
	t.Helper()
	vals := d.Dictionary().(*array.String)
	seen := map[string]bool{}
	for k := 0; k < vals.Len(); k++ {
		if seen[vals.Value(k)] {
			t.Fatalf("column %s: file dictionary holds %q twice", name, vals.Value(k))
		}
		seen[vals.Value(k)] = true
	}
}

func equalRows(t testing.TB, what string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range got {
		for c := range got[i] {
			if got[i][c] != want[i][c] {
				t.Fatalf("%s: row %d column %d = %q, want %q", what, i, c, got[i][c], want[i][c])
			}
		}
	}
}

// writeOutput writes batches 0..n-1 (batch i: rows(i) rows, ids from
// i*idStep, dictionary variant i) to partition i%parts of an output at
// path and returns each partition's rows in write order.
func writeOutput(t testing.TB, mem memory.Allocator, rng *rand.Rand, path string, opt WriterOptions, n int, rows func(i int) int, idStep int64) [][][]string {
	t.Helper()
	w, err := NewWriter(path, testSchema(), opt, mem)
	if err != nil {
		t.Fatal(err)
	}
	want := make([][][]string, opt.Partitions)
	for i := 0; i < n; i++ {
		b := genBatch(mem, rng, rows(i), int64(i)*idStep, i)
		p := i % opt.Partitions
		want[p] = append(want[p], rowStrings(b)...)
		if err := w.Write(p, b); err != nil {
			t.Fatal(err)
		}
		b.Release()
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return want
}
