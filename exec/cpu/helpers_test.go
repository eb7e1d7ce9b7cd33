package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// col is a random test column with its plain Go reference values.
type col struct {
	arr   arrow.Array // possibly a slice with an offset
	valid []bool
	ints  []int64   // int64, timestamp, bool (0/1)
	flts  []float64 // float64
	strs  []string  // string
}

var tsType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
var dictType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// genCol builds n rows of kind k (after off leading rows that are sliced
// away), nulls with probability nullP, values from a small domain of card.
func genCol(mem memory.Allocator, rng *rand.Rand, k kind, n, off int, nullP float64, card int) col {
	total := n + off
	c := col{valid: make([]bool, total)}
	var full arrow.Array
	switch k {
	case kInt, kTime:
		var b array.Builder
		if k == kInt {
			b = array.NewInt64Builder(mem)
		} else {
			b = array.NewTimestampBuilder(mem, tsType)
		}
		for i := 0; i < total; i++ {
			v := rng.Int64N(int64(card)) - int64(card)/3
			c.ints = append(c.ints, v)
			c.valid[i] = rng.Float64() >= nullP
			switch bb := b.(type) {
			case *array.Int64Builder:
				if c.valid[i] {
					bb.Append(v)
				} else {
					bb.AppendNull()
				}
			case *array.TimestampBuilder:
				if c.valid[i] {
					bb.Append(arrow.Timestamp(v))
				} else {
					bb.AppendNull()
				}
			}
		}
		full = b.NewArray()
		b.Release()
	case kFloat:
		b := array.NewFloat64Builder(mem)
		for i := 0; i < total; i++ {
			v := float64(rng.IntN(card)) + 0.25
			if card > 1000 {
				v = rng.NormFloat64()*100 + 1e3
			}
			c.flts = append(c.flts, v)
			c.valid[i] = rng.Float64() >= nullP
			if c.valid[i] {
				b.Append(v)
			} else {
				b.AppendNull()
			}
		}
		full = b.NewArray()
		b.Release()
	case kBool:
		b := array.NewBooleanBuilder(mem)
		for i := 0; i < total; i++ {
			v := rng.IntN(2)
			c.ints = append(c.ints, int64(v))
			c.valid[i] = rng.Float64() >= nullP
			if c.valid[i] {
				b.Append(v == 1)
			} else {
				b.AppendNull()
			}
		}
		full = b.NewArray()
		b.Release()
	case kStr:
		b := array.NewDictionaryBuilder(mem, dictType).(*array.BinaryDictionaryBuilder)
		for i := 0; i < total; i++ {
			v := fmt.Sprintf("s%03d", rng.IntN(card))
			c.strs = append(c.strs, v)
			c.valid[i] = rng.Float64() >= nullP
			if c.valid[i] {
				_ = b.AppendString(v)
			} else {
				b.AppendNull()
			}
		}
		full = b.NewArray()
		b.Release()
	}
	c.arr = array.NewSlice(full, int64(off), int64(total))
	full.Release()
	c.valid = c.valid[off:]
	if c.ints != nil {
		c.ints = c.ints[off:]
	}
	if c.flts != nil {
		c.flts = c.flts[off:]
	}
	if c.strs != nil {
		c.strs = c.strs[off:]
	}
	return c
}

// f returns row i as float64 (ints and floats).
func (c col) f(i int) float64 {
	if c.flts != nil {
		return c.flts[i]
	}
	return float64(c.ints[i])
}

// randSel returns nil or a random ascending selection of rows.
func randSel(rng *rand.Rand, n int) []int32 {
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

func selRows(sel []int32, n int) []int {
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

func relClose(a, b, tol float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

var shapes = []struct{ n, off int }{{0, 0}, {1, 0}, {3, 2}, {1024, 0}, {1024, 7}, {777, 3}}
