package profile

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// eachIntCount gives every distinct valid value once with the count a
// plain per-row tally gives, on the table path (narrow ranges, negative
// values) and the map path (wide ranges, the int64 extremes), with and
// without nulls.
func TestEachIntCountMatchesTally(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	gens := map[string]func() int64{
		"codes":    func() int64 { return r.Int64N(3) },
		"negative": func() int64 { return -5000 + r.Int64N(900) },
		"wide":     func() int64 { return int64(r.Uint64()) },
		"extremes": func() int64 { return []int64{math.MinInt64, math.MaxInt64, 0, -1}[r.IntN(4)] },
		"one":      func() int64 { return 42 },
	}
	for name, gen := range gens {
		for _, nullEvery := range []int{0, 3} {
			b := array.NewInt64Builder(memory.DefaultAllocator)
			want := map[int64]int64{}
			for i := range 5000 {
				if nullEvery > 0 && i%nullEvery == 0 {
					b.AppendNull()
					continue
				}
				v := gen()
				b.Append(v)
				want[v]++
			}
			a := b.NewInt64Array()
			got := map[int64]int64{}
			eachIntCount(a, a.Int64Values(), func(v int64, n int64) {
				if _, dup := got[v]; dup {
					t.Fatalf("%s: value %d given twice", name, v)
				}
				got[v] = n
			})
			if len(got) != len(want) {
				t.Fatalf("%s nulls every %d: %d distinct values, want %d", name, nullEvery, len(got), len(want))
			}
			for v, n := range want {
				if got[v] != n {
					t.Fatalf("%s nulls every %d: value %d counted %d, want %d", name, nullEvery, v, got[v], n)
				}
			}
			a.Release()
			b.Release()
		}
	}
	// All nulls: nothing.
	b := array.NewInt64Builder(memory.DefaultAllocator)
	b.AppendNulls(10)
	a := b.NewInt64Array()
	eachIntCount(a, a.Int64Values(), func(v int64, n int64) { t.Fatalf("value %d from an all-null batch", v) })
}
