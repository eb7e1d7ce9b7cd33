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

// BenchmarkIntColumnChunks profiles 16 chunks of 256K rows (a shard-write
// task's chunks) into one column: "duration" is trip durations in
// seconds (60 s to a day, log-normal), "year" birth years (66 values),
// "id" unique ids spread over 40M (counted row by row).
func BenchmarkIntColumnChunks(b *testing.B) {
	const chunks, rows = 16, 256 << 10
	gens := map[string]func(r *rand.Rand, i int) int64{
		"duration": func(r *rand.Rand, _ int) int64 {
			return min(86399, 60+int64(math.Exp(6+r.NormFloat64())))
		},
		"year": func(r *rand.Rand, _ int) int64 { return 1940 + r.Int64N(66) },
		"id":   func(r *rand.Rand, i int) int64 { return int64(i)*151 + r.Int64N(151) },
	}
	for _, name := range []string{"duration", "year", "id"} {
		r := rand.New(rand.NewPCG(7, 8))
		var cols []arrow.Array
		for k := range chunks {
			ib := array.NewInt64Builder(memory.DefaultAllocator)
			for i := range rows {
				ib.Append(gens[name](r, (i*chunks+k)%(chunks*rows)))
			}
			cols = append(cols, ib.NewArray())
			ib.Release()
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(chunks * rows * 8)
			for b.Loop() {
				c := NewColumn(ColumnSpec{Name: name}, arrow.PrimitiveTypes.Int64)
				for _, col := range cols {
					if err := c.Update(col); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
