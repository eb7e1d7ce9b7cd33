package profile

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// benchColumns are n rows of every profiled type with about 10 % nulls,
// few distinct values, and the float edge cases (±0, NaN payloads, ±Inf).
func benchColumns(n int, seed uint64) []arrow.Array {
	r := rand.New(rand.NewPCG(seed, 1))
	mem := memory.NewGoAllocator()
	ib := array.NewInt64Builder(mem)
	fb := array.NewFloat64Builder(mem)
	bb := array.NewBooleanBuilder(mem)
	sb := array.NewStringBuilder(mem)
	tb := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond})
	floats := []float64{0, math.Copysign(0, -1), math.NaN(), math.Float64frombits(0x7ff8000000000001), math.Inf(1), math.Inf(-1), 1.5, -2.25, 1e300}
	for i := 0; i < n; i++ {
		if r.IntN(10) == 0 {
			ib.AppendNull()
			fb.AppendNull()
			bb.AppendNull()
			sb.AppendNull()
			tb.AppendNull()
			continue
		}
		ib.Append(int64(r.IntN(50)) - 25)
		if r.IntN(2) == 0 {
			fb.Append(floats[r.IntN(len(floats))])
		} else {
			fb.Append(float64(r.IntN(40)) / 8)
		}
		bb.Append(r.IntN(3) == 0)
		sb.Append("v" + strconv.Itoa(r.IntN(30)))
		tb.Append(arrow.Timestamp(r.Int64N(1000) * 1_000_000))
	}
	return []arrow.Array{ib.NewArray(), fb.NewArray(), bb.NewArray(), sb.NewArray(), tb.NewArray()}
}

// BenchmarkColumnUpdate profiles 64k rows of every column type, each
// column categorical (top values kept).
func BenchmarkColumnUpdate(b *testing.B) {
	cols := benchColumns(1<<16, 3)
	b.ResetTimer()
	for range b.N {
		for _, col := range cols {
			c := NewColumn(ColumnSpec{Name: "x", Categorical: true}, col.DataType())
			if err := c.Update(col); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkIntColumnUpdate profiles 64k rows of station-id-like int64
// values (900 distinct), categorical.
func BenchmarkIntColumnUpdate(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	ib := array.NewInt64Builder(memory.DefaultAllocator)
	for range 1 << 16 {
		ib.Append(72 + r.Int64N(900))
	}
	col := ib.NewArray()
	b.ResetTimer()
	for range b.N {
		c := NewColumn(ColumnSpec{Name: "x", Categorical: true}, col.DataType())
		if err := c.Update(col); err != nil {
			b.Fatal(err)
		}
	}
}
