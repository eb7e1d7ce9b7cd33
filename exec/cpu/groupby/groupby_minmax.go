package groupby

import (
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
)

// minmaxAgg is min(c) or max(c) for any canonical type; the result keeps
// the column type and is null for a group with no values. Its partial
// state is one column of the input type.
type minmaxAgg struct {
	name   string
	max    bool
	k      column.Type
	dt     arrow.DataType
	set    []bool
	ints   []int64 // int64, timestamp, bool (0/1)
	floats []float64
	strs   []string

	idx     []int32
	best    []int32 // TStr scratch: per group, best dictionary index this batch
	touched []int32
	rank    []int32
}

func (a *minmaxAgg) grow(n int) {
	a.set = growTo(a.set, n)
	switch a.k {
	case column.TFloat:
		a.floats = growTo(a.floats, n)
	case column.TStr:
		a.strs = growTo(a.strs, n)
	default:
		a.ints = growTo(a.ints, n)
	}
}

func (a *minmaxAgg) update(col arrow.Array, gids []int32) {
	idx, dense := validIdx(col, a.idx)
	a.idx = idx
	switch a.k {
	case column.TInt, column.TTime:
		groupMinMax(column.Int64Values(col), gids, idx, dense, a.set, a.ints, a.max)
	case column.TFloat:
		groupMinMax(col.(*array.Float64).Float64Values(), gids, idx, dense, a.set, a.floats, a.max)
	case column.TBool:
		bs := column.BoolBytes(col.(*array.Boolean), nil)
		vals := make([]int64, len(bs))
		for i, b := range bs {
			vals[i] = int64(b)
		}
		groupMinMax(vals, gids, idx, dense, a.set, a.ints, a.max)
	case column.TStr:
		a.updateStrings(col, gids, idx, dense)
	}
}

func groupMinMax[T int64 | float64](vals []T, gids, idx []int32, dense bool, set []bool, out []T, max bool) {
	if !dense {
		for _, i := range idx {
			g, v := gids[i], vals[i]
			if !set[g] || (max && v > out[g]) || (!max && v < out[g]) {
				out[g], set[g] = v, true
			}
		}
		return
	}
	if max {
		for i, v := range vals {
			g := gids[i]
			if !set[g] || v > out[g] {
				out[g], set[g] = v, true
			}
		}
		return
	}
	for i, v := range vals {
		g := gids[i]
		if !set[g] || v < out[g] {
			out[g], set[g] = v, true
		}
	}
}

// updateStrings ranks the batch dictionary once, keeps each group's best
// dictionary index in a typed loop, then compares one string per touched
// group with the group's running value.
func (a *minmaxAgg) updateStrings(col arrow.Array, gids, idx []int32, dense bool) {
	indices, dict := column.DictParts(col)
	d := dict.Len()
	order := make([]int32, d)
	for j := range order {
		order[j] = int32(j)
	}
	slices.SortFunc(order, func(x, y int32) int { return strings.Compare(dict.Value(int(x)), dict.Value(int(y))) })
	a.rank = growTo(a.rank[:0], d)
	for r, j := range order {
		if a.max {
			a.rank[j] = int32(d - r) // best = lowest rank
		} else {
			a.rank[j] = int32(r)
		}
	}
	a.best = growTo(a.best, len(a.set))
	a.touched = a.touched[:0]
	if dense {
		for i, ix := range indices {
			a.pick(gids[i], ix)
		}
	} else {
		for _, i := range idx {
			a.pick(gids[i], indices[i])
		}
	}
	for _, g := range a.touched {
		s := dict.Value(int(a.best[g] - 1))
		a.best[g] = 0
		if !a.set[g] || (a.max && s > a.strs[g]) || (!a.max && s < a.strs[g]) {
			a.strs[g], a.set[g] = strings.Clone(s), true
		}
	}
}

// pick keeps the better-ranked dictionary index for group g (best holds
// index + 1; 0 = none yet this batch).
func (a *minmaxAgg) pick(g, ix int32) {
	b := a.best[g]
	if b == 0 {
		a.best[g] = ix + 1
		a.touched = append(a.touched, g)
		return
	}
	if a.rank[ix] < a.rank[b-1] {
		a.best[g] = ix + 1
	}
}

func (a *minmaxAgg) suffix() string {
	if a.max {
		return ".max"
	}
	return ".min"
}

func (a *minmaxAgg) partialFields() []arrow.Field {
	return []arrow.Field{{Name: a.name + a.suffix(), Type: a.dt, Nullable: true}}
}

func (a *minmaxAgg) partial(mem memory.Allocator, n int) []arrow.Array {
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	return []arrow.Array{a.final(mem, order)}
}

func (a *minmaxAgg) merge(cols []arrow.Array, gids []int32) { a.update(cols[0], gids) }

func (a *minmaxAgg) final(mem memory.Allocator, order []int32) arrow.Array {
	a.grow(len(order))
	valid := make([]bool, len(order))
	for i, g := range order {
		valid[i] = a.set[g]
	}
	switch a.k {
	case column.TFloat:
		return float64Array(mem, gather(a.floats, order), valid)
	case column.TStr:
		return dictArray(mem, gather(a.strs, order), valid)
	case column.TBool:
		return boolArray(mem, gather(a.ints, order), valid)
	}
	b := column.NewOutBuf(mem, a.dt, len(order), 8)
	copy(b.Int64s(), gather(a.ints, order))
	b.ValidityFrom(mem, valid)
	return b.Finish()
}

func (a *minmaxAgg) bytes() int64 {
	n := int64(cap(a.set)) + int64(cap(a.ints)+cap(a.floats))*8 + int64(cap(a.strs))*16
	for _, s := range a.strs {
		n += int64(len(s))
	}
	return n
}

func gather[T any](vals []T, order []int32) []T {
	out := make([]T, len(order))
	for i, g := range order {
		out[i] = vals[g]
	}
	return out
}

// dictArray builds a dictionary<int32, utf8> array (+1); strings whose
// valid entry is false become nulls.
func dictArray(mem memory.Allocator, strs []string, valid []bool) arrow.Array {
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	b := array.NewDictionaryBuilder(mem, dt).(*array.BinaryDictionaryBuilder)
	defer b.Release()
	for i, s := range strs {
		if valid != nil && !valid[i] {
			b.AppendNull()
			continue
		}
		// The builder only fails on index overflow, impossible for int32
		// indices below 2^31 distinct strings.
		_ = b.AppendString(s)
	}
	return b.NewArray()
}

// boolArray builds a boolean array (+1) from 0/1 codes.
func boolArray(mem memory.Allocator, codes []int64, valid []bool) arrow.Array {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(len(codes))
	for i, c := range codes {
		if valid != nil && !valid[i] {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		b.UnsafeAppend(c != 0)
	}
	return b.NewArray()
}
