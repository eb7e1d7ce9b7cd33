package engine

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/kernel"
)

// outputColumns applies the fitted transforms to a cached batch and returns
// the output batch: features, label, keep columns, then __h2 and __rowid.
func (r *jobEnv) outputColumns(b arrow.RecordBatch, f *fitted, h2 []uint64, mem memory.Allocator, k kernel.Kernels) (arrow.RecordBatch, error) {
	job := r.p.job
	var fields []arrow.Field
	var cols []arrow.Array
	fail := func(err error) (arrow.RecordBatch, error) {
		for _, c := range cols {
			c.Release()
		}
		return nil, err
	}
	colOf := func(name string) (arrow.Array, error) {
		idx := b.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("internal: column %q missing from the cache", name)
		}
		return b.Column(idx[0]), nil
	}
	for i, feat := range job.Features {
		src, err := colOf(feat.Name)
		if err != nil {
			return fail(err)
		}
		fs, as, err := k.Apply(feat.Name, f.Features[i], src, mem)
		if err != nil {
			return fail(fmt.Errorf("features.%s: %w", feat.Name, err))
		}
		fields = append(fields, fs...)
		cols = append(cols, as...)
	}
	if l := job.Label; l != nil {
		src, err := colOf(l.Name)
		if err != nil {
			return fail(err)
		}
		out, err := cpu.FillNulls(src, f.LabelFill, mem)
		if err != nil {
			return fail(fmt.Errorf("label.%s: %w", l.Name, err))
		}
		fields = append(fields, arrow.Field{Name: l.Name, Type: out.DataType(), Nullable: out.NullN() > 0 || f.LabelFill == nil})
		cols = append(cols, out)
	}
	for _, k := range job.Keep {
		src, err := colOf(k.Name)
		if err != nil {
			return fail(err)
		}
		src.Retain()
		fields = append(fields, arrow.Field{Name: k.Name, Type: src.DataType(), Nullable: true})
		cols = append(cols, src)
	}
	rowid, err := colOf(colRowID)
	if err != nil {
		return fail(err)
	}
	rowid.Retain()
	fields = append(fields, arrow.Field{Name: colH2, Type: arrow.PrimitiveTypes.Int64}, arrow.Field{Name: colRowID, Type: arrow.PrimitiveTypes.Int64})
	cols = append(cols, uint64Array(mem, h2), rowid)
	out := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, b.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// outputSchema is the transform stage's schema, found by transforming an
// empty batch of the cache schema.
func (r *jobEnv) outputSchema(f *fitted) (*arrow.Schema, error) {
	mem := memory.NewGoAllocator()
	cols := make([]arrow.Array, r.cacheSchema.NumFields())
	for i, fd := range r.cacheSchema.Fields() {
		cols[i] = array.MakeArrayOfNull(mem, fd.Type, 0)
		defer cols[i].Release()
	}
	b := array.NewRecordBatch(r.cacheSchema, cols, 0)
	defer b.Release()
	out, err := r.outputColumns(b, f, nil, mem, kernel.CPU)
	if err != nil {
		return nil, err
	}
	defer out.Release()
	return out.Schema(), nil
}

// outputSources are the cache columns outputColumns reads: feature sources,
// label, keep.
func (r *jobEnv) outputSources() []string {
	job := r.p.job
	var out []string
	for _, f := range job.Features {
		out = append(out, f.Name)
	}
	if job.Label != nil {
		out = append(out, job.Label.Name)
	}
	for _, k := range job.Keep {
		out = append(out, k.Name)
	}
	return out
}
