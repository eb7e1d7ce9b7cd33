package input

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/citibike"
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
	d := &Dataset{Format: FormatGenerate, Schema: citibike.Schema, Generated: true, Input: in}
	for i := 0; i < files; i++ {
		lo, hi := g.Rows*int64(i)/int64(files), g.Rows*int64(i+1)/int64(files)
		name := fmt.Sprintf("generate:%s/part-%05d", g.Kind, i)
		d.Files = append(d.Files, File{Path: name, RelPath: name, Rows: hi - lo})
		d.Tasks = append(d.Tasks, Task{Index: i, FileIndex: i, Rows: hi - lo, GenLo: lo, GenHi: hi})
	}
	return d, nil
}

// newGenReader reads a generated dataset's task: its generator rows.
func newGenReader(ctx context.Context, d *Dataset, t Task, cols []int, opt ReadOptions, mem memory.Allocator) (Reader, error) {
	if d.Input.Generate == nil {
		return nil, errors.New("input: generated dataset without input.generate")
	}
	if t.GenLo < 0 || t.GenHi < t.GenLo {
		return nil, fmt.Errorf("input: task %d: bad generator rows [%d, %d)", t.Index, t.GenLo, t.GenHi)
	}
	return citibike.NewReader(ctx, d.Input.Generate.Seed, t.GenLo, t.GenHi, cols, opt.BatchRows, mem), nil
}
