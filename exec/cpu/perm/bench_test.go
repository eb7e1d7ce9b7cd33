package perm

import (
	"math/rand/v2"
	"testing"
)

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
