package engine

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/jobspec"
)

// fitted holds every fitted transform of the job.
type fitted struct {
	Features    []*cpu.Fitted `json:"features"`   // per job feature
	LabelFill   *cpu.Value    `json:"label_fill"` // nil: label nulls stay null
	OutputNames [][]string    `json:"outputs"`    // per feature, its output column names
}

// buildFitted turns the merged train statistics into fitted transforms.
func (r *run) buildFitted(total *fitPartial) (*fitted, error) {
	job := r.p.job
	f := &fitted{}
	for i, feat := range job.Features {
		var stats *cpu.FeatureStats
		if total.Features[i] != nil {
			stats = total.Features[i].Stats
		}
		if stats == nil {
			stats = &cpu.FeatureStats{}
		}
		ft, err := cpu.FitFeature(feat, stats)
		if err != nil {
			return nil, jobspec.Errorf(job.File, feat.Line, "features."+feat.Name, "%v", err)
		}
		f.Features = append(f.Features, ft)
		var names []string
		for _, fd := range ft.OutputFields(feat.Name) {
			names = append(names, fd.Name)
		}
		f.OutputNames = append(f.OutputNames, names)
	}
	if l := job.Label; l != nil {
		switch l.Fill.Kind {
		case jobspec.FillNone, jobspec.FillDrop, "":
		default:
			var stats *cpu.FeatureStats
			if total.Label != nil {
				stats = total.Label.Stats
			}
			if stats == nil {
				stats = &cpu.FeatureStats{}
			}
			ft, err := cpu.FitFeature(jobspec.Feature{Name: l.Name, Transform: jobspec.TIdentity, Fill: l.Fill, Line: l.Line}, stats)
			if err != nil {
				return nil, jobspec.Errorf(job.File, l.Line, "label."+l.Name, "%v", err)
			}
			f.LabelFill = ft.Fill
		}
	}
	return f, nil
}

// fillNulls replaces the nulls of a numeric label column with v, keeping the
// column's type (an int64 label filled with a non-integer becomes float64).
// Returns +1.
func fillNulls(col arrow.Array, v *cpu.Value, mem memory.Allocator) (arrow.Array, error) {
	if v == nil {
		col.Retain()
		return col, nil
	}
	fv, ok := v.Float()
	if !ok {
		return nil, fmt.Errorf("fill value %s is not numeric", v)
	}
	_, isInt := col.(*array.Int64)
	if col.NullN() == 0 && !(isInt && fv != float64(int64(fv))) {
		col.Retain()
		return col, nil
	}
	n := col.Len()
	switch c := col.(type) {
	case *array.Int64:
		if fv == float64(int64(fv)) {
			b := array.NewInt64Builder(mem)
			defer b.Release()
			b.Reserve(n)
			vals := c.Int64Values()
			for i := 0; i < n; i++ {
				if c.IsNull(i) {
					b.UnsafeAppend(int64(fv))
				} else {
					b.UnsafeAppend(vals[i])
				}
			}
			return b.NewArray(), nil
		}
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.Reserve(n)
		vals := c.Int64Values()
		for i := 0; i < n; i++ {
			if c.IsNull(i) {
				b.UnsafeAppend(fv)
			} else {
				b.UnsafeAppend(float64(vals[i]))
			}
		}
		return b.NewArray(), nil
	case *array.Float64:
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.Reserve(n)
		vals := c.Float64Values()
		for i := 0; i < n; i++ {
			if c.IsNull(i) {
				b.UnsafeAppend(fv)
			} else {
				b.UnsafeAppend(vals[i])
			}
		}
		return b.NewArray(), nil
	case *array.Boolean:
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		for i := 0; i < n; i++ {
			if c.IsNull(i) {
				b.Append(fv != 0)
			} else {
				b.Append(c.Value(i))
			}
		}
		return b.NewArray(), nil
	}
	return nil, fmt.Errorf("the label must be numeric (got %s)", col.DataType())
}
