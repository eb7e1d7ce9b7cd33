package task

import (
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/groupby"
	"github.com/sluice-ml/sluice/exec/kernel"
	"github.com/sluice-ml/sluice/shuffle"
	"github.com/sluice-ml/sluice/task/exchange"
	"github.com/sluice-ml/sluice/task/rows"
	"github.com/sluice-ml/sluice/vocab"
)

// partials is one aggregate table's partial side in a scan task: a hash
// aggregation whose states go to the exchange, partitioned by key hash. When
// its hash table outgrows its share of the memory budget it writes the states
// it has and starts over (partial aggregation may emit a key more than once;
// the final side merges them), so a huge number of groups spills through the
// exchange instead of growing the task.
type partials struct {
	r     *Env
	table int
	g     *groupby.GroupBy
	w     *shuffle.Writer
	path  string
	parts int
	limit int64
	mem   memory.Allocator
	h     []uint64
	part  []int32
	kern  kernel.Kernels
}

// AggSpillBytes caps one partial aggregation's hash table (a quarter of the
// executor budget shared by the tables, when that is smaller).
var AggSpillBytes int64 = 256 << 20

// AggSpills counts early flushes of partial aggregates (for tests and stats).
var AggSpills atomic.Int64

func (r *Env) newPartials(table int, path string, x *TaskContext) (*partials, error) {
	a := r.aggSpecs[table]
	g, err := groupby.NewGroupBy(a.by, a.specs, r.fullSchema)
	if err != nil {
		return nil, err
	}
	p := &partials{r: r, table: table, g: g, path: path, parts: r.AggPartitions(table), mem: x.Mem, limit: AggSpillBytes}
	if l := x.Budget.Limit(); l > 0 {
		p.limit = min(p.limit, l/(4*int64(len(r.aggSpecs))))
	}
	p.w, err = shuffle.NewWriter(path, g.PartialSchema(), shuffle.WriterOptions{Partitions: p.parts, Codec: exchange.ScratchCodec}, x.Mem)
	if err != nil {
		return nil, err
	}
	p.kern = r.kernels(x, vocab.StageScan, vocab.OpPartialAggregate)
	return p, nil
}

// update aggregates one batch into the task's table: on the device (its
// partial merged in; only for tables it aggregates exactly) or the CPU.
func (p *partials) update(b arrow.RecordBatch) error {
	a := p.r.aggSpecs[p.table]
	if err := p.kern.Aggregate(p.g, a.by, a.specs, b, p.mem); err != nil {
		return err
	}
	if p.g.MemoryBytes() > p.limit {
		return p.flush(true)
	}
	return nil
}

// flush writes the partial states; with again, a fresh table follows.
func (p *partials) flush(again bool) error {
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
		AggSpills.Add(1)
		a := p.r.aggSpecs[p.table]
		p.g, err = groupby.NewGroupBy(a.by, a.specs, p.r.fullSchema)
	}
	return err
}

func (p *partials) close() error {
	if err := p.flush(false); err != nil {
		return err
	}
	_, err := p.w.Close()
	p.w = nil
	return err
}

func (p *partials) abort() {
	if p.w != nil {
		p.w.Abort()
	}
}
