package input

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/canonical"
	"github.com/sluice-ml/sluice/vocab"
)

// DefaultGenerateFiles is the number of pseudo files (tasks) of a generated
// dataset when input.generate.files is 0.
const DefaultGenerateFiles = 8

// openGenerated describes a generated dataset: Files pseudo files of equal
// row ranges ("generate:citibike/part-00000", ...), one task each.
func openGenerated(in vocab.Input) (*Dataset, error) {
	g := in.Generate
	if g.Kind != "citibike" {
		return nil, fmt.Errorf("input.generate.kind: unknown generator %q (allowed: citibike)", g.Kind)
	}
	if g.Rows <= 0 {
		return nil, fmt.Errorf("input.generate.rows: must be > 0 (got %d)", g.Rows)
	}
	files := g.Files
	if files < 0 {
		return nil, fmt.Errorf("input.generate.files: must be >= 1 (got %d)", files)
	}
	if files == 0 {
		files = DefaultGenerateFiles
	}
	files = int(min(int64(files), g.Rows))
	d := &Dataset{Format: FormatGenerate, Schema: CitibikeSchema, Generated: true, Input: in}
	for i := 0; i < files; i++ {
		lo, hi := g.Rows*int64(i)/int64(files), g.Rows*int64(i+1)/int64(files)
		name := fmt.Sprintf("generate:%s/part-%05d", g.Kind, i)
		d.Files = append(d.Files, File{Path: name, RelPath: name, Rows: hi - lo})
		d.Tasks = append(d.Tasks, Task{Index: i, FileIndex: i, Rows: hi - lo, GenLo: lo, GenHi: hi})
	}
	return d, nil
}

// genReader generates a task's rows batch by batch.
type genReader struct {
	ctx    context.Context
	seed   uint64
	lo, hi int64 // generator rows of the task
	pos    int64 // next generator row
	batch  int64
	cols   []int
	out    *arrow.Schema
	cur    arrow.RecordBatch
	mem    memory.Allocator
	closed bool
}

func newGenReader(ctx context.Context, d *Dataset, t Task, cols []int, opt ReadOptions, mem memory.Allocator) (Reader, error) {
	if d.Input.Generate == nil {
		return nil, errors.New("input: generated dataset without input.generate")
	}
	if t.GenLo < 0 || t.GenHi < t.GenLo {
		return nil, fmt.Errorf("input: task %d: bad generator rows [%d, %d)", t.Index, t.GenLo, t.GenHi)
	}
	return &genReader{ctx: ctx, seed: d.Input.Generate.Seed, lo: t.GenLo, hi: t.GenHi, pos: t.GenLo,
		batch: int64(opt.BatchRows), cols: cols, out: canonical.Project(d.Schema, cols), mem: mem}, nil
}

// Stats is zero: generated data is not pruned.
func (g *genReader) Stats() ReadStats { return ReadStats{} }

// Next returns the next batch and the pseudo-file row number of its first row.
func (g *genReader) Next() (arrow.RecordBatch, int64, error) {
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
	rec, err := GenerateCitibike(g.seed, g.pos, end, g.mem)
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

// Close releases the last batch.
func (g *genReader) Close() error {
	if !g.closed && g.cur != nil {
		g.cur.Release()
		g.cur = nil
	}
	g.closed = true
	return nil
}
