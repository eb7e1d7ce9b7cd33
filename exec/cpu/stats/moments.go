package stats

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-ml/sluice/exec/cpu/column"
)

// Moments is a mergeable partial of count, mean, M2 (sum of squared
// deviations), min and max over the finite, non-null values of a column.
// Nulls, NaN and ±Inf values are counted and excluded from N, Mean, M2,
// Min and Max. Min and Max are meaningful only when N > 0 (they are 0
// otherwise, so a Moments always encodes as JSON). The zero value is an
// empty partial.
//
// Each Update computes the batch's count, mean and M2 in two passes (sum,
// then squared deviations from the batch mean) and folds them in with the
// same parallel merge as Merge (Chan et al.), so the result depends only on
// the order of updates and merges: merge partials in task-index order.
type Moments struct {
	N     int64   `json:"n"`
	Mean  float64 `json:"mean"`
	M2    float64 `json:"m2"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	Nulls int64   `json:"nulls"`
	NaN   int64   `json:"nan"`
	Inf   int64   `json:"inf"`

	idx []int32   // scratch: selected valid rows
	tmp []float64 // scratch: log1p values
}

// Update adds the selected rows of col (int64, float64, bool or
// timestamp[us], the latter as microseconds). It fails for strings and
// other types, naming the type.
func (m *Moments) Update(col arrow.Array, sel []int32) error {
	if err := column.CheckSel(sel, col.Len()); err != nil {
		return err
	}
	idx, dense, nulls := column.RowsOf(col, sel, m.idx)
	m.idx = idx
	var b Moments
	switch a := col.(type) {
	case *array.Int64:
		b = batchMoments(a.Int64Values(), idx, dense, false)
	case *array.Timestamp:
		if column.TypeOf(a.DataType()) != column.TTime {
			return fmt.Errorf("moments: unsupported column type %s (allowed: %s)", col.DataType(), column.AllowedTypes)
		}
		b = batchMoments(column.Int64Values(a), idx, dense, false)
	case *array.Float64:
		b = batchMoments(a.Float64Values(), idx, dense, true)
	case *array.Boolean:
		b = boolMoments(a, idx, dense)
	default:
		return fmt.Errorf("moments: needs a numeric column (int64, float64, bool or timestamp), got %s", column.TypeName(col.DataType()))
	}
	b.Nulls = nulls
	m.Merge(b)
	return nil
}

// UpdateLog1p adds log1p(x) for the selected rows of col (the statistics
// of the log1p transform). x <= -1 (log1p undefined or -Inf) is counted as
// NaN; NaN and ±Inf inputs are counted as such.
func (m *Moments) UpdateLog1p(col arrow.Array, sel []int32) error {
	if err := column.CheckSel(sel, col.Len()); err != nil {
		return err
	}
	idx, dense, nulls := column.RowsOf(col, sel, m.idx)
	m.idx = idx
	n := col.Len()
	if cap(m.tmp) < n {
		m.tmp = make([]float64, n)
	}
	t := m.tmp[:n]
	switch a := col.(type) {
	case *array.Int64:
		log1pInto(t, a.Int64Values())
	case *array.Timestamp:
		log1pInto(t, column.Int64Values(a))
	case *array.Float64:
		log1pInto(t, a.Float64Values())
	case *array.Boolean:
		bs := column.BoolBytes(a, nil)
		for i, v := range bs {
			t[i] = math.Log1p(float64(v))
		}
	default:
		return fmt.Errorf("moments: log1p needs a numeric column (int64, float64, bool or timestamp), got %s", column.TypeName(col.DataType()))
	}
	b := batchMoments(t, idx, dense, true)
	// -Inf here came from x == -1: count it as NaN, as x < -1 already is.
	var negInf int64
	if dense {
		for _, v := range t {
			if math.IsInf(v, -1) {
				negInf++
			}
		}
	} else {
		for _, i := range idx {
			if math.IsInf(t[i], -1) {
				negInf++
			}
		}
	}
	b.Inf -= negInf
	b.NaN += negInf
	b.Nulls = nulls
	m.Merge(b)
	return nil
}

func log1pInto[T int64 | float64](dst []float64, src []T) {
	for i, v := range src {
		x := float64(v)
		if x < -1 {
			dst[i] = math.NaN()
			continue
		}
		dst[i] = math.Log1p(x)
	}
}

// batchMoments computes a partial over vals (dense) or vals[idx]. When
// check is set, NaN and ±Inf are counted and skipped.
func batchMoments[T int64 | float64](vals []T, idx []int32, dense, check bool) Moments {
	var (
		n, nan, inf int64
		sum         float64
		lo, hi      = math.Inf(1), math.Inf(-1)
	)
	if dense {
		for _, v := range vals {
			x := float64(v)
			if check && x-x != 0 {
				if x != x {
					nan++
				} else {
					inf++
				}
				continue
			}
			n++
			sum += x
			if x < lo {
				lo = x
			}
			if x > hi {
				hi = x
			}
		}
	} else {
		for _, i := range idx {
			x := float64(vals[i])
			if check && x-x != 0 {
				if x != x {
					nan++
				} else {
					inf++
				}
				continue
			}
			n++
			sum += x
			if x < lo {
				lo = x
			}
			if x > hi {
				hi = x
			}
		}
	}
	b := Moments{N: n, NaN: nan, Inf: inf}
	if n == 0 {
		return b
	}
	mean := sum / float64(n)
	var m2, corr float64
	if dense {
		for _, v := range vals {
			x := float64(v)
			if check && x-x != 0 {
				continue
			}
			d := x - mean
			m2 += d * d
			corr += d
		}
	} else {
		for _, i := range idx {
			x := float64(vals[i])
			if check && x-x != 0 {
				continue
			}
			d := x - mean
			m2 += d * d
			corr += d
		}
	}
	// Corrected two-pass: fixes the rounding error of the first-pass mean.
	mean += corr / float64(n)
	m2 -= corr * corr / float64(n)
	if m2 < 0 {
		m2 = 0
	}
	b.Mean, b.M2, b.Min, b.Max = mean, m2, lo, hi
	return b
}

func boolMoments(a *array.Boolean, idx []int32, dense bool) Moments {
	var n, trues int64
	if dense {
		n = int64(a.Len())
		for i := 0; i < a.Len(); i++ {
			if a.Value(i) {
				trues++
			}
		}
	} else {
		n = int64(len(idx))
		for _, i := range idx {
			if a.Value(int(i)) {
				trues++
			}
		}
	}
	b := Moments{N: n}
	if n == 0 {
		return b
	}
	p := float64(trues) / float64(n)
	b.Mean = p
	b.M2 = float64(trues)*(1-p)*(1-p) + float64(n-trues)*p*p
	if trues < n {
		b.Min = 0
	} else {
		b.Min = 1
	}
	if trues > 0 {
		b.Max = 1
	}
	return b
}

// Merge folds o into m (Chan et al. parallel update). The result depends
// on the order of merges; merge partials in a fixed order.
func (m *Moments) Merge(o Moments) {
	m.Nulls += o.Nulls
	m.NaN += o.NaN
	m.Inf += o.Inf
	if o.N == 0 {
		return
	}
	if m.N == 0 {
		m.N, m.Mean, m.M2, m.Min, m.Max = o.N, o.Mean, o.M2, o.Min, o.Max
		return
	}
	na, nb := float64(m.N), float64(o.N)
	n := na + nb
	d := o.Mean - m.Mean
	m.Mean += d * nb / n
	m.M2 += o.M2 + d*d*na*nb/n
	m.N += o.N
	m.Min = math.Min(m.Min, o.Min)
	m.Max = math.Max(m.Max, o.Max)
}

// Var is the sample variance M2/(N-1); NaN when N < 2.
func (m Moments) Var() float64 {
	if m.N < 2 {
		return math.NaN()
	}
	return m.M2 / float64(m.N-1)
}

// Std is the sample standard deviation; NaN when N < 2.
func (m Moments) Std() float64 { return math.Sqrt(m.Var()) }
