package profile

import (
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-ml/sluice/exec/cpu/stats"
)

// MaxSliceValues is the most distinct values a slice column may hold; a
// task or the merge fails beyond it (slice tables are exact).
const MaxSliceValues = 100000

// DefaultSliceTop is how many values of a slice column are listed by
// default; the rest are summed into "(other)".
const DefaultSliceTop = 20

// SliceAcc is one slice value's rows in one split: the rows, the label's
// moments and each numeric feature's moments.
type SliceAcc struct {
	Rows     int64           `json:"rows"`
	Label    stats.Moments   `json:"label"`
	Features []stats.Moments `json:"features"`
}

func (a *SliceAcc) merge(o *SliceAcc) {
	a.Rows += o.Rows
	a.Label.Merge(o.Label)
	for i := range a.Features {
		a.Features[i].Merge(o.Features[i])
	}
}

// Slice is the partial table of one slice column: per value key ("n" for
// null, "s:…" strings, "i:…" integers, "b:…" bools), per split.
type Slice struct {
	Values map[string][]*SliceAcc `json:"values"`
}

// NewSlice returns an empty partial.
func NewSlice() *Slice { return &Slice{Values: map[string][]*SliceAcc{}} }

// SliceInputs are one chunk's columns a slice table reads: the slice
// column, the label (nil without one) and the numeric features.
type SliceInputs struct {
	Column   arrow.Array
	Label    arrow.Array
	Features []arrow.Array
}

// Update adds the rows of one chunk of split k (of nsplit).
func (s *Slice) Update(name string, in SliceInputs, k, nsplit int) error {
	groups := map[string][]int32{}
	var order []string
	add := func(key string, i int) {
		g, ok := groups[key]
		if !ok {
			order = append(order, key)
		}
		groups[key] = append(g, int32(i))
	}
	col := in.Column
	switch a := col.(type) {
	case *array.Dictionary:
		dict, ok := a.Dictionary().(*array.String)
		if !ok {
			return fmt.Errorf("slices: %s: dictionary of %s is not supported", name, a.Dictionary().DataType())
		}
		keys := make([]string, dict.Len())
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				add("n", i)
				continue
			}
			j := a.GetValueIndex(i)
			if keys[j] == "" {
				keys[j] = "s:" + dict.Value(j)
			}
			add(keys[j], i)
		}
	case *array.String:
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				add("n", i)
			} else {
				add("s:"+a.Value(i), i)
			}
		}
	case *array.Int64:
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				add("n", i)
			} else {
				add("i:"+strconv.FormatInt(a.Value(i), 10), i)
			}
		}
	case *array.Boolean:
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				add("n", i)
			} else {
				add("b:"+strconv.FormatBool(a.Value(i)), i)
			}
		}
	default:
		return fmt.Errorf("slices: %s: type %s cannot be sliced (allowed: string, int64, bool)", name, col.DataType())
	}
	for _, key := range order {
		sel := groups[key]
		accs, ok := s.Values[key]
		if !ok {
			if len(s.Values) >= MaxSliceValues {
				return fmt.Errorf("slices: %s has more than %d distinct values; slice by a coarser column", name, MaxSliceValues)
			}
			accs = make([]*SliceAcc, nsplit)
			for j := range accs {
				accs[j] = &SliceAcc{Features: make([]stats.Moments, len(in.Features))}
			}
			s.Values[key] = accs
		}
		a := accs[k]
		a.Rows += int64(len(sel))
		if in.Label != nil {
			var m stats.Moments
			if err := m.Update(in.Label, sel); err != nil {
				return fmt.Errorf("slices: %s: label: %w", name, err)
			}
			a.Label.Merge(m)
		}
		for j, f := range in.Features {
			var m stats.Moments
			if err := m.Update(f, sel); err != nil {
				return fmt.Errorf("slices: %s: feature %d: %w", name, j, err)
			}
			a.Features[j].Merge(m)
		}
	}
	return nil
}

// Merge folds o into s.
func (s *Slice) Merge(name string, o *Slice) error {
	for _, key := range sortedKeys(o.Values) {
		oa := o.Values[key]
		accs, ok := s.Values[key]
		if !ok {
			if len(s.Values) >= MaxSliceValues {
				return fmt.Errorf("slices: %s has more than %d distinct values; slice by a coarser column", name, MaxSliceValues)
			}
			accs = make([]*SliceAcc, len(oa))
			for j, a := range oa {
				accs[j] = &SliceAcc{Features: make([]stats.Moments, len(a.Features))}
			}
			s.Values[key] = accs
		}
		if len(accs) != len(oa) {
			return fmt.Errorf("internal: slices: %s: %d splits, want %d", name, len(oa), len(accs))
		}
		for j := range accs {
			if len(accs[j].Features) != len(oa[j].Features) {
				return fmt.Errorf("internal: slices: %s: %d features, want %d", name, len(oa[j].Features), len(accs[j].Features))
			}
			accs[j].merge(oa[j])
		}
	}
	return nil
}
