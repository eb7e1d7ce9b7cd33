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
// Each Update reduces the batch in the canonical order every engine uses
// (see batchMoments: tiles of MomentsTile selected rows, MomentsLanes lanes
// per tile and a fixed tree), and folds the batch's partial in with the
// parallel merge of Merge (Chan et al.), so the result depends only on the
// order of updates and merges, never on the engine: merge partials in
// task-index order.
type Moments struct {
	N     int64   `json:"n"`
	Mean  float64 `json:"mean"`
	M2    float64 `json:"m2"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	Nulls int64   `json:"nulls"`
	NaN   int64   `json:"nan"`
	Inf   int64   `json:"inf"`

	bools []byte // scratch: a bool column's values as bytes
}

// Update adds the selected rows of col (int64, float64, bool or
// timestamp[us], the latter as microseconds). It fails for strings and
// other types, naming the type.
func (m *Moments) Update(col arrow.Array, sel []int32) error {
	return m.update(col, sel, false)
}

// UpdateLog1p adds log1p(x) for the selected rows of col (the statistics
// of the log1p transform). x <= -1 (log1p undefined or -Inf) is counted as
// NaN; NaN and ±Inf inputs are counted as such.
func (m *Moments) UpdateLog1p(col arrow.Array, sel []int32) error {
	return m.update(col, sel, true)
}

func (m *Moments) update(col arrow.Array, sel []int32, log bool) error {
	if err := column.CheckSel(sel, col.Len()); err != nil {
		return err
	}
	what := "moments:"
	if log {
		what = "moments: log1p"
	}
	var src tileSource
	switch a := col.(type) {
	case *array.Int64:
		src = tileSource{ints: a.Int64Values()}
	case *array.Timestamp:
		if column.TypeOf(a.DataType()) != column.TTime {
			return fmt.Errorf("%s unsupported column type %s (allowed: %s)", what, col.DataType(), column.AllowedTypes)
		}
		src = tileSource{ints: column.Int64Values(a)}
	case *array.Float64:
		src = tileSource{floats: a.Float64Values(), check: true}
	case *array.Boolean:
		m.bools = column.BoolBytes(a, m.bools)
		src = tileSource{bools: m.bools}
	default:
		return fmt.Errorf("%s needs a numeric column (int64, float64, bool or timestamp), got %s", what, column.TypeName(col.DataType()))
	}
	src.log = log
	src.check = src.check || log
	if col.NullN() > 0 {
		src.valid, src.voff = col.NullBitmapBytes(), col.Data().Offset()
	}
	m.Merge(batchMoments(&src, sel, col.Len()))
	return nil
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
