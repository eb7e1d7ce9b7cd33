package jobspec

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sluice-ml/sluice/jobspec/yamlread"
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
func (p *parser) aggregates(top *yamlread.MapNode) ([]Aggregate, error) {
	e := top.Get("aggregates")
	if e == nil {
		return nil, nil
	}
	m, err := yamlread.Mapping("aggregates", e.Line, e.Val, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Aggregate, 0, len(m.Entries))
	for i := range m.Entries {
		t := &m.Entries[i]
		field := m.Field(t.Key)
		if !tableNameOK(t.Key) {
			return nil, p.errf(t.Line, field, "table names may use only letters, digits, _ and - (got %q)", t.Key)
		}
		tm, err := yamlread.Mapping(field, t.Line, t.Val, []string{"by", "compute"})
		if err != nil {
			return nil, err
		}
		a := Aggregate{Name: t.Key, Line: t.Line}
		be := tm.Get("by")
		if be == nil {
			return nil, p.errf(t.Line, tm.Field("by"), "required: the group-by column or list of columns")
		}
		by, err := p.names(tm.Field("by"), be)
		if err != nil {
			return nil, err
		}
		byName := make(map[string]bool, len(by))
		for _, b := range by {
			a.By = append(a.By, b.Name)
			byName[b.Name] = true
		}
		ce := tm.Get("compute")
		if ce == nil {
			return nil, p.errf(t.Line, tm.Field("compute"), "required: output name -> func(column), e.g. {trips: count(), mean_duration: mean(tripduration)}")
		}
		cm, err := yamlread.Mapping(tm.Field("compute"), ce.Line, ce.Val, nil)
		if err != nil {
			return nil, err
		}
		if len(cm.Entries) == 0 {
			return nil, p.errf(ce.Line, tm.Field("compute"), "needs at least one output, e.g. {trips: count()}")
		}
		for j := range cm.Entries {
			c := &cm.Entries[j]
			x, err := p.aggExpr(cm.Field(c.Key), c)
			if err != nil {
				return nil, err
			}
			if byName[x.Name] {
				return nil, p.errf(c.Line, cm.Field(c.Key), "output name %q is also a group-by column of this table", x.Name)
			}
			a.Compute = append(a.Compute, x)
		}
		out = append(out, a)
	}
	return out, nil
}

// aggExpr parses "func(column)" or "count()".
func (p *parser) aggExpr(field string, e *yamlread.Entry) (AggExpr, error) {
	x := AggExpr{Name: e.Key, Line: e.Line}
	if strings.TrimSpace(e.Key) == "" {
		return x, p.errf(e.Line, field, "output names must not be empty")
	}
	const want = "func(column) or count(), with func one of "
	if e.Val.Kind != yaml.ScalarNode || e.Val.ShortTag() != "!!str" {
		return x, p.errf(yamlread.LineOf(e.Val, e.Line), field, "expected %s%s (got %s)", want, strings.Join(AggFuncs, ", "), yamlread.Describe(e.Val))
	}
	src := strings.TrimSpace(e.Val.Value)
	open := strings.IndexByte(src, '(')
	if open <= 0 || !strings.HasSuffix(src, ")") {
		return x, p.errf(yamlread.LineOf(e.Val, e.Line), field, "expected %s%s (got %q)", want, strings.Join(AggFuncs, ", "), src)
	}
	fn := strings.TrimSpace(src[:open])
	arg := strings.TrimSpace(src[open+1 : len(src)-1])
	if !yamlread.Contains(AggFuncs, fn) {
		return x, p.errf(yamlread.LineOf(e.Val, e.Line), field, "%s", yamlread.UnknownMsg("aggregate function", fn, AggFuncs))
	}
	switch {
	case strings.ContainsAny(arg, "()"):
		return x, p.errf(yamlread.LineOf(e.Val, e.Line), field, "%s takes a column name, not an expression (got %q); derive the column under columns: first", fn, src)
	case strings.Contains(arg, ","):
		return x, p.errf(yamlread.LineOf(e.Val, e.Line), field, "%s takes exactly one column (got %q)", fn, src)
	case arg == "" && fn != AggCount:
		return x, p.errf(yamlread.LineOf(e.Val, e.Line), field, "%s needs one column, e.g. %s(tripduration); only count() may be empty", fn, fn)
	}
	x.Func, x.Column = fn, arg
	return x, nil
}
