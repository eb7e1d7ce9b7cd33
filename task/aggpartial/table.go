package aggpartial

import (
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/groupby"
	"github.com/sluice-ml/sluice/exec/kernel"
	"github.com/sluice-ml/sluice/shuffle"
	"github.com/sluice-ml/sluice/task/exchange"
	"github.com/sluice-ml/sluice/task/rows"
)

// Table is one aggregate table's partial side in a scan task: a hash
// aggregation whose states go to the exchange, partitioned by key hash. When
// its hash table outgrows its limit it writes the states it has and starts
// over (partial aggregation may emit a key more than once; the final side
// merges them), so a huge number of groups spills through the exchange
// instead of growing the task.
type Table struct {
	by     []string
	specs  []groupby.AggSpec
	schema *arrow.Schema
	g      *groupby.GroupBy
	w      *shuffle.Writer
	Path   string // the exchange file
	parts  int
	limit  int64
	mem    memory.Allocator
	h      []uint64
	part   []int32
	kern   kernel.Kernels
}

// SpillBytes caps one partial aggregation's hash table (the scan task
// lowers it to a quarter of the executor budget shared by the tables, when
// that is smaller).
var SpillBytes int64 = 256 << 20

// Spills counts early flushes of partial aggregates (for tests and stats).
var Spills atomic.Int64

// New starts the partial aggregation of the rows of schema grouped by by
// into specs, aggregated by kernels k, whose states go to the exchange
// file path cut into parts partitions; the hash table is flushed when it
// outgrows limit bytes.
func New(by []string, specs []groupby.AggSpec, schema *arrow.Schema, parts int, limit int64, path string, mem memory.Allocator, k kernel.Kernels) (*Table, error) {
	g, err := groupby.NewGroupBy(by, specs, schema)
	if err != nil {
		return nil, err
	}
	p := &Table{by: by, specs: specs, schema: schema, g: g, Path: path, parts: parts, mem: mem, limit: limit, kern: k}
	p.w, err = shuffle.NewWriter(path, g.PartialSchema(), shuffle.WriterOptions{Partitions: p.parts, Codec: exchange.ScratchCodec}, mem)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Update aggregates one batch into the task's table: on the device (its
// partial merged in; only for tables it aggregates exactly) or the CPU.
func (p *Table) Update(b arrow.RecordBatch) error {
	if err := p.kern.Aggregate(p.g, p.by, p.specs, b, p.mem); err != nil {
		return err
	}
	if p.g.MemoryBytes() > p.limit {
		return p.flush(true)
	}
	return nil
}

// flush writes the partial states; with again, a fresh table follows.
func (p *Table) flush(again bool) error {
	pb, err := p.g.PartialBatch(p.mem)
	if err != nil {
		return err
	}
	defer pb.Release()
	n := int(pb.NumRows())
	p.h = rows.Resize(p.h, n)
	if err := p.g.KeyHashes(pb, p.h); err != nil {
		return err
	}
	p.part = rows.Resize(p.part, n)
	for i, v := range p.h {
		p.part[i] = int32(v % uint64(p.parts))
	}
	if err := p.w.WritePartitioned(pb, p.part); err != nil {
		return err
	}
	if again {
		Spills.Add(1)
		p.g, err = groupby.NewGroupBy(p.by, p.specs, p.schema)
	}
	return err
}

// Close writes the states left and closes the exchange file.
func (p *Table) Close() error {
	if err := p.flush(false); err != nil {
		return err
	}
	_, err := p.w.Close()
	p.w = nil
	return err
}

// Abort removes an unfinished exchange file.
func (p *Table) Abort() {
	if p.w != nil {
		p.w.Abort()
	}
}
