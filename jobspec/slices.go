package jobspec

import (
	"gopkg.in/yaml.v3"

	"github.com/sluice-ml/sluice/jobspec/yamlread"
)

// MaxSlices is the most slice columns a job may name.
const MaxSlices = 8

// DefaultSliceTop is how many values of a slice column are listed when
// `top` is not given; the rest are summed into one "(other)" row.
const DefaultSliceTop = 20

// MaxSliceTop is the largest allowed `top`.
const MaxSliceTop = 1000

// Slices is `slices:`, either a list of columns
//
//	slices: [gender, usertype, start_station_name]
//
// or a mapping with the list and how many values to list per column:
//
//	slices: {columns: [gender, start_station_name], top: 50}
//
// Columns is empty when the job has none.
type Slices struct {
	Columns []Field
	Top     int // values listed per column (the rest are one "(other)" row)
	Line    int
}

// slices parses `slices:`. Which columns may be sliced (not floats, known
// columns) is checked against the input schema by the planner.
func (p *parser) slices(top *yamlread.MapNode) (Slices, error) {
	e := top.Get("slices")
	if e == nil {
		return Slices{Top: DefaultSliceTop}, nil
	}
	s := Slices{Top: DefaultSliceTop, Line: e.Line}
	cols := e
	if e.Val.Kind == yaml.MappingNode {
		m, err := yamlread.Mapping("slices", e.Line, e.Val, []string{"columns", "top"})
		if err != nil {
			return Slices{}, err
		}
		if cols = m.Get("columns"); cols == nil {
			return Slices{}, p.errf(e.Line, "slices.columns", "required: the columns to slice by, e.g. columns: [gender, usertype]")
		}
		if te := m.Get("top"); te != nil {
			n, err := yamlread.IntRange("slices.top", te, 1, MaxSliceTop)
			if err != nil {
				return Slices{}, err
			}
			s.Top = int(n)
		}
	}
	field := "slices"
	if cols != e {
		field = "slices.columns"
	}
	var err error
	if s.Columns, err = p.names(field, cols); err != nil {
		return Slices{}, err
	}
	if len(s.Columns) > MaxSlices {
		return Slices{}, p.errf(yamlread.LineOf(cols.Val, e.Line), field, "%d slice columns; at most %d are allowed", len(s.Columns), MaxSlices)
	}
	for i := range s.Columns {
		if s.Columns[i].Line == 0 {
			s.Columns[i].Line = e.Line
		}
	}
	return s, nil
}
