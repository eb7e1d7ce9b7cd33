package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/split"
)

// countCuts is the plain oracle of shard assignment: the number of cuts
// of a group that are <= Key{h, r}, by comparing with every cut.
func countCuts(per [][]split.Bound, g int32, h, r uint64) int32 {
	c := int32(0)
	for _, b := range per[g] {
		switch b.Kind {
		case split.MinusInf:
			c++
		case split.Finite:
			if b.Key.H < h || (b.Key.H == h && b.Key.RowID <= r) {
				c++
			}
		}
	}
	return c
}

// shardCase is a batch of a shard-write task: per row its split (the
// group), shard-order hash and row id, and per split the shard cuts.
type shardCase struct {
	group  []int32
	h2, id []uint64
	per    [][]split.Bound
}

// newShardCase draws n rows in 4 splits. Many rows share a hash (as rows
// whose split key is null do) and cuts sit on exact row keys, on a shared
// hash with the next row id, and at -inf; split 0 has no cuts, split 1
// three (linear search), split 2 40 and split 3 300 (binary search, more
// shards than an int8 holds).
func newShardCase(r *rand.Rand, n int) shardCase {
	c := shardCase{group: make([]int32, n), h2: make([]uint64, n), id: make([]uint64, n)}
	dup := []uint64{0, 42, math.MaxUint64 / 3, math.MaxUint64}
	for i := range n {
		c.group[i], c.id[i] = int32(r.IntN(4)), uint64(r.Int64N(1<<40))
		c.h2[i] = r.Uint64()
		if r.IntN(4) == 0 {
			c.h2[i] = dup[r.IntN(len(dup))]
		}
	}
	cuts := func(k int) []split.Bound {
		keys := map[split.Key]bool{}
		for len(keys) < k {
			switch x := r.IntN(4); {
			case x == 0 && n > 0:
				i := r.IntN(n)
				keys[split.Key{H: c.h2[i], RowID: c.id[i]}] = true
			case x == 1 && n > 0:
				i := r.IntN(n)
				keys[split.Key{H: c.h2[i], RowID: c.id[i] + 1}] = true
			case x == 2:
				keys[split.Key{H: dup[r.IntN(len(dup))], RowID: uint64(r.Int64N(1 << 40))}] = true
			default:
				keys[split.Key{H: r.Uint64(), RowID: r.Uint64()}] = true
			}
		}
		sorted := make([]split.Key, 0, k)
		for key := range keys {
			sorted = append(sorted, key)
		}
		slices.SortFunc(sorted, func(a, b split.Key) int {
			if a.Less(b) {
				return -1
			}
			return 1
		})
		out := []split.Bound{{Kind: split.MinusInf}}
		for _, key := range sorted {
			out = append(out, split.Bound{Key: key})
		}
		return append(out, split.Bound{Kind: split.PlusInf})
	}
	c.per = [][]split.Bound{nil, cuts(3), cuts(40), cuts(300)}
	return c
}

// The device's shard assignment (StageKernels.AssignShards) gives every
// row the shard that cpu.StageKernels and a plain count of the cuts give,
// for batches from one row to several grid passes and pipeline pieces.
func TestConformanceAssignShards(t *testing.T) {
	for _, d := range devicesUnderTest(t) {
		sk := NewStageKernels(d.k)
		for _, n := range withEnvRows([]int{0, 1, 257, 5000, 70001}) {
			t.Run(fmt.Sprintf("%s/n=%d", d.name, n), func(t *testing.T) {
				c := newShardCase(rand.New(rand.NewPCG(uint64(n), 12)), n)
				b, err := split.NewBoundaries(c.per)
				if err != nil {
					t.Fatal(err)
				}
				got, want := make([]int32, n), make([]int32, n)
				for i := range got {
					got[i] = -7 // every row must be written
				}
				before := ShardAssignedBatches()
				if err := sk.AssignShards(b, c.group, c.h2, c.id, got); err != nil {
					t.Fatal(err)
				}
				if ShardAssignedBatches() != before+1 {
					t.Fatal("the device did not count the batch")
				}
				if err := (cpu.StageKernels{}).AssignShards(b, c.group, c.h2, c.id, want); err != nil {
					t.Fatal(err)
				}
				seen := map[int32]bool{}
				for i := range n {
					oracle := countCuts(c.per, c.group[i], c.h2[i], c.id[i])
					if got[i] != want[i] || want[i] != oracle {
						t.Fatalf("row %d (split %d, h2 %x, rowid %d): device %d, cpu %d, oracle %d", i, c.group[i], c.h2[i], c.id[i], got[i], want[i], oracle)
					}
					seen[got[i]] = true
				}
				if n >= 5000 && !seen[200] {
					t.Fatal("no row landed in shard 200: the case does not test shards beyond int8")
				}
			})
		}
	}
}

// A row whose split is outside the cut table fails on the device as on
// the CPU, naming the row.
func TestAssignShardsBadSplit(t *testing.T) {
	for _, d := range devicesUnderTest(t) {
		c := newShardCase(rand.New(rand.NewPCG(3, 12)), 600)
		b, err := split.NewBoundaries(c.per)
		if err != nil {
			t.Fatal(err)
		}
		c.group[517] = 4
		out := make([]int32, 600)
		if err := NewStageKernels(d.k).AssignShards(b, c.group, c.h2, c.id, out); err == nil || err.Error() != "gpu: split: split: Assign: row 517 has group 4, the table has groups 0..3" {
			t.Fatalf("%s: %v", d.name, err)
		}
		if err := (cpu.StageKernels{}).AssignShards(b, c.group, c.h2, c.id, out); err == nil || err.Error() != "split: Assign: row 517 has group 4, the table has groups 0..3" {
			t.Fatalf("cpu: %v", err)
		}
	}
}
