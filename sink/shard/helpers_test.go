package shard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// row is the oracle: what one output row holds, in plain Go values.
type row struct {
	F     float32
	ID    int32
	Key   *int64
	TS    int64 // microseconds
	Label *string
	Flag  bool
}

var dictType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

func testSchema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "f", Type: arrow.PrimitiveTypes.Float32},
		{Name: "id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "key", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "label", Type: dictType, Nullable: true},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean},
	}, nil)
}

// makeBatch builds batch number b of n rows. Each batch has its own
// dictionary for "label" (different words, order and size), with unused
// entries and null labels, so dictionaries change between batches.
func makeBatch(t *testing.T, mem memory.Allocator, b, n int) (arrow.RecordBatch, []row) {
	t.Helper()
	words := []string{"alpha", "beta", "gamma", "delta", "", "epsilon", "zeta"}
	dictN := 3 + b%4
	dict := make([]string, dictN)
	for i := range dict {
		dict[i] = fmt.Sprintf("%s-%d", words[(i*3+b)%len(words)], (b+i)%3)
	}
	rows := make([]row, n)
	fb := array.NewFloat32Builder(mem)
	ib := array.NewInt32Builder(mem)
	kb := array.NewInt64Builder(mem)
	tb := array.NewTimestampBuilder(mem, testSchema().Field(3).Type.(*arrow.TimestampType))
	idxb := array.NewInt32Builder(mem)
	bb := array.NewBooleanBuilder(mem)
	for i := range n {
		g := b*1000 + i
		r := row{F: float32(g)*0.25 - 7, ID: int32(g * 7), TS: 1_600_000_000_000_000 + int64(g)*1_000_003, Flag: g%3 == 0}
		if g%5 == 2 {
			r.F = float32(math.Inf(1))
		}
		fb.Append(r.F)
		ib.Append(r.ID)
		if g%4 != 1 {
			k := int64(g) * -123456789
			r.Key = &k
			kb.Append(k)
		} else {
			kb.AppendNull()
		}
		tb.Append(arrow.Timestamp(r.TS))
		if g%6 != 5 {
			j := (g * 5) % (dictN - 1) // the last entry is never used
			s := dict[j]
			r.Label = &s
			idxb.Append(int32(j))
		} else {
			idxb.AppendNull()
		}
		bb.Append(r.Flag)
		rows[i] = r
	}
	sb := array.NewStringBuilder(mem)
	sb.AppendValues(dict, nil)
	dictArr := sb.NewArray()
	idx := idxb.NewArray()
	lab := array.NewDictionaryArray(dictType, idx, dictArr)
	dictArr.Release()
	idx.Release()
	cols := []arrow.Array{fb.NewArray(), ib.NewArray(), kb.NewArray(), tb.NewArray(), lab, bb.NewArray()}
	for _, bl := range []interface{ Release() }{fb, ib, kb, tb, idxb, bb, sb} {
		bl.Release()
	}
	rec := array.NewRecordBatch(testSchema(), cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec, rows
}

// readRows converts columns read back from a file into oracle rows, by
// column name, whatever the physical string type (utf8 or dictionary).
func readRows(t *testing.T, schema *arrow.Schema, cols []arrow.Array) []row {
	t.Helper()
	n := cols[0].Len()
	rows := make([]row, n)
	for ci, f := range schema.Fields() {
		c := cols[ci]
		for i := range n {
			r := &rows[i]
			switch f.Name {
			case "f":
				r.F = c.(*array.Float32).Value(i)
			case "id":
				r.ID = c.(*array.Int32).Value(i)
			case "key":
				if c.IsValid(i) {
					v := c.(*array.Int64).Value(i)
					r.Key = &v
				}
			case "ts":
				r.TS = int64(c.(*array.Timestamp).Value(i))
			case "label":
				if c.IsValid(i) {
					s := stringAt(t, c, i)
					r.Label = &s
				}
			case "flag":
				r.Flag = c.(*array.Boolean).Value(i)
			default:
				t.Fatalf("unexpected column %q", f.Name)
			}
		}
	}
	return rows
}

func stringAt(t *testing.T, c arrow.Array, i int) string {
	switch a := c.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Dictionary:
		return stringAt(t, a.Dictionary(), a.GetValueIndex(i))
	}
	t.Fatalf("string column has type %s", c.DataType())
	return ""
}

func equalRows(t *testing.T, got, want []row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.F != w.F || g.ID != w.ID || g.TS != w.TS || g.Flag != w.Flag ||
			!eqPtr(g.Key, w.Key) || !eqPtr(g.Label, w.Label) {
			t.Fatalf("row %d: got %s, want %s", i, fmtRow(g), fmtRow(w))
		}
	}
}

func eqPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func fmtRow(r row) string {
	k, l := "null", "null"
	if r.Key != nil {
		k = fmt.Sprint(*r.Key)
	}
	if r.Label != nil {
		l = fmt.Sprintf("%q", *r.Label)
	}
	return fmt.Sprintf("{f=%v id=%d key=%s ts=%d label=%s flag=%v}", r.F, r.ID, k, r.TS, l, r.Flag)
}

// readArrowFile reads an IPC file with arrow-go's reader.
func readArrowFile(t *testing.T, mem memory.Allocator, path string) (*arrow.Schema, []row) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rows []row
	for i := range r.NumRecords() {
		rec, err := r.RecordBatchAt(i)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, readRows(t, rec.Schema(), rec.Columns())...)
		rec.Release()
	}
	return r.Schema(), rows
}

// readParquetFile reads a Parquet file with pqarrow.
func readParquetFile(t *testing.T, mem memory.Allocator, path string) (*arrow.Schema, []row) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tbl, err := pqarrow.ReadTable(context.Background(), f, parquet.NewReaderProperties(mem), pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	tr := array.NewTableReader(tbl, 1000)
	defer tr.Release()
	var rows []row
	for tr.Next() {
		rec := tr.RecordBatch()
		rows = append(rows, readRows(t, rec.Schema(), rec.Columns())...)
	}
	return tbl.Schema(), rows
}

// hashFile re-reads a file: its size and hex sha256.
func hashFile(name string) (int64, string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return 0, "", err
	}
	sum := sha256.Sum256(b)
	return int64(len(b)), hex.EncodeToString(sum[:]), nil
}
