package cpu

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/cpu/groupby"
	"github.com/sluice-ml/sluice/exec/cpu/perm"
	splits "github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/hashing"
)

// GroupCounts is the result of GroupCount: the distinct non-null keys in
// ascending order with their row counts, and the number of null rows.
type GroupCounts struct {
	Keys   []int64
	Counts []int64
	Nulls  int64
}

// StageKernels are the CPU engine's implementations of the kernels a stage
// runs (the kernel.Kernels interface). Every call is complete: the CPU
// never answers exec.ErrFallback, so it is what a device falls back to.
type StageKernels struct{}

// Name is the engine's name.
func (StageKernels) Name() string { return Engine{}.Name() }

// HashColumn hashes each value of a split.key column.
func (StageKernels) HashColumn(col arrow.Array, out []uint64) error { return hashing.Column(col, out) }

// FileRows hashes the (file, row) keys first, first+1, ... of one file.
func (StageKernels) FileRows(fileHash uint64, first int64, out []uint64) error {
	hashing.FileRows(fileHash, first, out)
	return nil
}

// RowHashes computes the split hash h of every row key and, when h2 is not
// nil, the shard-order hash h2.
func (StageKernels) RowHashes(seed uint64, key, h, h2 []uint64) error {
	if len(h) != len(key) || (h2 != nil && len(h2) != len(key)) {
		return fmt.Errorf("row hashes: lengths differ: keys %d, h %d, h2 %d", len(key), len(h), len(h2))
	}
	hashing.SeededAll(seed, key, h)
	if h2 != nil {
		hashing.SeededAll(seed^hashing.ShardTag, key, h2)
	}
	return nil
}

// AssignSplits computes the split of every row from the boundary table.
func (StageKernels) AssignSplits(b *splits.Boundaries, group []int32, h, rowid []uint64, out []int8) error {
	return b.Assign(group, h, rowid, out)
}

// AssignShards computes the shard of every row from the shard cuts
// (group = the row's split, h2 = its shard-order hash).
func (StageKernels) AssignShards(b *splits.Boundaries, group []int32, h2, rowid []uint64, out []int32) error {
	return b.AssignInt32(group, h2, rowid, out)
}

// SortPerm writes to out the permutation that orders the rows by
// (keys[i], tie[i]), stable (perm.SortPerm).
func (StageKernels) SortPerm(keys, tie []uint64, out []int32) error {
	if len(out) != len(keys) || (tie != nil && len(tie) != len(keys)) {
		return fmt.Errorf("sort: lengths differ: keys %d, tie %d, out %d", len(keys), len(tie), len(out))
	}
	perm.SortPermInto(keys, tie, out)
	return nil
}

// CollectWindows feeds one batch to the window collector (Add).
func (StageKernels) CollectWindows(c *splits.Collector, group []int32, h, rowid []uint64) error {
	return c.Add(group, h, rowid)
}

// HashAndAssign is RowHashes (into h and h2) followed by AssignSplits.
func (k StageKernels) HashAndAssign(seed uint64, b *splits.Boundaries, key []uint64, group []int32, rowid []uint64, h, h2 []uint64, out []int8) error {
	if err := k.RowHashes(seed, key, h, h2); err != nil {
		return err
	}
	return b.Assign(group, h, rowid, out)
}

// GroupCount counts the rows of each distinct value of an int64 or
// timestamp column; other types answer exec.ErrUnsupported.
func (StageKernels) GroupCount(col arrow.Array) (GroupCounts, error) {
	var vals []int64
	switch c := col.(type) {
	case *array.Int64:
		vals = c.Int64Values()
	case *array.Timestamp:
		ts := c.TimestampValues()
		vals = make([]int64, len(ts))
		for i, v := range ts {
			vals[i] = int64(v)
		}
	default:
		return GroupCounts{}, fmt.Errorf("group count of %s: %w", col.DataType(), exec.ErrUnsupported)
	}
	m := map[int64]int64{}
	var out GroupCounts
	if col.NullN() == 0 {
		for _, v := range vals {
			m[v]++
		}
	} else {
		for i, v := range vals {
			if col.IsNull(i) {
				out.Nulls++
			} else {
				m[v]++
			}
		}
	}
	out.Keys = make([]int64, 0, len(m))
	for k := range m {
		out.Keys = append(out.Keys, k)
	}
	slices.Sort(out.Keys)
	out.Counts = make([]int64, len(out.Keys))
	for i, k := range out.Keys {
		out.Counts[i] = m[k]
	}
	return out, nil
}

// Aggregate folds one batch into the partial aggregation g (grouped by by,
// computing specs; g was made with them).
func (StageKernels) Aggregate(g *groupby.GroupBy, _ []string, _ []groupby.AggSpec, b arrow.RecordBatch, _ memory.Allocator) error {
	return g.Update(b)
}

// FitStats adds the selected rows of col to one feature's partials.
func (StageKernels) FitStats(s *feature.FeatureStats, col arrow.Array, sel []int32) error {
	return s.Update(col, sel)
}

// Apply applies one fitted transform to a feature column.
func (StageKernels) Apply(name string, f *feature.Fitted, col arrow.Array, mem memory.Allocator) ([]arrow.Field, []arrow.Array, error) {
	return feature.Apply(name, f, col, mem)
}

// Filter keeps the rows of in where the predicate holds (+1 reference).
func (StageKernels) Filter(p *exec.Predicate, in arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	return exec.FilterBatch(p.Bound, in, mem)
}
