package shuffle

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// concatSpans gives what slicing the spans and array.Concatenate give
// (the oracle), for every type it copies directly, with and without nulls
// and over arrays with an offset; other types are left to the caller.
func TestConcatSpansMatchesConcatenate(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(3, 4))
	build := func(dt arrow.DataType, n int, nullP float64) arrow.Array {
		b := array.NewBuilder(mem, dt)
		defer b.Release()
		for i := 0; i < n; i++ {
			if rng.Float64() < nullP {
				b.AppendNull()
				continue
			}
			switch b := b.(type) {
			case *array.Int64Builder:
				b.Append(rng.Int64())
			case *array.Int32Builder:
				b.Append(rng.Int32())
			case *array.Float64Builder:
				b.Append(rng.NormFloat64())
			case *array.BooleanBuilder:
				b.Append(rng.IntN(2) == 0)
			case *array.StringBuilder:
				b.Append(fmt.Sprint("s", rng.IntN(1000)))
			case *array.BinaryBuilder:
				b.Append([]byte(fmt.Sprint("b", rng.IntN(50))))
			case *array.TimestampBuilder:
				b.Append(arrow.Timestamp(rng.Int64N(1 << 50)))
			case *array.FixedSizeBinaryBuilder:
				b.Append([]byte{byte(i), byte(i >> 8), 7})
			case *array.LargeStringBuilder:
				b.Append(fmt.Sprint("l", i))
			}
		}
		a := b.NewArray()
		defer a.Release()
		return array.NewSlice(a, 3, int64(n)) // an offset into its buffers
	}
	types := []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Float64,
		arrow.FixedWidthTypes.Boolean, arrow.BinaryTypes.String, arrow.BinaryTypes.Binary,
		&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, &arrow.FixedSizeBinaryType{ByteWidth: 3}}
	for _, dt := range types {
		for _, nullP := range []float64{0, 0.2} {
			var srcs []arrow.Array
			var spans []span
			var parts []arrow.Array
			rows := 0
			for k := 0; k < 5; k++ {
				a := build(dt, 50+rng.IntN(200), nullP)
				srcs = append(srcs, a)
				for m := 0; m < 3; m++ {
					off := rng.IntN(a.Len())
					n := 1 + rng.IntN(a.Len()-off)
					spans = append(spans, span{a, off, n})
					parts = append(parts, array.NewSlice(a, int64(off), int64(off+n)))
					rows += n
				}
			}
			got := concatSpans(spans, rows, mem)
			want, err := array.Concatenate(parts, mem)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatalf("%s: not copied directly", dt)
			}
			if !array.Equal(got, want) || got.NullN() != want.NullN() || got.Len() != rows {
				t.Fatalf("%s nulls %.1f: concatSpans differs from Concatenate (%d rows, %d nulls; want %d nulls)", dt, nullP, got.Len(), got.NullN(), want.NullN())
			}
			for _, a := range append(append(srcs, parts...), got, want) {
				a.Release()
			}
		}
	}
	ls := build(arrow.BinaryTypes.LargeString, 20, 0)
	defer ls.Release()
	if got := concatSpans([]span{{ls, 0, 5}}, 5, mem); got != nil {
		got.Release()
		t.Fatal("large_utf8 copied directly; want it left to the caller")
	}
}
