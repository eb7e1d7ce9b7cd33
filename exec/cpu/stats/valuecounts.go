package stats

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-ml/sluice/exec/cpu/column"
)

// ValueCounts holds exact counts per distinct value of one column, for
// int64, timestamp[us], float64, bool and dictionary<int32, utf8> columns.
// Nulls are counted in Nulls; float NaN and ±Inf in NonFinite (neither is
// a value). Float keys are the float64 bits with -0 folded into +0. All
// fields are exported so partials serialise with encoding/json and gob;
// merge partials in a fixed order (the counts are exact, so the order does
// not change the result).
type ValueCounts struct {
	Kind      string           `json:"kind"` // column kind; "" before the first Update
	Ints      map[int64]int64  `json:"ints,omitempty"`
	Floats    map[uint64]int64 `json:"floats,omitempty"`
	Bools     [2]int64         `json:"bools"`
	Strings   map[string]int64 `json:"strings,omitempty"`
	Nulls     int64            `json:"nulls"`
	NonFinite int64            `json:"non_finite"`

	idx    []int32    // scratch
	counts []int64    // scratch: per dictionary index
	tbl    countTable // scratch: one batch's int or float counts
}

// Update counts the selected rows of col. String columns are counted per
// dictionary index in a typed loop and folded into Strings once per batch.
func (v *ValueCounts) Update(col arrow.Array, sel []int32) error {
	if err := column.CheckSel(sel, col.Len()); err != nil {
		return err
	}
	k, err := column.ColumnType("value counts", col)
	if err != nil {
		return err
	}
	if v.Kind == "" {
		v.Kind = k.String()
	} else if v.Kind != k.String() {
		return fmt.Errorf("value counts: column type %s does not match earlier batches (%s)", k, v.Kind)
	}
	idx, dense, nulls := column.RowsOf(col, sel, v.idx)
	v.idx = idx
	v.Nulls += nulls
	switch k {
	case column.TInt, column.TTime:
		if v.Ints == nil {
			v.Ints = map[int64]int64{}
		}
		v.countInts(column.Int64Values(col), idx, dense)
	case column.TFloat:
		if v.Floats == nil {
			v.Floats = map[uint64]int64{}
		}
		v.countFloats(col.(*array.Float64).Float64Values(), idx, dense)
	case column.TBool:
		a := col.(*array.Boolean)
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
		v.Bools[0] += n - trues
		v.Bools[1] += trues
	case column.TStr:
		if v.Strings == nil {
			v.Strings = map[string]int64{}
		}
		indices, dict := column.DictParts(col)
		if cap(v.counts) < dict.Len() {
			v.counts = make([]int64, dict.Len())
		}
		counts := v.counts[:dict.Len()]
		clear(counts)
		if dense {
			for _, x := range indices {
				counts[x]++
			}
		} else {
			for _, i := range idx {
				counts[indices[i]]++
			}
		}
		for j, c := range counts {
			if c == 0 {
				continue
			}
			s := dict.Value(j) // aliases the dictionary's buffer
			if _, ok := v.Strings[s]; ok {
				v.Strings[s] += c
			} else {
				v.Strings[strings.Clone(s)] = c
			}
		}
	}
	return nil
}

func (v *ValueCounts) addFloat(x float64) {
	if x-x != 0 {
		v.NonFinite++
		return
	}
	if x == 0 {
		x = 0
	}
	v.Floats[math.Float64bits(x)]++
}

// Merge adds o's counts to v.
func (v *ValueCounts) Merge(o *ValueCounts) {
	if o == nil {
		return
	}
	if v.Kind == "" {
		v.Kind = o.Kind
	}
	v.Nulls += o.Nulls
	v.NonFinite += o.NonFinite
	v.Bools[0] += o.Bools[0]
	v.Bools[1] += o.Bools[1]
	if len(o.Ints) > 0 && v.Ints == nil {
		v.Ints = make(map[int64]int64, len(o.Ints))
	}
	for x, c := range o.Ints {
		v.Ints[x] += c
	}
	if len(o.Floats) > 0 && v.Floats == nil {
		v.Floats = make(map[uint64]int64, len(o.Floats))
	}
	for x, c := range o.Floats {
		v.Floats[x] += c
	}
	if len(o.Strings) > 0 && v.Strings == nil {
		v.Strings = make(map[string]int64, len(o.Strings))
	}
	for x, c := range o.Strings {
		v.Strings[x] += c
	}
}

// Total returns the number of values counted (nulls and non-finite
// floats excluded).
func (v *ValueCounts) Total() int64 {
	t := v.Bools[0] + v.Bools[1]
	for _, c := range v.Ints {
		t += c
	}
	for _, c := range v.Floats {
		t += c
	}
	for _, c := range v.Strings {
		t += c
	}
	return t
}

// Distinct returns the number of distinct values counted.
func (v *ValueCounts) Distinct() int {
	switch v.Kind {
	case column.KindInt64, column.KindTimestamp:
		return len(v.Ints)
	case column.KindFloat64:
		return len(v.Floats)
	case column.KindString:
		return len(v.Strings)
	case column.KindBool:
		n := 0
		for _, c := range v.Bools {
			if c > 0 {
				n++
			}
		}
		return n
	}
	return 0
}

// Top returns the values seen at least minCount times, ordered by count
// descending and then value ascending (deterministic), cut to the first k
// (k <= 0: all).
func (v *ValueCounts) Top(k int, minCount int64) []column.ValueCount {
	var out []column.ValueCount
	switch v.Kind {
	case column.KindInt64, column.KindTimestamp:
		for x, c := range v.Ints {
			if c >= minCount {
				out = append(out, column.ValueCount{Value: column.Value{Kind: v.Kind, I: x}, Count: c})
			}
		}
	case column.KindFloat64:
		for x, c := range v.Floats {
			if c >= minCount {
				out = append(out, column.ValueCount{Value: column.Value{Kind: v.Kind, F: math.Float64frombits(x)}, Count: c})
			}
		}
	case column.KindBool:
		for x, c := range v.Bools {
			if c > 0 && c >= minCount {
				out = append(out, column.ValueCount{Value: column.Value{Kind: v.Kind, B: x == 1}, Count: c})
			}
		}
	case column.KindString:
		for x, c := range v.Strings {
			if c >= minCount {
				out = append(out, column.ValueCount{Value: column.Value{Kind: v.Kind, S: x}, Count: c})
			}
		}
	}
	slices.SortFunc(out, func(a, b column.ValueCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return column.CompareValues(a.Value, b.Value)
	})
	if k > 0 && len(out) > k {
		out = out[:k]
	}
	return out
}

// Mode returns the most frequent value (the smallest among ties); false
// when nothing was counted.
func (v *ValueCounts) Mode() (column.Value, bool) {
	top := v.Top(1, 1)
	if len(top) == 0 {
		return column.Value{}, false
	}
	return top[0].Value, true
}
