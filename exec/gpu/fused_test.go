package gpu

import (
	"math"
	"slices"
	"testing"

	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/hashing"

	"github.com/sluice-ml/sluice/exec/gpu/launch"
)

// HashAndAssign (hashes kept on the device between the two kernels) equals
// the seeded hashes and Boundaries.AssignInt32 computed on the CPU.
func TestConformanceHashAndAssign(t *testing.T) {
	forShapes(t, func(t *testing.T, k *launch.Kernels, g *gen, n int, _ bool) {
		keys, rowid, group := make([]uint64, n), make([]uint64, n), make([]int32, n)
		for i := range keys {
			keys[i], rowid[i], group[i] = g.r.Uint64(), uint64(i), int32(g.r.IntN(3))
		}
		var cuts []split.Bound
		for j := 1; j <= 4; j++ {
			cuts = append(cuts, split.Bound{Key: split.Key{H: uint64(j) * (math.MaxUint64 / 5)}})
		}
		b, err := split.NewBoundaries([][]split.Bound{cuts[:1], cuts, {{Kind: split.MinusInf}}})
		if err != nil {
			t.Fatal(err)
		}
		wantH, wantH2 := make([]uint64, n), make([]uint64, n)
		for i, key := range keys {
			wantH[i], wantH2[i] = hashing.Seeded(9, key), hashing.Seeded(9^hashing.ShardTag, key)
		}
		want := make([]int32, n)
		if err := b.AssignInt32(group, wantH, rowid, want); err != nil {
			t.Fatal(err)
		}
		h, h2, got := make([]uint64, n), make([]uint64, n), make([]int32, n)
		if err := k.HashAndAssign(9, b, keys, group, rowid, h, h2, got); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(h, wantH) || !slices.Equal(h2, wantH2) || !slices.Equal(got, want) {
			t.Fatal("fused hash and assign differs from the CPU")
		}
		// Without h and h2 only the splits come back.
		clear(got)
		if err := k.HashAndAssign(9, b, keys, group, rowid, nil, nil, got); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatal("splits differ when the hashes stay on the device")
		}
	})
}
