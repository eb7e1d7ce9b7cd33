package profile

import (
	"cmp"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec/cpu/stats"
	"github.com/sluice-ml/sluice/sink"
)

// TopValues is how many top values a column profile lists.
const TopValues = 10

// HistogramBins is the number of bins of a column's histogram.
const HistogramBins = 20

// Build turns the merged partial into the manifest's sections (slices is
// nil when the job has none). schema gives the columns' types.
func (s *Spec) Build(schema *arrow.Schema, p *Partial) (*sink.Profiles, *sink.Slices) {
	out := &sink.Profiles{Quantiles: Probabilities, QuantileSamples: QuantileSamples, DistinctStdError: HLLStdError}
	for k, name := range s.Splits {
		sp := sink.SplitProfile{Split: name}
		for i, c := range s.Columns {
			f, _ := field(schema, c.Name)
			cp := columnProfile(c, sink.TypeName(f.Type), p.Columns[k][i])
			sp.Rows = cp.Count
			sp.Columns = append(sp.Columns, cp)
		}
		out.Splits = append(out.Splits, sp)
	}
	for i, c := range s.Columns {
		for k, name := range s.Splits {
			if k == s.Train {
				continue
			}
			e, a := p.Columns[s.Train][i], p.Columns[k][i]
			if e.Rows == 0 || a.Rows == 0 {
				continue
			}
			bins := Bins(e, a)
			out.Drift = append(out.Drift, sink.Drift{Column: c.Name, Train: s.Splits[s.Train], Split: name, Bins: len(bins[0]), PSI: PSI(bins[0], bins[1])})
		}
	}
	if len(s.Slices) == 0 {
		return out, nil
	}
	return out, s.buildSlices(schema, p)
}

func ptr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func columnProfile(spec ColumnSpec, typ string, c *Column) sink.ColumnProfile {
	cp := sink.ColumnProfile{Name: spec.Name, Role: spec.Role, Type: typ, Count: c.Rows, Nulls: c.Nulls, Quantiles: []float64{}, Top: []sink.TopValue{}}
	if c.Numeric {
		m := c.Moments
		cp.Nulls, cp.NaN, cp.Inf = m.Nulls, m.NaN, m.Inf
		if m.N > 0 {
			cp.Min, cp.Max, cp.Mean = ptr(m.Min), ptr(m.Max), ptr(m.Mean)
			cp.Std = ptr(m.Std())
			for _, q := range Probabilities {
				cp.Quantiles = append(cp.Quantiles, c.Quantiles.Quantile(q))
			}
			cp.QuantileRankError = c.Quantiles.RankError()
			cp.Histogram = histogram(m, c.Quantiles)
		}
	}
	cp.Distinct = c.Distinct.Estimate()
	if c.Top != nil {
		for _, v := range c.Top.Top(TopValues) {
			cp.Top = append(cp.Top, sink.TopValue{Value: v.Value, Count: v.Count})
		}
		cp.TopMaxUndercount = c.Top.Undercount()
	}
	return cp
}

// histogram spreads the sketch's weighted samples over HistogramBins
// equal-width bins between the exact min and max.
func histogram(m stats.Moments, q *stats.Quantiles) *sink.Histogram {
	lo, hi := m.Min, m.Max
	nb := HistogramBins
	if hi == lo || math.IsInf(hi-lo, 0) { // one bin: no width, or a width past float64
		nb = 1
	}
	h := &sink.Histogram{Edges: make([]float64, nb+1), Counts: make([]int64, nb)}
	w := (hi - lo) / float64(nb)
	if nb == 1 {
		w = 0
	}
	for i := range h.Edges {
		h.Edges[i] = lo + float64(i)*w
	}
	h.Edges[nb] = hi
	for lv, vals := range q.Levels {
		for _, v := range vals {
			b := 0
			if w > 0 {
				b = min(max(int((v-lo)/w), 0), nb-1)
			}
			h.Counts[b] += int64(1) << uint(lv)
		}
	}
	return h
}

// cdf is the sketch's weighted count of samples <= x.
func cdf(q *stats.Quantiles, x float64) int64 {
	var n int64
	for lv, vals := range q.Levels {
		for _, v := range vals {
			if v <= x {
				n += int64(1) << uint(lv)
			}
		}
	}
	return n
}

// PSIFloor is the least share a PSI bin counts with.
const PSIFloor = 1e-4

// PSI is Σ (a_i - e_i)·ln(a_i/e_i) over shares floored at PSIFloor.
func PSI(expected, actual []float64) float64 {
	var s float64
	for i := range expected {
		e, a := max(expected[i], PSIFloor), max(actual[i], PSIFloor)
		s += (a - e) * math.Log(a/e)
	}
	return s
}

// Bins returns the shares of the rows of e (train) and a in the drift
// bins: for a categorical column the train top values, every other value
// and null; for a numeric one the ranges cut at the train deciles and one
// bin for null, NaN and ±Inf.
func Bins(e, a *Column) [2][]float64 {
	var out [2][]float64
	if e.Top != nil {
		top := e.Top.Top(TopValues)
		for j, c := range []*Column{e, a} {
			nulls := c.Nulls
			if c.Numeric {
				nulls = c.Moments.Nulls
			}
			rest := c.Rows - nulls
			for _, v := range top {
				n := c.Top.Counts[v.Value]
				out[j] = append(out[j], float64(n)/float64(c.Rows))
				rest -= n
			}
			out[j] = append(out[j], float64(rest)/float64(c.Rows), float64(nulls)/float64(c.Rows))
		}
		return out
	}
	var edges []float64
	if e.Numeric && e.Quantiles.N > 0 {
		for d := 1; d <= 9; d++ {
			x := e.Quantiles.Quantile(float64(d) / 10)
			if len(edges) == 0 || x > edges[len(edges)-1] {
				edges = append(edges, x)
			}
		}
	}
	for j, c := range []*Column{e, a} {
		if !c.Numeric {
			out[j] = []float64{1}
			continue
		}
		var prev int64
		for _, x := range edges {
			n := cdf(c.Quantiles, x)
			out[j] = append(out[j], float64(n-prev)/float64(c.Rows))
			prev = n
		}
		out[j] = append(out[j], float64(c.Quantiles.N-prev)/float64(c.Rows), float64(c.Rows-c.Quantiles.N)/float64(c.Rows))
	}
	return out
}

// buildSlices ranks each slice column's values by rows (all splits; ties
// by value) and lists the top SliceTop, summing the rest into "(other)".
func (s *Spec) buildSlices(schema *arrow.Schema, p *Partial) *sink.Slices {
	out := &sink.Slices{Top: s.SliceTop}
	for i, name := range s.Slices {
		f, _ := field(schema, name)
		vals := p.Slices[i].Values
		type ranked struct {
			key  string
			rows int64
		}
		var rk []ranked
		for _, key := range sortedKeys(vals) {
			var n int64
			for _, a := range vals[key] {
				n += a.Rows
			}
			rk = append(rk, ranked{key, n})
		}
		slices.SortStableFunc(rk, func(a, b ranked) int { return cmp.Compare(b.rows, a.rows) })
		sc := sink.SliceColumn{Column: name, Type: sink.TypeName(f.Type), Distinct: int64(len(rk))}
		var other []*SliceAcc
		for r, v := range rk {
			accs := vals[v.key]
			if r >= s.SliceTop {
				if other == nil {
					other = make([]*SliceAcc, len(accs))
					for k := range other {
						other[k] = &SliceAcc{Features: make([]stats.Moments, len(s.SliceFeatures))}
					}
				}
				for k, a := range accs {
					other[k].merge(a)
				}
				sc.Other++
				continue
			}
			for k, a := range accs {
				row := s.sliceRow(a, s.Splits[k])
				row.Value, row.Null = v.key[min(2, len(v.key)):], v.key == "n"
				if row.Null {
					row.Value = "(null)"
				}
				sc.Rows = append(sc.Rows, row)
			}
		}
		for k, a := range other {
			row := s.sliceRow(a, s.Splits[k])
			row.Value, row.Other = "(other)", true
			sc.Rows = append(sc.Rows, row)
		}
		out.Columns = append(out.Columns, sc)
	}
	return out
}

func (s *Spec) sliceRow(a *SliceAcc, split string) sink.SliceRow {
	row := sink.SliceRow{Split: split, Rows: a.Rows, FeatureMeans: map[string]*float64{}}
	if s.SliceLabel != "" && a.Label.N > 0 {
		row.LabelMean, row.LabelStd = ptr(a.Label.Mean), ptr(a.Label.Std())
	}
	for j, f := range s.SliceFeatures {
		var v *float64
		if a.Features[j].N > 0 {
			v = ptr(a.Features[j].Mean)
		}
		row.FeatureMeans[f] = v
	}
	return row
}
