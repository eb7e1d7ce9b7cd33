package groupby

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
)

// aggState is the per-group state of one aggregate. update and merge are
// called once per batch; implementations switch on the column type once
// and then loop over typed slices and group ids.
type aggState interface {
	// grow makes room for n groups; called before update and merge.
	grow(n int)
	// update folds the rows of col (nil for count()) into groups gids.
	update(col arrow.Array, gids []int32)
	// partialFields names and types the state columns.
	partialFields() []arrow.Field
	// partial builds the state columns for groups 0..n-1 (+1 each).
	partial(mem memory.Allocator, n int) []arrow.Array
	// merge folds state columns (as made by partial) into groups gids.
	merge(cols []arrow.Array, gids []int32)
	// final builds the result column for groups in order (+1).
	final(mem memory.Allocator, order []int32) arrow.Array
	bytes() int64
}

func growTo[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	if cap(s) >= n {
		t := s[:n]
		clear(t[len(s):])
		return t
	}
	return append(s, make([]T, n-len(s))...)
}

// validIdx returns the rows of col that are non-null and, for floats,
// not NaN (aggregates treat NaN as missing, as pandas does). dense is true
// when that is every row.
func validIdx(col arrow.Array, buf []int32) ([]int32, bool) {
	idx, dense, _ := column.RowsOf(col, nil, buf)
	f, ok := col.(*array.Float64)
	if !ok {
		return idx, dense
	}
	vals := f.Float64Values()
	if dense {
		nan := false
		for _, v := range vals {
			if v != v {
				nan = true
				break
			}
		}
		if !nan {
			return idx, true
		}
		idx = idx[:0]
		for i, v := range vals {
			if v == v {
				idx = append(idx, int32(i))
			}
		}
		return idx, false
	}
	out := idx[:0]
	for _, i := range idx {
		if vals[i] == vals[i] {
			out = append(out, i)
		}
	}
	return out, false
}

// countAgg is count() (star) or count(c): rows, or non-null rows.
type countAgg struct {
	name string
	star bool
	n    []int64
	idx  []int32
}

func (a *countAgg) grow(n int) { a.n = growTo(a.n, n) }

func (a *countAgg) update(col arrow.Array, gids []int32) {
	if a.star {
		for _, g := range gids {
			a.n[g]++
		}
		return
	}
	idx, dense := validIdx(col, a.idx)
	a.idx = idx
	if dense {
		for _, g := range gids {
			a.n[g]++
		}
		return
	}
	for _, i := range idx {
		a.n[gids[i]]++
	}
}

func (a *countAgg) partialFields() []arrow.Field {
	return []arrow.Field{{Name: a.name + ".count", Type: arrow.PrimitiveTypes.Int64}}
}

func (a *countAgg) partial(mem memory.Allocator, n int) []arrow.Array {
	a.n = growTo(a.n, n)
	return []arrow.Array{int64Array(mem, a.n[:n], nil)}
}

func (a *countAgg) merge(cols []arrow.Array, gids []int32) {
	for i, c := range cols[0].(*array.Int64).Int64Values() {
		a.n[gids[i]] += c
	}
}

func (a *countAgg) final(mem memory.Allocator, order []int32) arrow.Array {
	a.n = growTo(a.n, len(order))
	out := make([]int64, len(order))
	for i, g := range order {
		out[i] = a.n[g]
	}
	return int64Array(mem, out, nil)
}

func (a *countAgg) bytes() int64 { return int64(cap(a.n)) * 8 }

// sumAgg is sum(c): int64 sums for int64 columns, float64 otherwise;
// null for a group with no values.
type sumAgg struct {
	name string
	k    column.Type
	cnt  []int64
	isum []int64
	fsum []float64
	idx  []int32
}

func (a *sumAgg) grow(n int) {
	a.cnt = growTo(a.cnt, n)
	if a.k == column.TInt {
		a.isum = growTo(a.isum, n)
	} else {
		a.fsum = growTo(a.fsum, n)
	}
}

func (a *sumAgg) update(col arrow.Array, gids []int32) {
	idx, dense := validIdx(col, a.idx)
	a.idx = idx
	if a.k == column.TInt {
		groupSum(col.(*array.Int64).Int64Values(), gids, idx, dense, a.isum, a.cnt)
	} else {
		groupSum(col.(*array.Float64).Float64Values(), gids, idx, dense, a.fsum, a.cnt)
	}
}

func groupSum[T int64 | float64](vals []T, gids, idx []int32, dense bool, sums []T, cnt []int64) {
	if dense {
		for i, v := range vals {
			g := gids[i]
			sums[g] += v
			cnt[g]++
		}
		return
	}
	for _, i := range idx {
		g := gids[i]
		sums[g] += vals[i]
		cnt[g]++
	}
}

func (a *sumAgg) sumType() arrow.DataType {
	if a.k == column.TInt {
		return arrow.PrimitiveTypes.Int64
	}
	return arrow.PrimitiveTypes.Float64
}

func (a *sumAgg) partialFields() []arrow.Field {
	return []arrow.Field{
		{Name: a.name + ".count", Type: arrow.PrimitiveTypes.Int64},
		{Name: a.name + ".sum", Type: a.sumType()},
	}
}

func (a *sumAgg) partial(mem memory.Allocator, n int) []arrow.Array {
	a.grow(n)
	if a.k == column.TInt {
		return []arrow.Array{int64Array(mem, a.cnt[:n], nil), int64Array(mem, a.isum[:n], nil)}
	}
	return []arrow.Array{int64Array(mem, a.cnt[:n], nil), float64Array(mem, a.fsum[:n], nil)}
}

func (a *sumAgg) merge(cols []arrow.Array, gids []int32) {
	cnt := cols[0].(*array.Int64).Int64Values()
	for i, c := range cnt {
		a.cnt[gids[i]] += c
	}
	if a.k == column.TInt {
		for i, s := range cols[1].(*array.Int64).Int64Values() {
			a.isum[gids[i]] += s
		}
		return
	}
	for i, s := range cols[1].(*array.Float64).Float64Values() {
		a.fsum[gids[i]] += s
	}
}

func (a *sumAgg) final(mem memory.Allocator, order []int32) arrow.Array {
	a.grow(len(order))
	valid := make([]bool, len(order))
	for i, g := range order {
		valid[i] = a.cnt[g] > 0
	}
	if a.k == column.TInt {
		out := make([]int64, len(order))
		for i, g := range order {
			out[i] = a.isum[g]
		}
		return int64Array(mem, out, valid)
	}
	out := make([]float64, len(order))
	for i, g := range order {
		out[i] = a.fsum[g]
	}
	return float64Array(mem, out, valid)
}

func (a *sumAgg) bytes() int64 { return int64(cap(a.cnt)+cap(a.isum)+cap(a.fsum)) * 8 }

// momentAgg is mean, std or var: per-group (count, mean, M2), updated row
// by row with Welford's step and merged with Chan et al.'s formula.
type momentAgg struct {
	name string
	fn   string
	k    column.Type
	cnt  []int64
	mean []float64
	m2   []float64
	idx  []int32
}

func (a *momentAgg) grow(n int) {
	a.cnt = growTo(a.cnt, n)
	a.mean = growTo(a.mean, n)
	a.m2 = growTo(a.m2, n)
}

func (a *momentAgg) update(col arrow.Array, gids []int32) {
	idx, dense := validIdx(col, a.idx)
	a.idx = idx
	if a.k == column.TInt {
		groupWelford(col.(*array.Int64).Int64Values(), gids, idx, dense, a.cnt, a.mean, a.m2)
	} else {
		groupWelford(col.(*array.Float64).Float64Values(), gids, idx, dense, a.cnt, a.mean, a.m2)
	}
}

func groupWelford[T int64 | float64](vals []T, gids, idx []int32, dense bool, cnt []int64, mean, m2 []float64) {
	if dense {
		for i, v := range vals {
			g := gids[i]
			x := float64(v)
			cnt[g]++
			d := x - mean[g]
			mean[g] += d / float64(cnt[g])
			m2[g] += d * (x - mean[g])
		}
		return
	}
	for _, i := range idx {
		g := gids[i]
		x := float64(vals[i])
		cnt[g]++
		d := x - mean[g]
		mean[g] += d / float64(cnt[g])
		m2[g] += d * (x - mean[g])
	}
}

func (a *momentAgg) partialFields() []arrow.Field {
	return []arrow.Field{
		{Name: a.name + ".count", Type: arrow.PrimitiveTypes.Int64},
		{Name: a.name + ".mean", Type: arrow.PrimitiveTypes.Float64},
		{Name: a.name + ".m2", Type: arrow.PrimitiveTypes.Float64},
	}
}

func (a *momentAgg) partial(mem memory.Allocator, n int) []arrow.Array {
	a.grow(n)
	return []arrow.Array{int64Array(mem, a.cnt[:n], nil), float64Array(mem, a.mean[:n], nil), float64Array(mem, a.m2[:n], nil)}
}

func (a *momentAgg) merge(cols []arrow.Array, gids []int32) {
	cnt := cols[0].(*array.Int64).Int64Values()
	mean := cols[1].(*array.Float64).Float64Values()
	m2 := cols[2].(*array.Float64).Float64Values()
	for i, nb := range cnt {
		if nb == 0 {
			continue
		}
		g := gids[i]
		na := a.cnt[g]
		if na == 0 {
			a.cnt[g], a.mean[g], a.m2[g] = nb, mean[i], m2[i]
			continue
		}
		n := float64(na + nb)
		d := mean[i] - a.mean[g]
		a.mean[g] += d * float64(nb) / n
		a.m2[g] += m2[i] + d*d*float64(na)*float64(nb)/n
		a.cnt[g] = na + nb
	}
}

func (a *momentAgg) final(mem memory.Allocator, order []int32) arrow.Array {
	a.grow(len(order))
	out := make([]float64, len(order))
	valid := make([]bool, len(order))
	for i, g := range order {
		n := a.cnt[g]
		switch a.fn {
		case "mean":
			valid[i] = n > 0
			out[i] = a.mean[g]
		case "var":
			valid[i] = n > 1
			if valid[i] {
				out[i] = a.m2[g] / float64(n-1)
			}
		case "std":
			valid[i] = n > 1
			if valid[i] {
				out[i] = math.Sqrt(a.m2[g] / float64(n-1))
			}
		}
	}
	return float64Array(mem, out, valid)
}

func (a *momentAgg) bytes() int64 { return int64(cap(a.cnt)) * 24 }

// int64Array copies vals (and valid, when not nil) into a new array (+1).
func int64Array(mem memory.Allocator, vals []int64, valid []bool) arrow.Array {
	b := column.NewOutBuf(mem, arrow.PrimitiveTypes.Int64, len(vals), 8)
	copy(b.Int64s(), vals)
	if valid != nil {
		b.ValidityFrom(mem, valid)
	}
	return b.Finish()
}

// float64Array copies vals (and valid, when not nil) into a new array (+1).
func float64Array(mem memory.Allocator, vals []float64, valid []bool) arrow.Array {
	b := column.NewOutBuf(mem, arrow.PrimitiveTypes.Float64, len(vals), 8)
	copy(b.Float64s(), vals)
	if valid != nil {
		b.ValidityFrom(mem, valid)
	}
	return b.Finish()
}
