package transform

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/kernel"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/task/fragment"
	"github.com/sluice-ml/sluice/task/rows"
)

// Output is what a job writes per row besides the internal columns: its
// features (in order), its label (nil without one) and its keep columns.
type Output struct {
	Features []*pb.FeatureSpec
	Label    *pb.LabelSpec
	Keep     []string
}

// Columns applies the fitted transforms f to a cached batch with kernels
// k and returns the output batch: features, label, keep columns, then
// __h2 (from h2) and __rowid.
func (r Output) Columns(b arrow.RecordBatch, f *fragment.Fitted, h2 []uint64, mem memory.Allocator, k kernel.Kernels) (arrow.RecordBatch, error) {
	return r.columns(b, f, h2, true, mem, k)
}

// Rows is Columns without the internal columns: the rows a shard holds.
// b needs no __rowid.
func (r Output) Rows(b arrow.RecordBatch, f *fragment.Fitted, mem memory.Allocator, k kernel.Kernels) (arrow.RecordBatch, error) {
	return r.columns(b, f, nil, false, mem, k)
}

func (r Output) columns(b arrow.RecordBatch, f *fragment.Fitted, h2 []uint64, internal bool, mem memory.Allocator, k kernel.Kernels) (arrow.RecordBatch, error) {
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
	for i, feat := range r.Features {
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
	if l := r.Label; l != nil {
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
	for _, name := range r.Keep {
		src, err := colOf(name)
		if err != nil {
			return fail(err)
		}
		src.Retain()
		fields = append(fields, arrow.Field{Name: name, Type: src.DataType(), Nullable: true})
		cols = append(cols, src)
	}
	if internal {
		rowid, err := colOf(rows.ColRowID)
		if err != nil {
			return fail(err)
		}
		rowid.Retain()
		fields = append(fields, arrow.Field{Name: rows.ColH2, Type: arrow.PrimitiveTypes.Int64}, arrow.Field{Name: rows.ColRowID, Type: arrow.PrimitiveTypes.Int64})
		cols = append(cols, rows.Uint64Array(mem, h2), rowid)
	}
	out := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, b.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// Schema is the output's schema, found by transforming an empty batch of
// the cache schema.
func (r Output) Schema(cacheSchema *arrow.Schema, f *fragment.Fitted) (*arrow.Schema, error) {
	mem := memory.NewGoAllocator()
	cols := make([]arrow.Array, cacheSchema.NumFields())
	for i, fd := range cacheSchema.Fields() {
		cols[i] = array.MakeArrayOfNull(mem, fd.Type, 0)
		defer cols[i].Release()
	}
	b := array.NewRecordBatch(cacheSchema, cols, 0)
	defer b.Release()
	out, err := r.Columns(b, f, nil, mem, kernel.CPU)
	if err != nil {
		return nil, err
	}
	defer out.Release()
	return out.Schema(), nil
}

// Sources are the cache columns Columns reads: feature sources, label,
// keep.
func (r Output) Sources() []string {
	var out []string
	for _, f := range r.Features {
		out = append(out, f.GetName())
	}
	if r.Label != nil {
		out = append(out, r.Label.GetName())
	}
	out = append(out, r.Keep...)
	return out
}
