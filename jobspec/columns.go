package jobspec

import (
	"strings"

	"github.com/sluice-ml/sluice/jobspec/yamlread"
)

// columns reads `columns:`: derived column name -> expression, in order.
func (p *parser) columns(top *yamlread.MapNode) ([]DerivedColumn, error) {
	e := top.Get("columns")
	if e == nil {
		return nil, nil
	}
	m, err := yamlread.Mapping("columns", e.Line, e.Val, nil)
	if err != nil {
		return nil, err
	}
	out := make([]DerivedColumn, 0, len(m.Entries))
	for i := range m.Entries {
		c := &m.Entries[i]
		if strings.TrimSpace(c.Key) == "" {
			return nil, p.errf(c.Line, "columns", "derived column names must not be empty")
		}
		x, err := p.expr(m.Field(c.Key), c)
		if err != nil {
			return nil, err
		}
		out = append(out, DerivedColumn{Name: c.Key, Expr: x, Line: c.Line})
	}
	return out, nil
}
