package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

const benchRows = 1 << 16

func BenchmarkMomentsUpdate(b *testing.B) {
	c := genCol(memory.DefaultAllocator, rand.New(rand.NewPCG(1, 1)), kFloat, benchRows, 0, 0.01, 5000)
	defer c.arr.Release()
	b.SetBytes(benchRows * 8)
	for b.Loop() {
		var m Moments
		if err := m.Update(c.arr, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func benchGroupBy(b *testing.B, key string) {
	rng := rand.New(rand.NewPCG(2, 2))
	batch := genBatch(memory.DefaultAllocator, rng, benchRows)
	defer batch.rb.Release()
	aggs := []AggSpec{{"n", "count", ""}, {"m", "mean", "v_flt"}, {"s", "sum", "v_int"}}
	b.SetBytes(benchRows * 8 * 3)
	for b.Loop() {
		g, err := NewGroupBy([]string{key}, aggs, gbSchema)
		if err != nil {
			b.Fatal(err)
		}
		if err := g.Update(batch.rb); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGroupByInt64Key(b *testing.B) { benchGroupBy(b, "k_int") }
func BenchmarkGroupByDictKey(b *testing.B)  { benchGroupBy(b, "k_str") }

func BenchmarkApplyZScore(b *testing.B) {
	c := genCol(memory.DefaultAllocator, rand.New(rand.NewPCG(3, 3)), kFloat, benchRows, 0, 0.01, 5000)
	defer c.arr.Release()
	f := &Fitted{Transform: "zscore", Mean: 1000, Std: 100}
	b.SetBytes(benchRows * 8)
	for b.Loop() {
		_, arrs, err := Apply("x", f, c.arr, memory.DefaultAllocator)
		if err != nil {
			b.Fatal(err)
		}
		releaseAll(arrs)
	}
}

func BenchmarkSortPerm4M(b *testing.B) {
	n := 4 << 20
	rng := rand.New(rand.NewPCG(4, 4))
	keys := make([]uint64, n)
	tie := make([]uint64, n)
	for i := range keys {
		keys[i] = rng.Uint64()
		tie[i] = uint64(i)
	}
	b.SetBytes(int64(n) * 8)
	for b.Loop() {
		SortPerm(keys, tie)
	}
}
