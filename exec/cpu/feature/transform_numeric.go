package feature

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/vocab"
)

// numericInput converts a numeric column to float64 (bool 0/1, timestamps
// as microseconds) and applies the fill to null rows. valid is false when
// the output carries the input's nulls.
func numericInput(f *Fitted, col arrow.Array) (xs []float64, keepNulls bool, err error) {
	n := col.Len()
	xs = make([]float64, n)
	switch a := col.(type) {
	case *array.Int64:
		toFloat(xs, a.Int64Values())
	case *array.Timestamp:
		toFloat(xs, column.Int64Values(a))
	case *array.Float64:
		copy(xs, a.Float64Values())
	case *array.Boolean:
		toFloat(xs, column.BoolBytes(a, nil))
	default:
		return nil, false, fmt.Errorf("%s needs a numeric column (got %s)", f.Transform, column.TypeName(col.DataType()))
	}
	if col.NullN() == 0 {
		return xs, false, nil
	}
	if f.Fill == nil {
		return xs, true, nil
	}
	fill, ok := f.Fill.Float()
	if !ok {
		return nil, false, fmt.Errorf("fill value %q is not a number", f.Fill.S)
	}
	for i := range xs {
		if !column.IsValid(col, i) {
			xs[i] = fill
		}
	}
	return xs, false, nil
}

func toFloat[T int64 | float64 | uint8](dst []float64, src []T) {
	for i, v := range src {
		dst[i] = float64(v)
	}
}

func divisor(std float64) float64 {
	if std == 0 || math.IsNaN(std) || math.IsInf(std, 0) {
		return 1
	}
	return std
}

func applyNumeric(f *Fitted, col arrow.Array, mem memory.Allocator) (arrow.Array, error) {
	xs, keepNulls, err := numericInput(f, col)
	if err != nil {
		return nil, err
	}
	n := len(xs)
	if f.Transform == vocab.TBucketize {
		b := column.NewOutBuf(mem, arrow.PrimitiveTypes.Int32, n, 4)
		bucketize(b.Int32s(), xs, f.Boundaries)
		if keepNulls {
			b.CopyValidity(mem, col)
		}
		return b.Finish(), nil
	}
	b := column.NewOutBuf(mem, arrow.PrimitiveTypes.Float32, n, 4)
	out := b.Float32s()
	switch f.Transform {
	case vocab.TIdentity:
		for i, x := range xs {
			out[i] = float32(x)
		}
	case vocab.TZScore:
		mean, s := f.Mean, divisor(f.Std)
		for i, x := range xs {
			out[i] = float32((x - mean) / s)
		}
	case vocab.TLog1p:
		mean, s := f.Mean, divisor(f.Std)
		for i, x := range xs {
			out[i] = float32((math.Log1p(x) - mean) / s)
		}
	case vocab.TMinMax:
		lo, r := f.Min, f.Max-f.Min
		if r == 0 {
			clear(out)
			break
		}
		for i, x := range xs {
			out[i] = float32((x - lo) / r)
		}
	case vocab.TClip:
		lo, hi := math.Inf(-1), math.Inf(1)
		if f.ClipMin != nil {
			lo = *f.ClipMin
		}
		if f.ClipMax != nil {
			hi = *f.ClipMax
		}
		for i, x := range xs {
			if x < lo {
				x = lo
			} else if x > hi {
				x = hi
			}
			out[i] = float32(x)
		}
	}
	if keepNulls {
		b.CopyValidity(mem, col)
	}
	return b.Finish(), nil
}

// bucketize writes the number of boundaries <= x (binary search; NaN
// compares false, so it lands in bucket 0).
func bucketize(out []int32, xs, bounds []float64) {
	for i, x := range xs {
		lo, hi := 0, len(bounds)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if bounds[m] <= x {
				lo = m + 1
			} else {
				hi = m
			}
		}
		out[i] = int32(lo)
	}
}
