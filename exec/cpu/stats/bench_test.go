package stats

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/internal/cputest"
)

const benchRows = 1 << 16

func BenchmarkMomentsUpdate(b *testing.B) {
	c := cputest.GenCol(memory.DefaultAllocator, rand.New(rand.NewPCG(1, 1)), column.TFloat, benchRows, 0, 0.01, 5000)
	defer c.Arr.Release()
	b.SetBytes(benchRows * 8)
	for b.Loop() {
		var m Moments
		if err := m.Update(c.Arr, nil); err != nil {
			b.Fatal(err)
		}
	}
}
