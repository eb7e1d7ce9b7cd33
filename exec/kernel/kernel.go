package kernel

import (
	"errors"
	"fmt"
	"maps"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/cpu/groupby"
	"github.com/sluice-ml/sluice/exec/split"
)

// Kernels are the kernels a stage needs. Slices are borrowed; outputs are
// written into the given slices (len = rows); Arrow results hand over one
// reference.
type Kernels interface {
	// Name is the engine that runs the kernels ("cpu", "gpu", ...).
	Name() string
	// HashColumn hashes each value of the split.key column.
	HashColumn(col arrow.Array, out []uint64) error
	// FileRows hashes the (file, row) keys first, first+1, ... of a file.
	FileRows(fileHash uint64, first int64, out []uint64) error
	// RowHashes computes the split hash h and, when h2 is not nil, the
	// shard-order hash h2 of every row key.
	RowHashes(seed uint64, key, h, h2 []uint64) error
	// AssignSplits computes every row's split from the boundary table.
	AssignSplits(b *split.Boundaries, group []int32, h, rowid []uint64, out []int8) error
	// AssignShards computes every row's shard from the shard cuts (group =
	// the row's split), as split.Boundaries.AssignInt32.
	AssignShards(b *split.Boundaries, group []int32, h2, rowid []uint64, out []int32) error
	// SortPerm writes to out (as long as keys) the permutation that
	// orders the rows by (keys[i], tie[i]) ascending, equal pairs in row
	// order (tie nil: by keys alone), as perm.SortPerm.
	SortPerm(keys, tie []uint64, out []int32) error
	// CollectWindows feeds one batch to a window collector, as
	// split.Collector.Add (group nil: every row in group 0).
	CollectWindows(c *split.Collector, group []int32, h, rowid []uint64) error
	// HashAndAssign is RowHashes into h2 followed by AssignSplits; h is
	// scratch a device may leave unwritten.
	HashAndAssign(seed uint64, b *split.Boundaries, key []uint64, group []int32, rowid []uint64, h, h2 []uint64, out []int8) error
	// GroupCount counts the rows per value of an int64 or timestamp column.
	GroupCount(col arrow.Array) (cpu.GroupCounts, error)
	// Aggregate folds one batch into the partial aggregation g, which was
	// made with by and specs.
	Aggregate(g *groupby.GroupBy, by []string, specs []groupby.AggSpec, b arrow.RecordBatch, mem memory.Allocator) error
	// FitStats adds the selected (train) rows of col (sel nil: every row)
	// to one feature's partial statistics, as feature.FeatureStats.Update,
	// with the same bits on every engine.
	FitStats(s *feature.FeatureStats, col arrow.Array, sel []int32) error
	// Apply applies one fitted transform to a feature column.
	Apply(name string, f *feature.Fitted, col arrow.Array, mem memory.Allocator) ([]arrow.Field, []arrow.Array, error)
	// Filter returns the rows of in where the predicate holds.
	Filter(p *exec.Predicate, in arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error)
}

// CPU are the CPU engine's kernels.
var CPU Kernels = cpu.StageKernels{}

var (
	_ Kernels = cpu.StageKernels{}
)

// Counts counts fallen-back batches per operator and keeps the first
// reason of each; safe for concurrent use.
type Counts struct {
	mu   sync.Mutex
	m    map[string]int64
	why  map[string]string
	lost string // the first device-lost reason
}

// Add counts n batches of op.
func (c *Counts) Add(op string, n int64) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]int64{}
	}
	c.m[op] += n
	c.mu.Unlock()
}

// note counts one batch of op that fell back because of err.
func (c *Counts) note(op string, err error) {
	c.Add(op, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.why == nil {
		c.why = map[string]string{}
	}
	if _, ok := c.why[op]; !ok {
		c.why[op] = err.Error()
	}
	if c.lost == "" && errors.Is(err, exec.ErrDeviceLost) {
		c.lost = err.Error()
	}
}

// Map returns a copy of the counts (nil when none).
func (c *Counts) Map() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) == 0 {
		return nil
	}
	return maps.Clone(c.m)
}

// Reasons returns the first reason each operator fell back (nil when none).
func (c *Counts) Reasons() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.why) == 0 {
		return nil
	}
	return maps.Clone(c.why)
}

// DeviceLost is the first reason a batch fell back because the device hit
// a sticky error ("" when none did).
func (c *Counts) DeviceLost() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lost
}

// Fallback policies (the job's engine.fallback).
const (
	PolicyAllow = "allow" // run the batch on the CPU, count it
	PolicyWarn  = "warn"  // the same; the driver prints each operator's first fallback
	PolicyError = "error" // fail the call instead of running it on the CPU
)

// WithFallback returns kernels that run every call on dev and, when dev
// answers exec.ErrFallback or exec.ErrUnsupported, on the CPU kernels.
// Batches that fell back (exec.ErrFallback) are counted under op in counts.
// A dev that is the CPU is returned as is.
func WithFallback(dev Kernels, op string, counts *Counts) Kernels {
	return WithPolicy(dev, op, counts, PolicyAllow)
}

// WithPolicy is WithFallback under a fallback policy: with PolicyError a
// batch the device cannot run (exec.ErrFallback: out of memory, a lost
// device) fails the call with an error that says so instead of running on
// the CPU. exec.ErrUnsupported (a parameter the device does not implement,
// known per call) always runs on the CPU.
func WithPolicy(dev Kernels, op string, counts *Counts, policy string) Kernels {
	if _, ok := dev.(cpu.StageKernels); ok || dev == nil {
		return CPU
	}
	return &fallback{dev: dev, op: op, counts: counts, refuse: policy == PolicyError}
}

type fallback struct {
	dev    Kernels
	op     string
	counts *Counts
	refuse bool
}

// back reports whether err asks for the CPU, counting a fallen-back batch;
// under PolicyError a fallback becomes the error *err.
func (f *fallback) back(err *error) bool {
	switch {
	case *err == nil:
		return false
	case errors.Is(*err, exec.ErrFallback):
		if f.refuse {
			*err = fmt.Errorf("engine.fallback is error and %s on %s would fall back to the CPU: %w", f.op, f.dev.Name(), *err)
			return false
		}
		if f.counts != nil {
			f.counts.note(f.op, *err)
		}
		return true
	case errors.Is(*err, exec.ErrUnsupported):
		return true
	}
	return false
}

func (f *fallback) Name() string { return f.dev.Name() }

func (f *fallback) HashColumn(col arrow.Array, out []uint64) error {
	if err := f.dev.HashColumn(col, out); !f.back(&err) {
		return err
	}
	return CPU.HashColumn(col, out)
}

func (f *fallback) FileRows(fileHash uint64, first int64, out []uint64) error {
	if err := f.dev.FileRows(fileHash, first, out); !f.back(&err) {
		return err
	}
	return CPU.FileRows(fileHash, first, out)
}

func (f *fallback) RowHashes(seed uint64, key, h, h2 []uint64) error {
	if err := f.dev.RowHashes(seed, key, h, h2); !f.back(&err) {
		return err
	}
	return CPU.RowHashes(seed, key, h, h2)
}

func (f *fallback) AssignSplits(b *split.Boundaries, group []int32, h, rowid []uint64, out []int8) error {
	if err := f.dev.AssignSplits(b, group, h, rowid, out); !f.back(&err) {
		return err
	}
	return CPU.AssignSplits(b, group, h, rowid, out)
}

func (f *fallback) AssignShards(b *split.Boundaries, group []int32, h2, rowid []uint64, out []int32) error {
	if err := f.dev.AssignShards(b, group, h2, rowid, out); !f.back(&err) {
		return err
	}
	return CPU.AssignShards(b, group, h2, rowid, out)
}

func (f *fallback) SortPerm(keys, tie []uint64, out []int32) error {
	if err := f.dev.SortPerm(keys, tie, out); !f.back(&err) {
		return err
	}
	return CPU.SortPerm(keys, tie, out)
}

func (f *fallback) CollectWindows(c *split.Collector, group []int32, h, rowid []uint64) error {
	if err := f.dev.CollectWindows(c, group, h, rowid); !f.back(&err) {
		return err
	}
	return CPU.CollectWindows(c, group, h, rowid)
}

func (f *fallback) HashAndAssign(seed uint64, b *split.Boundaries, key []uint64, group []int32, rowid []uint64, h, h2 []uint64, out []int8) error {
	if err := f.dev.HashAndAssign(seed, b, key, group, rowid, h, h2, out); !f.back(&err) {
		return err
	}
	return CPU.HashAndAssign(seed, b, key, group, rowid, h, h2, out)
}

func (f *fallback) GroupCount(col arrow.Array) (cpu.GroupCounts, error) {
	gc, err := f.dev.GroupCount(col)
	if !f.back(&err) {
		return gc, err
	}
	return CPU.GroupCount(col)
}

func (f *fallback) Aggregate(g *groupby.GroupBy, by []string, specs []groupby.AggSpec, b arrow.RecordBatch, mem memory.Allocator) error {
	if err := f.dev.Aggregate(g, by, specs, b, mem); !f.back(&err) {
		return err
	}
	return CPU.Aggregate(g, by, specs, b, mem)
}

func (f *fallback) FitStats(s *feature.FeatureStats, col arrow.Array, sel []int32) error {
	if err := f.dev.FitStats(s, col, sel); !f.back(&err) {
		return err
	}
	return CPU.FitStats(s, col, sel)
}

func (f *fallback) Apply(name string, fit *feature.Fitted, col arrow.Array, mem memory.Allocator) ([]arrow.Field, []arrow.Array, error) {
	fs, as, err := f.dev.Apply(name, fit, col, mem)
	if !f.back(&err) {
		return fs, as, err
	}
	return CPU.Apply(name, fit, col, mem)
}

func (f *fallback) Filter(p *exec.Predicate, in arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	out, err := f.dev.Filter(p, in, mem)
	if !f.back(&err) {
		return out, err
	}
	return CPU.Filter(p, in, mem)
}
