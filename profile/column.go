package profile

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/cespare/xxhash/v2"

	"github.com/sluice-ml/sluice/exec/cpu/stats"
)

// QuantileSamples is the per-level capacity of a column's quantile sketch:
// a task result carries one sketch per numeric column and split, so it is
// kept small (the rank error stays below log2(N/1024)/1024, about 1 % at
// 33M rows, and is usually far smaller).
const QuantileSamples = 1024

// Probabilities are the quantiles every numeric column reports.
var Probabilities = []float64{0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99}

// ColumnSpec names one profiled column. Categorical columns (strings,
// bools, and features with a vocab, onehot or hash transform) also keep
// top values.
type ColumnSpec struct {
	Name        string `json:"name"`
	Role        string `json:"role"`
	Categorical bool   `json:"categorical"`
}

// Column is the partial profile of one column over some rows of one split.
type Column struct {
	Rows      int64            `json:"rows"`
	Nulls     int64            `json:"nulls"` // non-numeric columns; numeric ones count in Moments
	Numeric   bool             `json:"numeric"`
	Moments   stats.Moments    `json:"moments"`
	Quantiles *stats.Quantiles `json:"quantiles,omitempty"`
	Distinct  *HLL             `json:"distinct"`
	Top       *TopK            `json:"top,omitempty"`
}

// NewColumn returns an empty partial for a column of type dt.
func NewColumn(spec ColumnSpec, dt arrow.DataType) *Column {
	c := &Column{Distinct: NewHLL(), Numeric: isNumeric(dt)}
	if c.Numeric {
		c.Quantiles = stats.NewQuantiles(QuantileSamples)
	}
	if spec.Categorical || !c.Numeric || dt.ID() == arrow.BOOL {
		c.Top = NewTopK()
	}
	return c
}

// isNumeric: the types with moments and quantiles.
func isNumeric(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT64, arrow.FLOAT64, arrow.BOOL, arrow.TIMESTAMP:
		return true
	}
	return false
}

// Update adds every row of col. The distinct sketch takes each value's
// hash (once per distinct value of the chunk where the chunk is counted
// anyway); top values are counted exactly within the chunk, by the
// value's native type, and folded into the summary once per chunk.
func (c *Column) Update(col arrow.Array) error {
	c.Rows += int64(col.Len())
	// An int64 chunk of fewer distinct values than rows (codes, years,
	// durations in seconds) is counted first, its values in a table
	// no longer than the chunk.
	if a, ok := col.(*array.Int64); ok && c.Numeric {
		if lo, tab, _ := countTable(a, a.Int64Values(), a.Len()); tab != nil {
			return c.updateIntTable(a, lo, tab)
		}
	}
	if c.Numeric {
		if err := c.Moments.Update(col, nil); err != nil {
			return err
		}
		if err := c.Quantiles.Update(col, nil); err != nil {
			return err
		}
	} else {
		c.Nulls += int64(col.NullN())
	}
	var top map[string]int64
	if c.Top != nil {
		top = map[string]int64{}
	}
	switch a := col.(type) {
	case *array.Int64:
		updateInts(c.Distinct, a, a.Int64Values(), top, func(v int64) string { return strconv.FormatInt(v, 10) })
	case *array.Timestamp:
		updateInts(c.Distinct, a, a.TimestampValues(), top, func(v arrow.Timestamp) string { return strconv.FormatInt(int64(v), 10) })
	case *array.Float64:
		updateFloats(c.Distinct, a, top)
	case *array.Boolean:
		updateBools(c.Distinct, a, top)
	case *array.String:
		updateStrings(c.Distinct, a, top)
	case *array.LargeString:
		updateStrings(c.Distinct, a, top)
	case *array.Dictionary:
		dict, ok := a.Dictionary().(*array.String)
		if !ok {
			return fmt.Errorf("profile: dictionary of %s is not supported (allowed: string)", a.Dictionary().DataType())
		}
		updateDict(c.Distinct, a, dict, top)
	default:
		return fmt.Errorf("profile: column type %s is not supported (allowed: int64, float64, bool, timestamp, string)", col.DataType())
	}
	if c.Top != nil {
		c.Top.AddCounts(top)
	}
	return nil
}

// hashBits is the hash of a value's 64-bit pattern (integers, timestamps
// in microseconds, canonical float bits, bools as 0 and 1).
func hashBits(v uint64) uint64 {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	return xxhash.Sum64(b[:])
}

// updateInts adds integer-like values: with top values, counted per value
// first and hashed once per distinct value; without, hashed per row.
func updateInts[T int64 | arrow.Timestamp](d *HLL, a arrow.Array, vals []T, top map[string]int64, format func(T) string) {
	valid := func(i int) bool { return true }
	if a.NullN() > 0 {
		valid = a.IsValid
	}
	if top == nil {
		for i, v := range vals {
			if valid(i) {
				d.Add(hashBits(uint64(v)))
			}
		}
		return
	}
	eachIntCount(a, vals, func(v T, n int64) {
		d.Add(hashBits(uint64(v)))
		top[format(v)] += n
	})
}

// denseCountSlack is how much wider than the batch the value range of an
// integer batch may be for eachIntCount to count it in a table.
const denseCountSlack = 4

// eachIntCount calls f once for every distinct valid value of vals (a's
// values) with its count, in no particular order. When the values span
// at most a few times the batch's length (ids, years, codes) they are
// counted in a table indexed by value − min; otherwise in a map.
func eachIntCount[T int64 | arrow.Timestamp](a arrow.Array, vals []T, f func(v T, n int64)) {
	lo, tab, ok := countTable(a, vals, denseCountSlack*len(vals)+1024)
	if tab != nil {
		eachTableCount(lo, tab, f)
		return
	}
	if !ok {
		return
	}
	nulls := a.NullN() > 0
	counts := map[T]int64{}
	for i, v := range vals {
		if !nulls || a.IsValid(i) {
			counts[v]++
		}
	}
	for v, n := range counts {
		f(v, n)
	}
}

// countTable counts the valid values of vals (a's values) in a table
// indexed by value − lo, when they span fewer than maxSpan values; tab is
// nil otherwise, and ok is false when no value is valid. The range is
// found a block at a time and given up on at the first block that spans
// too much (ids spread over millions: the first block).
func countTable[T int64 | arrow.Timestamp](a arrow.Array, vals []T, maxSpan int) (lo T, tab []int64, ok bool) {
	nulls := a.NullN() > 0
	var hi T
	// hi ≥ lo, so the unsigned difference is the span even when the
	// signed one overflows.
	wide := func() bool { return ok && uint64(hi)-uint64(lo) >= uint64(maxSpan) }
	for start := 0; start < len(vals); start += 1024 {
		block := vals[start:min(start+1024, len(vals))]
		if !nulls {
			if !ok {
				lo, hi, ok = block[0], block[0], true
			}
			for _, v := range block {
				lo, hi = min(lo, v), max(hi, v)
			}
		} else {
			for i, v := range block {
				if !a.IsValid(start + i) {
					continue
				}
				if !ok {
					lo, hi, ok = v, v, true
				}
				lo, hi = min(lo, v), max(hi, v)
			}
		}
		if wide() {
			return lo, nil, true
		}
	}
	if !ok {
		return lo, nil, false
	}
	tab = make([]int64, uint64(hi)-uint64(lo)+1)
	for i, v := range vals {
		if !nulls || a.IsValid(i) {
			tab[uint64(v)-uint64(lo)]++
		}
	}
	return lo, tab, true
}

// eachTableCount calls f with every value a countTable table counts
// (indexed by value − lo) and its count.
func eachTableCount[T int64 | arrow.Timestamp](lo T, tab []int64, f func(v T, n int64)) {
	for k, n := range tab {
		if n > 0 {
			f(T(uint64(lo)+uint64(k)), n)
		}
	}
}

// updateIntTable updates c (numeric, its rows counted) with an int64
// column whose valid values tab counts, indexed by value − lo: the
// quantile sketch takes each value once per binary digit of its count,
// and the distinct sketch and top values each distinct value once.
func (c *Column) updateIntTable(col arrow.Array, lo int64, tab []int64) error {
	if err := c.Moments.Update(col, nil); err != nil {
		return err
	}
	c.Quantiles.UpdateCounts(lo, tab)
	var top map[string]int64
	if c.Top != nil {
		top = map[string]int64{}
	}
	eachTableCount(lo, tab, func(v, n int64) {
		c.Distinct.Add(hashBits(uint64(v)))
		if top != nil {
			top[strconv.FormatInt(v, 10)] += n
		}
	})
	if top != nil {
		c.Top.AddCounts(top)
	}
	return nil
}

// canonicalBits makes -0 count as 0 and every NaN as one NaN.
func canonicalBits(v float64) uint64 {
	switch {
	case v == 0:
		return 0
	case math.IsNaN(v):
		return math.Float64bits(math.NaN())
	}
	return math.Float64bits(v)
}

// updateFloats adds float64 values (formatted in Go's shortest form).
func updateFloats(d *HLL, a *array.Float64, top map[string]int64) {
	vals := a.Float64Values()
	counts := map[uint64]int64{}
	for i, v := range vals {
		if a.NullN() > 0 && a.IsNull(i) {
			continue
		}
		b := canonicalBits(v)
		if top == nil {
			d.Add(hashBits(b))
		} else {
			counts[b]++
		}
	}
	for b, n := range counts {
		d.Add(hashBits(b))
		top[strconv.FormatFloat(math.Float64frombits(b), 'g', -1, 64)] += n
	}
}

// updateBools adds bools (formatted true and false).
func updateBools(d *HLL, a *array.Boolean, top map[string]int64) {
	var n [2]int64
	for i := 0; i < a.Len(); i++ {
		if a.IsValid(i) {
			if a.Value(i) {
				n[1]++
			} else {
				n[0]++
			}
		}
	}
	for b, k := range n {
		if k == 0 {
			continue
		}
		d.Add(hashBits(uint64(b)))
		if top != nil {
			top[strconv.FormatBool(b == 1)] += k
		}
	}
}

// stringArray is a utf8 or large utf8 array.
type stringArray interface {
	arrow.Array
	Value(int) string
}

// updateStrings adds plain strings. The chunk's counts may alias the
// array's bytes: the summary copies a key when it keeps it.
func updateStrings(d *HLL, a stringArray, top map[string]int64) {
	for i := 0; i < a.Len(); i++ {
		if !a.IsValid(i) {
			continue
		}
		if top == nil {
			d.Add(xxhash.Sum64String(a.Value(i)))
		} else {
			top[a.Value(i)]++
		}
	}
	for s := range top {
		d.Add(xxhash.Sum64String(s))
	}
}

// updateDict counts a dictionary column per dictionary entry first: each
// used entry is hashed and counted once per chunk.
func updateDict(d *HLL, a *array.Dictionary, dict *array.String, top map[string]int64) {
	n := make([]int64, dict.Len())
	switch idx := a.Indices().(type) {
	case *array.Int32:
		countIndices(n, idx, idx.Int32Values())
	case *array.Int16:
		countIndices(n, idx, idx.Int16Values())
	case *array.Int8:
		countIndices(n, idx, idx.Int8Values())
	default:
		for i := 0; i < a.Len(); i++ {
			if a.IsValid(i) {
				n[a.GetValueIndex(i)]++
			}
		}
	}
	for j, k := range n {
		if k == 0 {
			continue
		}
		v := dict.Value(j)
		d.Add(xxhash.Sum64String(v))
		if top != nil {
			top[v] += k
		}
	}
}

func countIndices[T int32 | int16 | int8](n []int64, idx arrow.Array, vals []T) {
	if idx.NullN() == 0 {
		for _, j := range vals {
			n[j]++
		}
		return
	}
	for i, j := range vals {
		if idx.IsValid(i) {
			n[j]++
		}
	}
}

// Merge folds o into c (merge partials in task order).
func (c *Column) Merge(o *Column) error {
	c.Rows += o.Rows
	c.Nulls += o.Nulls
	c.Moments.Merge(o.Moments)
	if c.Quantiles != nil {
		c.Quantiles.Merge(o.Quantiles)
	}
	if c.Top != nil {
		c.Top.Merge(o.Top)
	}
	return c.Distinct.Merge(o.Distinct)
}
