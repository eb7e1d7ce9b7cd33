package gather

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkRows gathers 256K rows in random order from 300 batches of 16K
// rows (a shard-write chunk over the cached buckets): 4 int64, 2 int32 and
// 1 float64 column, one of them with nulls. Bytes are the gathered values.
func BenchmarkRows(b *testing.B) {
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(8, 8))
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "b", Type: arrow.PrimitiveTypes.Int64},
		{Name: "c", Type: arrow.PrimitiveTypes.Int64}, {Name: "d", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "e", Type: arrow.PrimitiveTypes.Int32}, {Name: "f", Type: arrow.PrimitiveTypes.Int32},
		{Name: "g", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	const batches, rows, picks = 300, 16 << 10, 256 << 10
	var srcs []arrow.RecordBatch
	for range batches {
		rb := array.NewRecordBuilder(mem, schema)
		for c := range schema.Fields() {
			for i := range rows {
				switch fb := rb.Field(c).(type) {
				case *array.Int64Builder:
					if c == 3 && i%10 == 0 {
						fb.AppendNull()
					} else {
						fb.Append(rng.Int64())
					}
				case *array.Int32Builder:
					fb.Append(rng.Int32())
				case *array.Float64Builder:
					fb.Append(rng.Float64())
				}
			}
		}
		srcs = append(srcs, rb.NewRecordBatch())
		rb.Release()
	}
	bi := make([]int32, picks)
	ri := make([]int32, picks)
	for i := range bi {
		bi[i], ri[i] = int32(rng.IntN(batches)), int32(rng.IntN(rows))
	}
	b.SetBytes(picks * (4*8 + 2*4 + 8))
	for b.Loop() {
		out, err := Rows(schema, srcs, bi, ri, mem)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}
