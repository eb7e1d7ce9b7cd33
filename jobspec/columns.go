package jobspec

import "strings"

// columns reads `columns:`: derived column name -> expression, in order.
func (p *parser) columns(top *mapNode) ([]DerivedColumn, error) {
	e := top.get("columns")
	if e == nil {
		return nil, nil
	}
	m, err := p.mapping("columns", e.line, e.val, nil)
	if err != nil {
		return nil, err
	}
	out := make([]DerivedColumn, 0, len(m.entries))
	for i := range m.entries {
		c := &m.entries[i]
		if strings.TrimSpace(c.key) == "" {
			return nil, p.errf(c.line, "columns", "derived column names must not be empty")
		}
		x, err := p.expr(m.field(c.key), c)
		if err != nil {
			return nil, err
		}
		out = append(out, DerivedColumn{Name: c.key, Expr: x, Line: c.line})
	}
	return out, nil
}
