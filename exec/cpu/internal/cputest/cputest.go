package cputest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
)

// Col is a random test column with its plain Go reference values.
type Col struct {
	Arr   arrow.Array // possibly a slice with an offset
	Valid []bool
	Ints  []int64   // int64, timestamp, bool (0/1)
	Flts  []float64 // float64
	Strs  []string  // string
}

// TSType and DictType are the canonical timestamp and string types.
var TSType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
var DictType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// GenCol builds n rows of kind k (after off leading rows that are sliced
// away), nulls with probability nullP, values from a small domain of card.
func GenCol(mem memory.Allocator, rng *rand.Rand, k column.Type, n, off int, nullP float64, card int) Col {
	total := n + off
	c := Col{Valid: make([]bool, total)}
	var full arrow.Array
	switch k {
	case column.TInt, column.TTime:
		var b array.Builder
		if k == column.TInt {
			b = array.NewInt64Builder(mem)
		} else {
			b = array.NewTimestampBuilder(mem, TSType)
		}
		for i := 0; i < total; i++ {
			v := rng.Int64N(int64(card)) - int64(card)/3
			c.Ints = append(c.Ints, v)
			c.Valid[i] = rng.Float64() >= nullP
			switch bb := b.(type) {
			case *array.Int64Builder:
				if c.Valid[i] {
					bb.Append(v)
				} else {
					bb.AppendNull()
				}
			case *array.TimestampBuilder:
				if c.Valid[i] {
					bb.Append(arrow.Timestamp(v))
				} else {
					bb.AppendNull()
				}
			}
		}
		full = b.NewArray()
		b.Release()
	case column.TFloat:
		b := array.NewFloat64Builder(mem)
		for i := 0; i < total; i++ {
			v := float64(rng.IntN(card)) + 0.25
			if card > 1000 {
				v = rng.NormFloat64()*100 + 1e3
			}
			c.Flts = append(c.Flts, v)
			c.Valid[i] = rng.Float64() >= nullP
			if c.Valid[i] {
				b.Append(v)
			} else {
				b.AppendNull()
			}
		}
		full = b.NewArray()
		b.Release()
	case column.TBool:
		b := array.NewBooleanBuilder(mem)
		for i := 0; i < total; i++ {
			v := rng.IntN(2)
			c.Ints = append(c.Ints, int64(v))
			c.Valid[i] = rng.Float64() >= nullP
			if c.Valid[i] {
				b.Append(v == 1)
			} else {
				b.AppendNull()
			}
		}
		full = b.NewArray()
		b.Release()
	case column.TStr:
		b := array.NewDictionaryBuilder(mem, DictType).(*array.BinaryDictionaryBuilder)
		for i := 0; i < total; i++ {
			v := fmt.Sprintf("s%03d", rng.IntN(card))
			c.Strs = append(c.Strs, v)
			c.Valid[i] = rng.Float64() >= nullP
			if c.Valid[i] {
				_ = b.AppendString(v)
			} else {
				b.AppendNull()
			}
		}
		full = b.NewArray()
		b.Release()
	}
	c.Arr = array.NewSlice(full, int64(off), int64(total))
	full.Release()
	c.Valid = c.Valid[off:]
	if c.Ints != nil {
		c.Ints = c.Ints[off:]
	}
	if c.Flts != nil {
		c.Flts = c.Flts[off:]
	}
	if c.Strs != nil {
		c.Strs = c.Strs[off:]
	}
	return c
}

// F returns row i as float64 (ints and floats).
func (c Col) F(i int) float64 {
	if c.Flts != nil {
		return c.Flts[i]
	}
	return float64(c.Ints[i])
}

// RandSel returns nil or a random ascending selection of rows.
func RandSel(rng *rand.Rand, n int) []int32 {
	if rng.IntN(2) == 0 {
		return nil
	}
	var sel []int32
	for i := 0; i < n; i++ {
		if rng.IntN(3) > 0 {
			sel = append(sel, int32(i))
		}
	}
	if sel == nil {
		sel = []int32{}
	}
	return sel
}

func SelRows(sel []int32, n int) []int {
	var rows []int
	if sel == nil {
		for i := 0; i < n; i++ {
			rows = append(rows, i)
		}
		return rows
	}
	for _, i := range sel {
		rows = append(rows, int(i))
	}
	return rows
}

func RelClose(a, b, tol float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// BatchSchema is the schema of GenBatch: keys and values of every type.
var BatchSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k_int", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "k_str", Type: DictType, Nullable: true},
	{Name: "k_bool", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "v_int", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "v_flt", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "v_ts", Type: TSType, Nullable: true},
	{Name: "v_str", Type: DictType, Nullable: true},
}, nil)

// BatchTypes are the column types of BatchSchema.
var BatchTypes = []column.Type{column.TInt, column.TStr, column.TBool, column.TInt, column.TFloat, column.TTime, column.TStr}

// Batch is a record batch with its columns' reference values.
type Batch struct {
	RB   arrow.RecordBatch
	Cols []Col
}

// GenBatch makes n random rows of BatchSchema.
func GenBatch(mem memory.Allocator, rng *rand.Rand, n int) Batch {
	var b Batch
	cards := []int{40, 12, 2, 100, 5000, 30, 9}
	arrs := make([]arrow.Array, len(BatchTypes))
	for i, k := range BatchTypes {
		c := GenCol(mem, rng, k, n, rng.IntN(4), 0.15, cards[i])
		b.Cols = append(b.Cols, c)
		arrs[i] = c.Arr
	}
	b.RB = array.NewRecordBatch(BatchSchema, arrs, int64(n))
	column.ReleaseAll(arrs)
	return b
}

// CellOf reads row i of a canonical column as a plain Go value (nil = null).
func CellOf(c Col, i int) any {
	if !c.Valid[i] {
		return nil
	}
	switch {
	case c.Strs != nil:
		return c.Strs[i]
	case c.Flts != nil:
		return c.Flts[i]
	}
	return c.Ints[i]
}

// CellArr reads row i of an output array the same way.
func CellArr(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch x := a.(type) {
	case *array.Int64:
		return x.Value(i)
	case *array.Timestamp:
		return int64(x.Value(i))
	case *array.Float64:
		return x.Value(i)
	case *array.Boolean:
		return column.B2I(x.Value(i))
	case *array.Dictionary:
		return x.Dictionary().(*array.String).Value(x.GetValueIndex(i))
	}
	panic("unexpected type " + a.DataType().String())
}
