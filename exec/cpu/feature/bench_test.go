package feature

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/internal/cputest"
)

const benchRows = 1 << 16

func BenchmarkApplyZScore(b *testing.B) {
	c := cputest.GenCol(memory.DefaultAllocator, rand.New(rand.NewPCG(3, 3)), column.TFloat, benchRows, 0, 0.01, 5000)
	defer c.Arr.Release()
	f := &Fitted{Transform: "zscore", Mean: 1000, Std: 100}
	b.SetBytes(benchRows * 8)
	for b.Loop() {
		_, arrs, err := Apply("x", f, c.Arr, memory.DefaultAllocator)
		if err != nil {
			b.Fatal(err)
		}
		column.ReleaseAll(arrs)
	}
}

// BenchmarkApplyIntVocab maps an int column of station-like ids (900
// ids in [72, 3911], and a few outside the vocabulary) to vocabulary ids.
func BenchmarkApplyIntVocab(b *testing.B) {
	rng := rand.New(rand.NewPCG(4, 4))
	vocab := make([]column.Value, 900)
	for i := range vocab {
		vocab[i] = column.Value{Kind: column.KindInt64, I: 72 + int64(i)*4}
	}
	vals := make([]int64, benchRows)
	for i := range vals {
		vals[i] = 72 + rng.Int64N(3840)
	}
	ib := array.NewInt64Builder(memory.DefaultAllocator)
	ib.AppendValues(vals, nil)
	col := ib.NewArray()
	ib.Release()
	defer col.Release()
	f := &Fitted{Transform: "vocab", Vocab: vocab}
	b.SetBytes(benchRows * 8)
	for b.Loop() {
		_, arrs, err := Apply("x", f, col, memory.DefaultAllocator)
		if err != nil {
			b.Fatal(err)
		}
		column.ReleaseAll(arrs)
	}
}
