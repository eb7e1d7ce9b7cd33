package task

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/kernel"
	"github.com/sluice-ml/sluice/task/rows"
)

// outputColumns applies the Fitted transforms to a cached batch and returns
// the output batch: features, label, keep columns, then __h2 and __rowid.
func (r *Env) outputColumns(b arrow.RecordBatch, f *Fitted, h2 []uint64, mem memory.Allocator, k kernel.Kernels) (arrow.RecordBatch, error) {
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
	for i, feat := range r.features {
		name := feat.GetName()
		src, err := colOf(name)
		if err != nil {
			return fail(err)
		}
		fs, as, err := k.Apply(name, f.Features[i], src, mem)
		if err != nil {
			return fail(fmt.Errorf("features.%s: %w", name, err))
		}
		fields = append(fields, fs...)
		cols = append(cols, as...)
	}
	if l := r.label; l != nil {
		src, err := colOf(l.GetName())
		if err != nil {
			return fail(err)
		}
		out, err := feature.FillNulls(src, f.LabelFill, mem)
		if err != nil {
			return fail(fmt.Errorf("label.%s: %w", l.GetName(), err))
		}
		fields = append(fields, arrow.Field{Name: l.GetName(), Type: out.DataType(), Nullable: out.NullN() > 0 || f.LabelFill == nil})
		cols = append(cols, out)
	}
	for _, name := range r.keep {
		src, err := colOf(name)
		if err != nil {
			return fail(err)
		}
		src.Retain()
		fields = append(fields, arrow.Field{Name: name, Type: src.DataType(), Nullable: true})
		cols = append(cols, src)
	}
	rowid, err := colOf(ColRowID)
	if err != nil {
		return fail(err)
	}
	rowid.Retain()
	fields = append(fields, arrow.Field{Name: ColH2, Type: arrow.PrimitiveTypes.Int64}, arrow.Field{Name: ColRowID, Type: arrow.PrimitiveTypes.Int64})
	cols = append(cols, rows.Uint64Array(mem, h2), rowid)
	out := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, b.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// OutputSchema is the transform stage's schema, found by transforming an
// empty batch of the cache schema.
func (r *Env) OutputSchema(f *Fitted) (*arrow.Schema, error) {
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
func (r *Env) outputSources() []string {
	var out []string
	for _, f := range r.features {
		out = append(out, f.GetName())
	}
	if r.label != nil {
		out = append(out, r.label.GetName())
	}
	out = append(out, r.keep...)
	return out
}
