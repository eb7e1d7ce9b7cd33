package feature

import (
	"math/rand/v2"
	"testing"

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
