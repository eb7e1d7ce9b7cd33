package sink

import (
	"fmt"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
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
