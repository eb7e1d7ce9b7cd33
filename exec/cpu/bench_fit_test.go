package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// benchQuantiles feeds one long-lived sketch (K 4096, as the engine uses)
// a 64K-row batch per iteration, the fit stage's steady state.
func benchQuantiles(b *testing.B, k kind, card int, withSel bool) {
	rng := rand.New(rand.NewPCG(5, 5))
	c := genCol(memory.DefaultAllocator, rng, k, benchRows, 0, 0.01, card)
	defer c.arr.Release()
	var sel []int32
	if withSel {
		for i := 0; i < benchRows; i++ {
			if rng.IntN(10) < 8 {
				sel = append(sel, int32(i))
			}
		}
	}
	q := NewQuantiles(4096)
	b.SetBytes(benchRows * 8)
	for b.Loop() {
		if err := q.Update(c.arr, sel); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuantilesUpdateFloat(b *testing.B)    { benchQuantiles(b, kFloat, 5000, false) }
func BenchmarkQuantilesUpdateFloatSel(b *testing.B) { benchQuantiles(b, kFloat, 5000, true) }
func BenchmarkQuantilesUpdateInt(b *testing.B)      { benchQuantiles(b, kInt, 900, false) }

// BenchmarkQuantilesMerge merges 8 partials of 16 batches each.
func BenchmarkQuantilesMerge(b *testing.B) {
	rng := rand.New(rand.NewPCG(6, 6))
	c := genCol(memory.DefaultAllocator, rng, kFloat, benchRows, 0, 0, 5000)
	defer c.arr.Release()
	parts := make([]*Quantiles, 8)
	for i := range parts {
		parts[i] = NewQuantiles(4096)
		for j := 0; j < 16; j++ {
			if err := parts[i].Update(c.arr, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.SetBytes(int64(len(parts)) * int64(parts[0].Samples()) * 8)
	for b.Loop() {
		q := NewQuantiles(4096)
		for _, p := range parts {
			q.Merge(p)
		}
	}
}

func benchValueCounts(b *testing.B, k kind, card int, nullP float64) {
	c := genCol(memory.DefaultAllocator, rand.New(rand.NewPCG(7, 7)), k, benchRows, 0, nullP, card)
	defer c.arr.Release()
	var v ValueCounts
	b.SetBytes(benchRows * 8)
	for b.Loop() {
		if err := v.Update(c.arr, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValueCountsInt64(b *testing.B)       { benchValueCounts(b, kInt, 900, 0) }
func BenchmarkValueCountsInt64Nulls(b *testing.B)  { benchValueCounts(b, kInt, 900, 0.05) }
func BenchmarkValueCountsInt64Unique(b *testing.B) { benchValueCounts(b, kInt, 1<<40, 0) }
func BenchmarkValueCountsFloat64(b *testing.B)     { benchValueCounts(b, kFloat, 900, 0) }
func BenchmarkValueCountsDict(b *testing.B)        { benchValueCounts(b, kStr, 40, 0) }
func BenchmarkValueCountsDictNulls(b *testing.B)   { benchValueCounts(b, kStr, 40, 0.05) }

// benchTake gathers a 2M-row batch of fixed-width columns through a random
// permutation, 64K rows per Take, as the shard writer does.
func benchTake(b *testing.B, withNulls bool) {
	const rows = 2 << 20
	const chunk = 64 << 10
	mem := memory.DefaultAllocator
	rng := rand.New(rand.NewPCG(8, 8))
	fields := []arrow.Field{
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "f32a", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "f32b", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}
	var arrs []arrow.Array
	valid := make([]bool, rows)
	for i := range valid {
		valid[i] = !withNulls || rng.IntN(20) > 0
	}
	ib := array.NewInt64Builder(mem)
	fb := array.NewFloat64Builder(mem)
	for i := 0; i < rows; i++ {
		ib.Append(rng.Int64())
		fb.Append(rng.Float64())
	}
	arrs = append(arrs, ib.NewArray(), fb.NewArray())
	ib.Release()
	fb.Release()
	for j := 0; j < 2; j++ {
		b32 := array.NewFloat32Builder(mem)
		for i := 0; i < rows; i++ {
			b32.Append(rng.Float32())
		}
		arrs = append(arrs, b32.NewArray())
		b32.Release()
	}
	i32 := array.NewInt32Builder(mem)
	i32.AppendValues(make([]int32, rows), valid)
	arrs = append(arrs, i32.NewArray())
	i32.Release()
	if withNulls {
		fb := array.NewFloat64Builder(mem)
		vals := make([]float64, rows)
		fb.AppendValues(vals, valid)
		arrs[1].Release()
		arrs[1] = fb.NewArray()
		fb.Release()
	}
	rb := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, rows)
	releaseAll(arrs)
	defer rb.Release()
	perm := make([]int32, rows)
	for i, p := range rng.Perm(rows) {
		perm[i] = int32(p)
	}
	b.SetBytes(rows * (8 + 8 + 4 + 4 + 4))
	for b.Loop() {
		for lo := 0; lo < rows; lo += chunk {
			out, err := Take(rb, perm[lo:lo+chunk], mem)
			if err != nil {
				b.Fatal(err)
			}
			out.Release()
		}
	}
}

func BenchmarkTake2M(b *testing.B)      { benchTake(b, false) }
func BenchmarkTake2MNulls(b *testing.B) { benchTake(b, true) }

// BenchmarkValueCountsStations counts 900 station ids drawn from 72..4000
// with a skewed (squared-uniform) popularity, like the reference job.
func BenchmarkValueCountsStations(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	ids := rng.Perm(4000 - 72 + 1)[:900]
	bld := array.NewInt64Builder(memory.DefaultAllocator)
	for i := 0; i < benchRows; i++ {
		u := rng.Float64()
		bld.Append(int64(72 + ids[int(u*u*900)]))
	}
	a := bld.NewArray()
	bld.Release()
	defer a.Release()
	var v ValueCounts
	b.SetBytes(benchRows * 8)
	for b.Loop() {
		if err := v.Update(a, nil); err != nil {
			b.Fatal(err)
		}
	}
}
