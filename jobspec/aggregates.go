package jobspec

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// tableNameOK reports whether s can name an aggregates file: [A-Za-z0-9_-]+.
func tableNameOK(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// aggregates reads `aggregates:`: table name -> {by, compute}, in order.
func (p *parser) aggregates(top *mapNode) ([]Aggregate, error) {
	e := top.get("aggregates")
	if e == nil {
		return nil, nil
	}
	m, err := p.mapping("aggregates", e.line, e.val, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Aggregate, 0, len(m.entries))
	for i := range m.entries {
		t := &m.entries[i]
		field := m.field(t.key)
		if !tableNameOK(t.key) {
			return nil, p.errf(t.line, field, "table names may use only letters, digits, _ and - (got %q)", t.key)
		}
		tm, err := p.mapping(field, t.line, t.val, []string{"by", "compute"})
		if err != nil {
			return nil, err
		}
		a := Aggregate{Name: t.key, Line: t.line}
		be := tm.get("by")
		if be == nil {
			return nil, p.errf(t.line, tm.field("by"), "required: the group-by column or list of columns")
		}
		by, err := p.names(tm.field("by"), be)
		if err != nil {
			return nil, err
		}
		byName := make(map[string]bool, len(by))
		for _, b := range by {
			a.By = append(a.By, b.Name)
			byName[b.Name] = true
		}
		ce := tm.get("compute")
		if ce == nil {
			return nil, p.errf(t.line, tm.field("compute"), "required: output name -> func(column), e.g. {trips: count(), mean_duration: mean(tripduration)}")
		}
		cm, err := p.mapping(tm.field("compute"), ce.line, ce.val, nil)
		if err != nil {
			return nil, err
		}
		if len(cm.entries) == 0 {
			return nil, p.errf(ce.line, tm.field("compute"), "needs at least one output, e.g. {trips: count()}")
		}
		for j := range cm.entries {
			c := &cm.entries[j]
			x, err := p.aggExpr(cm.field(c.key), c)
			if err != nil {
				return nil, err
			}
			if byName[x.Name] {
				return nil, p.errf(c.line, cm.field(c.key), "output name %q is also a group-by column of this table", x.Name)
			}
			a.Compute = append(a.Compute, x)
		}
		out = append(out, a)
	}
	return out, nil
}

// aggExpr parses "func(column)" or "count()".
func (p *parser) aggExpr(field string, e *entry) (AggExpr, error) {
	x := AggExpr{Name: e.key, Line: e.line}
	if strings.TrimSpace(e.key) == "" {
		return x, p.errf(e.line, field, "output names must not be empty")
	}
	const want = "func(column) or count(), with func one of "
	if e.val.Kind != yaml.ScalarNode || e.val.ShortTag() != "!!str" {
		return x, p.errf(lineOf(e.val, e.line), field, "expected %s%s (got %s)", want, strings.Join(AggFuncs, ", "), describe(e.val))
	}
	src := strings.TrimSpace(e.val.Value)
	open := strings.IndexByte(src, '(')
	if open <= 0 || !strings.HasSuffix(src, ")") {
		return x, p.errf(lineOf(e.val, e.line), field, "expected %s%s (got %q)", want, strings.Join(AggFuncs, ", "), src)
	}
	fn := strings.TrimSpace(src[:open])
	arg := strings.TrimSpace(src[open+1 : len(src)-1])
	if !contains(AggFuncs, fn) {
		return x, p.errf(lineOf(e.val, e.line), field, "%s", unknownMsg("aggregate function", fn, AggFuncs))
	}
	switch {
	case strings.ContainsAny(arg, "()"):
		return x, p.errf(lineOf(e.val, e.line), field, "%s takes a column name, not an expression (got %q); derive the column under columns: first", fn, src)
	case strings.Contains(arg, ","):
		return x, p.errf(lineOf(e.val, e.line), field, "%s takes exactly one column (got %q)", fn, src)
	case arg == "" && fn != AggCount:
		return x, p.errf(lineOf(e.val, e.line), field, "%s needs one column, e.g. %s(tripduration); only count() may be empty", fn, fn)
	}
	x.Func, x.Column = fn, arg
	return x, nil
}
