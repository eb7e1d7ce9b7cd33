package citibike

import (
	"context"
	"errors"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/canonical"
)

// Reader generates a range of rows batch by batch.
type Reader struct {
	ctx    context.Context
	seed   uint64
	lo, hi int64 // generator rows of the range
	pos    int64 // next generator row
	batch  int64
	cols   []int
	out    *arrow.Schema
	cur    arrow.RecordBatch
	mem    memory.Allocator
	closed bool
}

// NewReader returns a reader of the columns cols (indices into Schema,
// ascending) of generator rows [lo, hi) for seed, in batches of at most
// batchRows rows (> 0). Every batch is allocated from mem.
func NewReader(ctx context.Context, seed uint64, lo, hi int64, cols []int, batchRows int, mem memory.Allocator) *Reader {
	return &Reader{ctx: ctx, seed: seed, lo: lo, hi: hi, pos: lo,
		batch: int64(batchRows), cols: cols, out: canonical.Project(Schema, cols), mem: mem}
}

// Next returns the next batch (lent until the next Next or Close) and the
// number of its first row within the range; a nil batch at the end.
func (g *Reader) Next() (arrow.RecordBatch, int64, error) {
	if g.closed {
		return nil, 0, errors.New("input: Next on a closed reader")
	}
	if g.cur != nil {
		g.cur.Release()
		g.cur = nil
	}
	if err := g.ctx.Err(); err != nil {
		return nil, 0, err
	}
	if g.pos >= g.hi {
		return nil, 0, nil
	}
	end := min(g.pos+g.batch, g.hi)
	rec, err := Generate(g.seed, g.pos, end, g.mem)
	if err != nil {
		return nil, 0, err
	}
	cols := make([]arrow.Array, len(g.cols))
	for i, c := range g.cols {
		cols[i] = rec.Column(c)
	}
	g.cur = array.NewRecordBatch(g.out, cols, rec.NumRows())
	rec.Release()
	first := g.pos - g.lo
	g.pos = end
	return g.cur, first, nil
}

// Close releases the last batch. It is idempotent.
func (g *Reader) Close() error {
	if !g.closed && g.cur != nil {
		g.cur.Release()
		g.cur = nil
	}
	g.closed = true
	return nil
}
