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

// Update adds every row of col.
func (c *Column) Update(col arrow.Array) error {
	c.Rows += int64(col.Len())
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
	if d, ok := col.(*array.Dictionary); ok {
		if dict, ok := d.Dictionary().(*array.String); ok {
			c.updateDict(d, dict)
			return nil
		}
	}
	counts := map[string]int64{}
	err := forEachValue(col, func(h uint64, key func() string) {
		c.Distinct.Add(h)
		if c.Top != nil {
			counts[key()]++
		}
	})
	if err != nil {
		return err
	}
	if c.Top != nil {
		for _, k := range sortedKeys(counts) {
			c.Top.Add(k, counts[k])
		}
	}
	return nil
}

// updateDict counts a dictionary column per dictionary entry first: each
// distinct value is hashed and counted once per chunk.
func (c *Column) updateDict(d *array.Dictionary, dict *array.String) {
	n := make([]int64, dict.Len())
	for i := 0; i < d.Len(); i++ {
		if d.IsValid(i) {
			n[d.GetValueIndex(i)]++
		}
	}
	counts := map[string]int64{}
	for j, k := range n {
		if k == 0 {
			continue
		}
		v := dict.Value(j)
		c.Distinct.Add(xxhash.Sum64String(v))
		counts[v] += k
	}
	if c.Top != nil {
		for _, k := range sortedKeys(counts) {
			c.Top.Add(k, counts[k])
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

// forEachValue calls f with the hash of every non-null value and a
// function that formats it (strings as is, integers in decimal, floats in
// Go's shortest form, bools as true/false, timestamps as microseconds).
func forEachValue(col arrow.Array, f func(h uint64, key func() string)) error {
	var buf [8]byte
	hashInt := func(v uint64) uint64 {
		binary.LittleEndian.PutUint64(buf[:], v)
		return xxhash.Sum64(buf[:])
	}
	switch a := col.(type) {
	case *array.Int64:
		for i, v := range a.Int64Values() {
			if a.IsValid(i) {
				f(hashInt(uint64(v)), func() string { return strconv.FormatInt(v, 10) })
			}
		}
	case *array.Timestamp:
		for i, v := range a.TimestampValues() {
			if a.IsValid(i) {
				f(hashInt(uint64(v)), func() string { return strconv.FormatInt(int64(v), 10) })
			}
		}
	case *array.Float64:
		for i, v := range a.Float64Values() {
			if !a.IsValid(i) {
				continue
			}
			bits := math.Float64bits(v + 0) // -0 counts as 0
			if v == 0 {
				bits = 0
			} else if math.IsNaN(v) {
				bits = math.Float64bits(math.NaN())
			}
			f(hashInt(bits), func() string { return strconv.FormatFloat(v, 'g', -1, 64) })
		}
	case *array.Boolean:
		for i := 0; i < a.Len(); i++ {
			if a.IsValid(i) {
				v := a.Value(i)
				b := uint64(0)
				if v {
					b = 1
				}
				f(hashInt(b), func() string { return strconv.FormatBool(v) })
			}
		}
	case *array.String:
		for i := 0; i < a.Len(); i++ {
			if a.IsValid(i) {
				s := a.Value(i)
				f(xxhash.Sum64String(s), func() string { return s })
			}
		}
	case *array.LargeString:
		for i := 0; i < a.Len(); i++ {
			if a.IsValid(i) {
				s := a.Value(i)
				f(xxhash.Sum64String(s), func() string { return s })
			}
		}
	case *array.Dictionary:
		dict, ok := a.Dictionary().(*array.String)
		if !ok {
			return fmt.Errorf("profile: dictionary of %s is not supported (allowed: string)", a.Dictionary().DataType())
		}
		hs := make([]uint64, dict.Len())
		for i := range hs {
			hs[i] = xxhash.Sum64String(dict.Value(i))
		}
		for i := 0; i < a.Len(); i++ {
			if a.IsValid(i) {
				j := a.GetValueIndex(i)
				f(hs[j], func() string { return dict.Value(j) })
			}
		}
	default:
		return fmt.Errorf("profile: column type %s is not supported (allowed: int64, float64, bool, timestamp, string)", col.DataType())
	}
	return nil
}
