package groupby

import (
	"cmp"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
)

// distinctAgg is count_distinct(c): the number of distinct non-null values
// per group (float NaN counts as missing; -0 equals +0). Its partial state
// is a list column of each group's distinct values (strings as plain utf8),
// sorted ascending so partials are deterministic.
type distinctAgg struct {
	name string
	k    column.Type
	dt   arrow.DataType
	set  pairSet
	n    []int64
	ids  map[string]int64 // TStr: intern table
	strs []string

	idx   []int32
	codes []int64
}

func (a *distinctAgg) grow(n int) { a.n = growTo(a.n, n) }

func (a *distinctAgg) insert(g int32, v int64) {
	if a.set.add(g, v) {
		a.n[g]++
	}
}

func (a *distinctAgg) intern(s string) int64 {
	id, ok := a.ids[s]
	if !ok {
		id = int64(len(a.strs))
		a.strs = append(a.strs, s)
		a.ids[s] = id
	}
	return id
}

func (a *distinctAgg) update(col arrow.Array, gids []int32) {
	idx, dense := validIdx(col, a.idx)
	a.idx = idx
	n := col.Len()
	a.codes = growTo(a.codes[:0], n)
	codes := a.codes
	switch a.k {
	case column.TInt, column.TTime:
		copy(codes, column.Int64Values(col))
	case column.TFloat:
		for i, x := range col.(*array.Float64).Float64Values() {
			codes[i] = column.CanonBits(x)
		}
	case column.TBool:
		for i, b := range column.BoolBytes(col.(*array.Boolean), nil) {
			codes[i] = int64(b)
		}
	case column.TStr:
		indices, dict := column.DictParts(col)
		ids := make([]int64, dict.Len())
		for j := range ids {
			ids[j] = a.intern(dict.Value(j))
		}
		for i, ix := range indices {
			if ix >= 0 && int(ix) < len(ids) {
				codes[i] = ids[ix]
			}
		}
	}
	if dense {
		for i, g := range gids {
			a.insert(g, codes[i])
		}
		return
	}
	for _, i := range idx {
		a.insert(gids[i], codes[i])
	}
}

func (a *distinctAgg) listType() arrow.DataType {
	if a.k == column.TStr {
		return arrow.ListOf(arrow.BinaryTypes.String)
	}
	return arrow.ListOf(a.dt)
}

func (a *distinctAgg) partialFields() []arrow.Field {
	return []arrow.Field{{Name: a.name + ".values", Type: a.listType()}}
}

// lists returns each group's distinct codes, sorted by value.
func (a *distinctAgg) lists(n int) [][]int64 {
	out := make([][]int64, n)
	a.set.each(func(g int32, v int64) { out[g] = append(out[g], v) })
	for _, l := range out {
		switch a.k {
		case column.TFloat:
			slices.SortFunc(l, func(x, y int64) int {
				return cmp.Compare(math.Float64frombits(uint64(x)), math.Float64frombits(uint64(y)))
			})
		case column.TStr:
			slices.SortFunc(l, func(x, y int64) int { return cmp.Compare(a.strs[x], a.strs[y]) })
		default:
			slices.Sort(l)
		}
	}
	return out
}

func (a *distinctAgg) partial(mem memory.Allocator, n int) []arrow.Array {
	lb := array.NewListBuilder(mem, a.listType().(*arrow.ListType).Elem())
	defer lb.Release()
	vb := lb.ValueBuilder()
	for _, l := range a.lists(n) {
		lb.Append(true)
		switch b := vb.(type) {
		case *array.Int64Builder:
			b.AppendValues(l, nil)
		case *array.TimestampBuilder:
			for _, v := range l {
				b.Append(arrow.Timestamp(v))
			}
		case *array.Float64Builder:
			for _, v := range l {
				b.Append(math.Float64frombits(uint64(v)))
			}
		case *array.BooleanBuilder:
			for _, v := range l {
				b.Append(v != 0)
			}
		case *array.StringBuilder:
			for _, v := range l {
				b.Append(a.strs[v])
			}
		}
	}
	return []arrow.Array{lb.NewArray()}
}

func (a *distinctAgg) merge(cols []arrow.Array, gids []int32) {
	list := cols[0].(*array.List)
	child := list.ListValues()
	for i, g := range gids {
		if list.IsNull(i) {
			continue
		}
		start, end := list.ValueOffsets(i)
		switch c := child.(type) {
		case *array.Int64:
			for _, v := range c.Int64Values()[start:end] {
				a.insert(g, v)
			}
		case *array.Timestamp:
			for _, v := range column.Int64Values(c)[start:end] {
				a.insert(g, v)
			}
		case *array.Float64:
			for _, v := range c.Float64Values()[start:end] {
				a.insert(g, column.CanonBits(v))
			}
		case *array.Boolean:
			for j := start; j < end; j++ {
				a.insert(g, column.B2I(c.Value(int(j))))
			}
		case *array.String:
			for j := start; j < end; j++ {
				a.insert(g, a.intern(c.Value(int(j))))
			}
		}
	}
}

func (a *distinctAgg) final(mem memory.Allocator, order []int32) arrow.Array {
	a.grow(len(order))
	return int64Array(mem, gather(a.n, order), nil)
}

func (a *distinctAgg) bytes() int64 {
	n := a.set.bytes() + int64(cap(a.n))*8
	for _, s := range a.strs {
		n += int64(len(s)) + 48
	}
	return n
}
