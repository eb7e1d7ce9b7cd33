package kernel

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/gpu"
	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/hashing"
)

var _ Kernels = (*gpu.StageKernels)(nil)

// flaky is a device whose kernels answer ErrFallback on every other call
// (and write garbage first, as a device that failed half way may) and
// ErrUnsupported for GroupCount.
type flaky struct {
	Kernels
	calls int
}

func (f *flaky) RowHashes(seed uint64, key, h, h2 []uint64) error {
	f.calls++
	if f.calls%2 == 0 {
		for i := range h {
			h[i] = 0xdead
		}
		return fmt.Errorf("row hashes: %w", exec.ErrFallback)
	}
	return CPU.RowHashes(seed, key, h, h2)
}

func (f *flaky) GroupCount(col arrow.Array) (cpu.GroupCounts, error) {
	return cpu.GroupCounts{}, exec.ErrUnsupported
}

func (f *flaky) HashColumn(col arrow.Array, out []uint64) error {
	return errors.New("device lost")
}

func TestWithFallbackRunsTheBatchOnTheCPUAndCounts(t *testing.T) {
	var counts Counts
	k := WithFallback(&flaky{Kernels: CPU}, "scan/RowKey", &counts)
	key := []uint64{1, 2, 3, 4, 5}
	for batch := 0; batch < 4; batch++ {
		h, h2 := make([]uint64, len(key)), make([]uint64, len(key))
		if err := k.RowHashes(7, key, h, h2); err != nil {
			t.Fatal(err)
		}
		want, want2 := make([]uint64, len(key)), make([]uint64, len(key))
		hashing.SeededAll(7, key, want)
		hashing.SeededAll(7^hashing.ShardTag, key, want2)
		if !slices.Equal(h, want) || !slices.Equal(h2, want2) {
			t.Fatalf("batch %d: h %v h2 %v, want %v %v", batch, h, h2, want, want2)
		}
	}
	// Unsupported runs on the CPU without counting as a fallen-back batch.
	b := array.NewInt64Builder(memory.NewGoAllocator())
	b.AppendValues([]int64{3, 1, 3}, nil)
	b.AppendNull()
	col := b.NewArray()
	defer col.Release()
	gc, err := k.GroupCount(col)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gc.Keys, []int64{1, 3}) || !slices.Equal(gc.Counts, []int64{1, 2}) || gc.Nulls != 1 {
		t.Fatalf("group counts %+v", gc)
	}
	if got := counts.Map(); len(got) != 1 || got["scan/RowKey"] != 2 {
		t.Fatalf("counts %v, want scan/RowKey: 2", got)
	}
	// Any other error is the task's failure, never a silent CPU run.
	if err := k.HashColumn(col, make([]uint64, 4)); err == nil || err.Error() != "device lost" {
		t.Fatalf("HashColumn: %v, want the device's error", err)
	}
}

func TestWithFallbackOfTheCPUIsTheCPU(t *testing.T) {
	if k := WithFallback(CPU, "x", nil); k != CPU {
		t.Fatalf("got %T", k)
	}
}

// lostShards is a device whose shard assignment writes garbage and then
// answers ErrFallback, as a device that ran out of memory half way may.
type lostShards struct{ Kernels }

func (lostShards) AssignShards(b *split.Boundaries, group []int32, h2, rowid []uint64, out []int32) error {
	for i := range out {
		out[i] = -1
	}
	return fmt.Errorf("shards: %w", exec.ErrFallback)
}

// A shard batch the device gives back runs on the CPU (the shards of
// Boundaries.AssignInt32) and counts under its operator; under
// engine.fallback: error it fails the task instead.
func TestAssignShardsFallsBack(t *testing.T) {
	b, err := split.NewBoundaries([][]split.Bound{
		{{Kind: split.MinusInf}, {Key: split.Key{H: 100, RowID: 5}}},
		{{Kind: split.MinusInf}, {Key: split.Key{H: 7}}, {Key: split.Key{H: 7, RowID: 9}}, {Kind: split.PlusInf}},
	})
	if err != nil {
		t.Fatal(err)
	}
	group := []int32{0, 0, 0, 1, 1, 1, 1}
	h2 := []uint64{100, 100, 99, 6, 7, 7, 8}
	rowid := []uint64{4, 5, 1 << 60, 1 << 60, 0, 9, 0}
	want := []int32{1, 2, 1, 1, 2, 3, 3} // counted by hand: cuts <= (h2, rowid)
	var counts Counts
	got := make([]int32, len(h2))
	if err := WithFallback(lostShards{CPU}, "shard-write/ShardAssign", &counts).AssignShards(b, group, h2, rowid, got); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("shards %v, want %v", got, want)
	}
	if c := counts.Map(); len(c) != 1 || c["shard-write/ShardAssign"] != 1 {
		t.Fatalf("counts %v", c)
	}
	err = WithPolicy(lostShards{CPU}, "shard-write/ShardAssign", &counts, PolicyError).AssignShards(b, group, h2, rowid, got)
	if err == nil || !strings.Contains(err.Error(), "engine.fallback is error and shard-write/ShardAssign") {
		t.Fatalf("PolicyError: %v", err)
	}
}

// lostSort is a device whose sort scribbles over the permutation and then
// answers ErrFallback, as a device that ran out of memory half way may.
type lostSort struct{ Kernels }

func (lostSort) SortPerm(keys, tie []uint64, out []int32) error {
	for i := range out {
		out[i] = -1
	}
	return fmt.Errorf("sort: %w", exec.ErrFallback)
}

// A shard sort the device gives back runs on the CPU (the stable order by
// key, then tie) and counts under its operator; under engine.fallback:
// error it fails the task instead.
func TestSortPermFallsBack(t *testing.T) {
	keys := []uint64{5, 3, 5, 3, 1, 5}
	tie := []uint64{9, 2, 9, 1, 7, 4}
	want := []int32{4, 3, 1, 5, 0, 2} // by hand: (1,7) (3,1) (3,2) (5,4) (5,9) (5,9), equal pairs in row order
	var counts Counts
	got := make([]int32, len(keys))
	if err := WithFallback(lostSort{CPU}, "shard-write/Sort", &counts).SortPerm(keys, tie, got); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("perm %v, want %v", got, want)
	}
	if c := counts.Map(); len(c) != 1 || c["shard-write/Sort"] != 1 {
		t.Fatalf("counts %v", c)
	}
	err := WithPolicy(lostSort{CPU}, "shard-write/Sort", &counts, PolicyError).SortPerm(keys, tie, got)
	if err == nil || !strings.Contains(err.Error(), "engine.fallback is error and shard-write/Sort") {
		t.Fatalf("PolicyError: %v", err)
	}
}

// lostWindows is a device that fails a window collection half way.
type lostWindows struct{ Kernels }

func (lostWindows) CollectWindows(c *split.Collector, group []int32, h, rowid []uint64) error {
	return fmt.Errorf("windows: %w", exec.ErrFallback)
}

// A window batch the device gives back is collected on the CPU, once,
// and counts under its operator.
func TestCollectWindowsFallsBack(t *testing.T) {
	ws := []split.Window{{Target: split.Target{Group: 0, Rank: 1, N: 3}, Lo: 10, Hi: 20}}
	c, err := split.NewCollector(ws)
	if err != nil {
		t.Fatal(err)
	}
	var counts Counts
	h := []uint64{5, 15, 25, 10}
	if err := WithFallback(lostWindows{CPU}, "fit/ShardWindowCollect", &counts).CollectWindows(c, nil, h, []uint64{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	p := c.Result()
	want := []split.Key{{H: 15, RowID: 2}, {H: 10, RowID: 4}} // by hand: 10 <= h <= 20, in row order
	if p.Below[0] != 1 || !slices.Equal(p.Rows[0], want) {
		t.Fatalf("partial %+v", p)
	}
	if c := counts.Map(); len(c) != 1 || c["fit/ShardWindowCollect"] != 1 {
		t.Fatalf("counts %v", c)
	}
}

// lostFit is a device that gives every fit batch back.
type lostFit struct{ Kernels }

func (lostFit) FitStats(s *feature.FeatureStats, col arrow.Array, sel []int32) error {
	return fmt.Errorf("fit: %w", exec.ErrFallback)
}

// A fit batch the device gives back is folded on the CPU, once (the
// partials equal a plain Update's), and counts under its operator.
func TestFitStatsFallsBack(t *testing.T) {
	b := array.NewFloat64Builder(memory.NewGoAllocator())
	b.AppendValues([]float64{4, 1, 7, 2}, nil)
	col := b.NewArray()
	defer col.Release()
	needs := feature.StatNeeds{Moments: true, Counts: true}
	got, want := feature.NewFeatureStats(needs, 8), feature.NewFeatureStats(needs, 8)
	var counts Counts
	if err := WithFallback(lostFit{CPU}, "fit/FitPartial", &counts).FitStats(got, col, []int32{0, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if err := want.Update(col, []int32{0, 2, 3}); err != nil {
		t.Fatal(err)
	}
	// By hand: 4, 7, 2 have mean 13/3 and M2 (1/3)² + (8/3)² + (7/3)² = 114/9.
	if got.Moments.N != 3 || got.Counts.Total() != 3 || got.Moments.Mean != want.Moments.Mean || got.Moments.M2 != want.Moments.M2 {
		t.Fatalf("moments %+v counts %d, want %+v", got.Moments, got.Counts.Total(), want.Moments)
	}
	if m := got.Moments; m.Min != 2 || m.Max != 7 || !closeTo(m.Mean, 13.0/3) || !closeTo(m.M2, 114.0/9) {
		t.Fatalf("moments %+v", m)
	}
	if c := counts.Map(); len(c) != 1 || c["fit/FitPartial"] != 1 {
		t.Fatalf("counts %v", c)
	}
	err := WithPolicy(lostFit{CPU}, "fit/FitPartial", &counts, PolicyError).FitStats(got, col, nil)
	if err == nil || !strings.Contains(err.Error(), "engine.fallback is error and fit/FitPartial") {
		t.Fatalf("PolicyError: %v", err)
	}
}

func closeTo(a, b float64) bool { return a-b < 1e-12 && b-a < 1e-12 }
