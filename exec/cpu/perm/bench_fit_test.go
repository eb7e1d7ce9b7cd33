package perm

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
)

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
	column.ReleaseAll(arrs)
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

func BenchmarkTake2M(b *testing.B) { benchTake(b, false) }

func BenchmarkTake2MNulls(b *testing.B) { benchTake(b, true) }
