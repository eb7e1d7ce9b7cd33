package stats

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/internal/cputest"
)

// benchQuantiles feeds one long-lived sketch (K 4096, as the engine uses)
// a 64K-row batch per iteration, the fit stage's steady state.
func benchQuantiles(b *testing.B, k column.Type, card int, withSel bool) {
	rng := rand.New(rand.NewPCG(5, 5))
	c := cputest.GenCol(memory.DefaultAllocator, rng, k, benchRows, 0, 0.01, card)
	defer c.Arr.Release()
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
		if err := q.Update(c.Arr, sel); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuantilesUpdateFloat(b *testing.B) { benchQuantiles(b, column.TFloat, 5000, false) }

func BenchmarkQuantilesUpdateFloatSel(b *testing.B) { benchQuantiles(b, column.TFloat, 5000, true) }

func BenchmarkQuantilesUpdateInt(b *testing.B) { benchQuantiles(b, column.TInt, 900, false) }

// BenchmarkQuantilesMerge merges 8 partials of 16 batches each.
func BenchmarkQuantilesMerge(b *testing.B) {
	rng := rand.New(rand.NewPCG(6, 6))
	c := cputest.GenCol(memory.DefaultAllocator, rng, column.TFloat, benchRows, 0, 0, 5000)
	defer c.Arr.Release()
	parts := make([]*Quantiles, 8)
	for i := range parts {
		parts[i] = NewQuantiles(4096)
		for j := 0; j < 16; j++ {
			if err := parts[i].Update(c.Arr, nil); err != nil {
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

func benchValueCounts(b *testing.B, k column.Type, card int, nullP float64) {
	c := cputest.GenCol(memory.DefaultAllocator, rand.New(rand.NewPCG(7, 7)), k, benchRows, 0, nullP, card)
	defer c.Arr.Release()
	var v ValueCounts
	b.SetBytes(benchRows * 8)
	for b.Loop() {
		if err := v.Update(c.Arr, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValueCountsInt64(b *testing.B) { benchValueCounts(b, column.TInt, 900, 0) }

func BenchmarkValueCountsInt64Nulls(b *testing.B) { benchValueCounts(b, column.TInt, 900, 0.05) }

func BenchmarkValueCountsInt64Unique(b *testing.B) { benchValueCounts(b, column.TInt, 1<<40, 0) }

func BenchmarkValueCountsFloat64(b *testing.B) { benchValueCounts(b, column.TFloat, 900, 0) }

func BenchmarkValueCountsDict(b *testing.B) { benchValueCounts(b, column.TStr, 40, 0) }

func BenchmarkValueCountsDictNulls(b *testing.B) { benchValueCounts(b, column.TStr, 40, 0.05) }

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

// benchMoments folds a 64K-row batch into a running partial per
// iteration (1 % nulls; with sel, 80 % of the rows selected).
func benchMoments(b *testing.B, k column.Type, withSel bool) {
	rng := rand.New(rand.NewPCG(6, 6))
	c := cputest.GenCol(memory.DefaultAllocator, rng, k, benchRows, 0, 0.01, 5000)
	defer c.Arr.Release()
	var sel []int32
	if withSel {
		for i := 0; i < benchRows; i++ {
			if rng.IntN(10) < 8 {
				sel = append(sel, int32(i))
			}
		}
	}
	var m Moments
	b.SetBytes(benchRows * 8)
	for b.Loop() {
		if err := m.Update(c.Arr, sel); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMomentsFloat(b *testing.B) { benchMoments(b, column.TFloat, false) }

func BenchmarkMomentsFloatSel(b *testing.B) { benchMoments(b, column.TFloat, true) }

func BenchmarkMomentsInt(b *testing.B) { benchMoments(b, column.TInt, false) }
