package groupby

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/internal/cputest"
)

const benchRows = 1 << 16

func benchGroupBy(b *testing.B, key string) {
	rng := rand.New(rand.NewPCG(2, 2))
	batch := cputest.GenBatch(memory.DefaultAllocator, rng, benchRows)
	defer batch.RB.Release()
	aggs := []AggSpec{{"n", "count", ""}, {"m", "mean", "v_flt"}, {"s", "sum", "v_int"}}
	b.SetBytes(benchRows * 8 * 3)
	for b.Loop() {
		g, err := NewGroupBy([]string{key}, aggs, cputest.BatchSchema)
		if err != nil {
			b.Fatal(err)
		}
		if err := g.Update(batch.RB); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGroupByInt64Key(b *testing.B) { benchGroupBy(b, "k_int") }

func BenchmarkGroupByDictKey(b *testing.B) { benchGroupBy(b, "k_str") }

// BenchmarkCountDistinct: count_distinct of an int64 and a string column
// per string key.
func BenchmarkCountDistinct(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	batch := cputest.GenBatch(memory.DefaultAllocator, rng, benchRows)
	defer batch.RB.Release()
	aggs := []AggSpec{{"di", "count_distinct", "v_int"}, {"ds", "count_distinct", "v_str"}}
	for b.Loop() {
		g, err := NewGroupBy([]string{"k_str"}, aggs, cputest.BatchSchema)
		if err != nil {
			b.Fatal(err)
		}
		if err := g.Update(batch.RB); err != nil {
			b.Fatal(err)
		}
	}
}
