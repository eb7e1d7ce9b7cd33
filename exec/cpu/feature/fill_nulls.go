package feature

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
)

// FillNulls replaces the nulls of a numeric label column with v (the fitted
// label fill; engine and serving alike): the column keeps its type, except that an int64 label with a
// non-integer fill becomes float64 (all of it, nulls or not). Returns +1.
func FillNulls(col arrow.Array, v *column.Value, mem memory.Allocator) (arrow.Array, error) {
	if v == nil {
		col.Retain()
		return col, nil
	}
	fv, ok := v.Float()
	if !ok {
		return nil, fmt.Errorf("fill value %s is not numeric", v)
	}
	n := col.Len()
	switch c := col.(type) {
	case *array.Int64:
		vals := c.Int64Values()
		if fv == float64(int64(fv)) {
			if c.NullN() == 0 {
				col.Retain()
				return col, nil
			}
			out := make([]int64, n)
			fill := int64(fv)
			for i, x := range vals {
				if c.IsNull(i) {
					x = fill
				}
				out[i] = x
			}
			b := array.NewInt64Builder(mem)
			defer b.Release()
			b.AppendValues(out, nil)
			return b.NewArray(), nil
		}
		out := make([]float64, n)
		for i, x := range vals {
			out[i] = float64(x)
		}
		fillFloat(out, c, fv)
		return newFloat64(out, mem), nil
	case *array.Float64:
		if c.NullN() == 0 {
			col.Retain()
			return col, nil
		}
		out := append([]float64(nil), c.Float64Values()...)
		fillFloat(out, c, fv)
		return newFloat64(out, mem), nil
	case *array.Boolean:
		if c.NullN() == 0 {
			col.Retain()
			return col, nil
		}
		out := make([]bool, n)
		for i := range out {
			if c.IsNull(i) {
				out[i] = fv != 0
			} else {
				out[i] = c.Value(i)
			}
		}
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		b.AppendValues(out, nil)
		return b.NewArray(), nil
	}
	return nil, fmt.Errorf("the label must be numeric (int64, float64 or bool; got %s)", col.DataType())
}

// fillFloat sets out[i] = fv where col is null.
func fillFloat(out []float64, col arrow.Array, fv float64) {
	if col.NullN() == 0 {
		return
	}
	for i := range out {
		if col.IsNull(i) {
			out[i] = fv
		}
	}
}

func newFloat64(vals []float64, mem memory.Allocator) arrow.Array {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.AppendValues(vals, nil)
	return b.NewArray()
}
