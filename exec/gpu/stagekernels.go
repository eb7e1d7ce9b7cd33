package gpu

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/cpu/groupby"
	"github.com/sluice-ml/sluice/exec/cpu/perm"
	"github.com/sluice-ml/sluice/exec/gpu/aggregate"
	"github.com/sluice-ml/sluice/exec/gpu/filter"
	"github.com/sluice-ml/sluice/exec/gpu/launch"
	"github.com/sluice-ml/sluice/exec/gpu/transform"
	"github.com/sluice-ml/sluice/exec/split"
)

// StageKernels are the GPU engine's implementations of the kernels a stage
// runs (the kernel.Kernels interface, as cpu.StageKernels). A call the
// device cannot complete answers an error wrapping exec.ErrFallback (this
// batch did not fit) or exec.ErrUnsupported (never on this device); the
// caller's kernel.WithFallback runs the batch on the CPU then.
type StageKernels struct {
	k     *launch.Kernels
	mu    sync.Mutex
	progs map[*exec.Predicate]*filterProg
	i32   sync.Pool // *[]int32 scratch for split assignment
}

type filterProg struct {
	prog *filter.Program
	err  error
}

// NewStageKernels returns the stage kernels of an engine's kernels.
func NewStageKernels(k *launch.Kernels) *StageKernels {
	return &StageKernels{k: k, progs: map[*exec.Predicate]*filterProg{}}
}

// Name is the device's engine name.
func (s *StageKernels) Name() string { return s.k.Device().Name() }

// HashColumn hashes each value of a split.key column.
func (s *StageKernels) HashColumn(col arrow.Array, out []uint64) error {
	return s.k.HashColumn(col, out)
}

// FileRows hashes the (file, row) keys first, first+1, ... of one file.
func (s *StageKernels) FileRows(fileHash uint64, first int64, out []uint64) error {
	return s.k.FileRows(fileHash, first, out)
}

// RowHashes computes h and, when h2 is not nil, h2 of every row key.
func (s *StageKernels) RowHashes(seed uint64, key, h, h2 []uint64) error {
	return s.k.RowHashes(seed, key, h, h2)
}

func (s *StageKernels) scratch(n int) *[]int32 {
	p, _ := s.i32.Get().(*[]int32)
	if p == nil {
		p = new([]int32)
	}
	if cap(*p) < n {
		*p = make([]int32, n)
	}
	*p = (*p)[:n]
	return p
}

func narrow(dst []int8, src []int32) {
	for i, v := range src {
		dst[i] = int8(v)
	}
}

// AssignSplits computes the split of every row from the boundary table.
func (s *StageKernels) AssignSplits(b *split.Boundaries, group []int32, h, rowid []uint64, out []int8) error {
	p := s.scratch(len(out))
	defer s.i32.Put(p)
	if err := s.k.AssignSplits(b, group, h, rowid, *p); err != nil {
		return err
	}
	narrow(out, *p)
	return nil
}

// shardBatches counts batches whose shards the device assigned.
var shardBatches atomic.Int64

// ShardAssignedBatches is how many batches StageKernels.AssignShards ran
// on a device in this process (for tests).
func ShardAssignedBatches() int64 { return shardBatches.Load() }

// AssignShards computes the shard of every row from the shard cuts with
// the split kernel (group = the row's split, h2 = its shard-order hash).
func (s *StageKernels) AssignShards(b *split.Boundaries, group []int32, h2, rowid []uint64, out []int32) error {
	if err := s.k.AssignSplits(b, group, h2, rowid, out); err != nil {
		return err
	}
	shardBatches.Add(1)
	return nil
}

// sortBatches counts batches the device sorted.
var sortBatches atomic.Int64

// SortedBatches is how many batches StageKernels.SortPerm ran on a device
// in this process (for tests).
func SortedBatches() int64 { return sortBatches.Load() }

// SortPerm orders the rows by (keys, tie), stable, with the device's radix
// sort: out is perm.SortPerm's permutation.
func (s *StageKernels) SortPerm(keys, tie []uint64, out []int32) error {
	if err := s.k.SortPerm(keys, tie, out); err != nil {
		return err
	}
	sortBatches.Add(1)
	return nil
}

// windowBatches counts batches whose windows the device collected.
var windowBatches atomic.Int64

// WindowBatches is how many batches StageKernels.CollectWindows ran on a
// device in this process (for tests).
func WindowBatches() int64 { return windowBatches.Load() }

// CollectWindows computes the batch's below counts and kept rows of the
// collector's windows on the device and hands them to the collector
// (Collector.AddPicked): the collector ends as Collector.Add leaves it.
// The collector is untouched when the device fails.
func (s *StageKernels) CollectWindows(c *split.Collector, group []int32, h, rowid []uint64) error {
	if len(rowid) != len(h) || (group != nil && len(group) != len(h)) {
		return fmt.Errorf("gpu: windows: column lengths differ: group %d, h %d, rowid %d", len(group), len(h), len(rowid))
	}
	start, lo, width := c.Index()
	p, err := s.k.CollectWindows(start, lo, width, group, h)
	if err != nil {
		return err
	}
	if err := c.AddPicked(p.Below, p.Win, p.Row, h, rowid); err != nil {
		return err
	}
	if len(lo) > 0 && len(h) > 0 {
		windowBatches.Add(1)
	}
	return nil
}

// HashAndAssign hashes the row keys and assigns their splits with the
// split hashes kept on the device: h is left unwritten.
func (s *StageKernels) HashAndAssign(seed uint64, b *split.Boundaries, key []uint64, group []int32, rowid []uint64, _, h2 []uint64, out []int8) error {
	p := s.scratch(len(out))
	defer s.i32.Put(p)
	if err := s.k.HashAndAssign(seed, b, key, group, rowid, nil, h2, *p); err != nil {
		return err
	}
	narrow(out, *p)
	return nil
}

// GroupCount counts the rows of each value of an int64 or timestamp column
// on the device's hash table.
func (s *StageKernels) GroupCount(col arrow.Array) (cpu.GroupCounts, error) {
	return aggregate.GroupCount(s.k, col)
}

// aggregatedBatches counts batches the device aggregated.
var aggregatedBatches atomic.Int64

// AggregatedBatches is how many batches StageKernels.Aggregate ran on a
// device in this process (for tests).
func AggregatedBatches() int64 { return aggregatedBatches.Load() }

// Aggregate aggregates one batch on the device and merges its partial into
// g. Tables whose device partials would not merge to the CPU's exact bits
// (see ExactAggregates) answer exec.ErrUnsupported.
func (s *StageKernels) Aggregate(g *groupby.GroupBy, by []string, specs []groupby.AggSpec, b arrow.RecordBatch, mem memory.Allocator) error {
	if err := ExactAggregates(by, specs, b.Schema()); err != nil {
		return fmt.Errorf("%w: %v", exec.ErrUnsupported, err)
	}
	pb, err := aggregate.GroupAggregate(s.k, mem, b, by, specs)
	if err != nil {
		return err
	}
	defer pb.Release()
	if err := g.MergePartial(pb); err != nil {
		return err
	}
	aggregatedBatches.Add(1)
	return nil
}

// Apply applies one fitted transform on the device (vocab, onehot and
// strings answer exec.ErrUnsupported).
func (s *StageKernels) Apply(name string, f *feature.Fitted, col arrow.Array, mem memory.Allocator) ([]arrow.Field, []arrow.Array, error) {
	return transform.Apply(s.k, name, f, col, mem)
}

// program compiles a predicate once.
func (s *StageKernels) program(p *exec.Predicate) (*filter.Program, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fp, ok := s.progs[p]
	if !ok {
		prog, err := filter.Compile(p.Expr, p.Schema)
		if err != nil {
			err = fmt.Errorf("%w: %v", exec.ErrUnsupported, err)
		}
		fp = &filterProg{prog: prog, err: err}
		s.progs[p] = fp
	}
	return fp.prog, fp.err
}

// Filter evaluates the compiled predicate on the device, which compacts
// the kept row numbers; the rows are taken on the host (+1 reference).
func (s *StageKernels) Filter(p *exec.Predicate, in arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	prog, err := s.program(p)
	if err != nil {
		return nil, err
	}
	sel, err := filter.Run(s.k, prog, in, nil)
	if err != nil {
		return nil, err
	}
	if len(sel) == int(in.NumRows()) {
		in.Retain()
		return in, nil
	}
	return perm.Take(in, sel, mem)
}

// ExactAggregates is nil when the device aggregates a table exactly as the
// CPU engine does: one int64 or timestamp key (aggregate.GroupAggregateSupport) and
// only functions whose merge of per-batch partials is exact (counts, min,
// max, sums of integers). Float sums and mean/std/var would merge in a
// different order than the CPU's running state and differ in the last
// bits.
func ExactAggregates(by []string, specs []groupby.AggSpec, schema *arrow.Schema) error {
	if err := aggregate.GroupAggregateSupport(by, specs, schema); err != nil {
		return err
	}
	for _, s := range specs {
		switch s.Func {
		case "count", "min", "max":
			continue
		case "sum":
			if idx := schema.FieldIndices(s.Column); len(idx) > 0 && schema.Field(idx[0]).Type.ID() == arrow.INT64 {
				continue
			}
		}
		return fmt.Errorf("%s(%s) stays on the CPU engine: per-batch device partials of floating-point sums merge in another order and would differ in the last bits", s.Func, s.Column)
	}
	return nil
}
