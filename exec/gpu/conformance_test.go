package gpu

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/hashing"

	"github.com/sluice-ml/sluice/exec/gpu/launch"
)

// The conformance suite: every kernel against the CPU engine (exec/cpu,
// hashing, exec/split) or a plain oracle, on random inputs with nulls, odd
// lengths and sliced arrays, on the emulated device (and the real one
// under bench/gpu-run.sh). Integers must be equal; float32 transform
// outputs and moments bit-identical (NaN: both NaN).

func forShapes(t *testing.T, fn func(t *testing.T, k *launch.Kernels, g *gen, n int, sliced bool)) {
	for _, d := range devicesUnderTest(t) {
		for _, n := range lengths {
			for _, sliced := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/n=%d/sliced=%v", d.name, n, sliced), func(t *testing.T) {
					mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
					defer mem.AssertSize(t, 0)
					fn(t, d.k, newGen(uint64(n)*7+1, mem), n, sliced)
				})
			}
		}
	}
}

func TestConformanceRowHashes(t *testing.T) {
	forShapes(t, func(t *testing.T, k *launch.Kernels, g *gen, n int, _ bool) {
		file := hashing.String("part-00001.parquet")
		got := make([]uint64, n)
		want := make([]uint64, n)
		if err := k.FileRows(file, 1<<33+5, got); err != nil {
			t.Fatal(err)
		}
		hashing.FileRows(file, 1<<33+5, want)
		if !slices.Equal(got, want) {
			t.Fatal("FileRows differ from hashing.FileRows")
		}
		h, h2 := make([]uint64, n), make([]uint64, n)
		if err := k.RowHashes(42, got, h, h2); err != nil {
			t.Fatal(err)
		}
		for i, key := range want {
			if h[i] != hashing.Seeded(42, key) || h2[i] != hashing.Seeded(42^hashing.ShardTag, key) {
				t.Fatalf("row %d: seeded hashes %x %x", i, h[i], h2[i])
			}
		}
	})
}

func TestConformanceHashColumn(t *testing.T) {
	forShapes(t, func(t *testing.T, k *launch.Kernels, g *gen, n int, sliced bool) {
		for name, col := range g.numericColumns(n, sliced) {
			got, want := make([]uint64, n), make([]uint64, n)
			if err := k.HashColumn(col, got); err != nil {
				t.Fatal(name, err)
			}
			if err := hashing.Column(col, want); err != nil {
				t.Fatal(name, err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: hashes differ from hashing.Column", name)
			}
			col.Release()
		}
	})
}

func TestConformanceAssignSplits(t *testing.T) {
	forShapes(t, func(t *testing.T, k *launch.Kernels, g *gen, n int, _ bool) {
		// 5 groups: no cuts, -inf only, 2 finite cuts with +inf, 20 cuts
		// (binary search path), and cuts on exact row keys.
		h, rowid, group := make([]uint64, n), make([]uint64, n), make([]int32, n)
		for i := range h {
			h[i], rowid[i], group[i] = g.r.Uint64(), uint64(i), int32(g.r.IntN(5))
		}
		key := func(i int) split.Key {
			if n == 0 {
				return split.Key{H: 1 << 63}
			}
			return split.Key{H: h[i%n], RowID: rowid[i%n]}
		}
		var many []split.Bound
		for j := 1; j <= 20; j++ {
			many = append(many, split.Bound{Key: split.Key{H: uint64(j) * (math.MaxUint64 / 21)}})
		}
		exact := []split.Key{key(0), key(1), key(2)}
		slices.SortFunc(exact, func(a, b split.Key) int {
			if a.Less(b) {
				return -1
			} else if b.Less(a) {
				return 1
			}
			return 0
		})
		per := [][]split.Bound{
			nil,
			{{Kind: split.MinusInf}},
			{{Key: split.Key{H: 1 << 62}}, {Key: split.Key{H: 3 << 62}}, {Kind: split.PlusInf}},
			many,
			{{Key: exact[0]}, {Key: exact[1]}, {Key: exact[2]}},
		}
		if exact[0] == exact[1] || exact[1] == exact[2] {
			per[4] = per[4][:1]
		}
		b, err := split.NewBoundaries(per)
		if err != nil {
			t.Fatal(err)
		}
		got, want := make([]int32, n), make([]int32, n)
		if err := k.AssignSplits(b, group, h, rowid, got); err != nil {
			t.Fatal(err)
		}
		if err := b.AssignInt32(group, h, rowid, want); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatal("split indices differ from Boundaries.AssignInt32")
		}
		if err := k.AssignSplits(b, nil, h, rowid, got); err != nil {
			t.Fatal(err)
		}
		if err := b.AssignInt32(nil, h, rowid, want); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatal("split indices (nil group) differ")
		}
		if n > 2 {
			group[2] = 9
			if err := k.AssignSplits(b, group, h, rowid, got); err == nil || err.Error() != "gpu: split: split: Assign: row 2 has group 9, the table has groups 0..4" {
				t.Fatalf("bad group: %v", err)
			}
		}
	})
}
