package jobspec

import (
	"fmt"
	"math"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sluice-ml/sluice/jobspec/yamlread"
)

// Expectation rule kinds. Column rules name a column; the row-count rules
// (rows: {min, max}) name none.
const (
	RuleNotNull         = "not_null"
	RuleUnique          = "unique"
	RuleBetween         = "between"
	RuleIn              = "in"
	RuleNullFractionMax = "null_fraction_max"
	RuleRowsMin         = "rows_min"
	RuleRowsMax         = "rows_max"
)

// Expectation failure policies.
const (
	OnFailError = "error"
	OnFailWarn  = "warn"
)

var (
	// ColumnRules are the rules a column may state, in documentation order.
	ColumnRules = []string{RuleNotNull, RuleUnique, RuleBetween, RuleIn, RuleNullFractionMax}
	onFails     = []string{OnFailError, OnFailWarn}
)

// Expect is `expect:`: rules on the rows as read from the input, before the
// filter and fills (derived columns are computed on those rows too).
type Expect struct {
	Rules  []ExpectRule // in file order
	OnFail string       // error (default) | warn
	Line   int
}

// ExpectRule is one rule. Column is "" for the row-count rules.
type ExpectRule struct {
	Column string
	Kind   string  // Rule* constant
	Lo, Hi float64 // between: lo <= value <= hi
	In     []any   // in: int64, float64, string or bool values, all of one kind
	Max    float64 // null_fraction_max: nulls / rows read <= Max
	Count  int64   // rows_min, rows_max: the bound on the rows read
	Line   int
}

// Field is the rule's dotted field path, e.g. "expect.trip_id.unique" or
// "expect.rows.min".
func (r ExpectRule) Field() string {
	switch r.Kind {
	case RuleRowsMin:
		return "expect.rows.min"
	case RuleRowsMax:
		return "expect.rows.max"
	}
	return "expect." + r.Column + "." + r.Kind
}

// expect reads `expect:`: column name -> {rule: value, ...}, plus the
// reserved keys rows ({min, max}) and on_fail (error | warn).
func (p *parser) expect(top *yamlread.MapNode) (*Expect, error) {
	e := top.Get("expect")
	if e == nil {
		return nil, nil
	}
	m, err := yamlread.Mapping("expect", e.Line, e.Val, nil)
	if err != nil {
		return nil, err
	}
	x := &Expect{OnFail: OnFailError, Line: e.Line}
	for i := range m.Entries {
		c := &m.Entries[i]
		field := m.Field(c.Key)
		switch c.Key {
		case "on_fail":
			if yamlread.IsNull(c.Val) {
				return nil, p.errf(c.Line, field, "expected one of error, warn (got null)")
			}
			if x.OnFail, err = yamlread.Enum(field, c, "on_fail", onFails); err != nil {
				return nil, err
			}
			continue
		case "rows":
			rules, err := p.rowsRule(field, c)
			if err != nil {
				return nil, err
			}
			x.Rules = append(x.Rules, rules...)
			continue
		}
		if strings.TrimSpace(c.Key) == "" {
			return nil, p.errf(c.Line, "expect", "column names must not be empty")
		}
		rules, err := p.columnRules(field, c)
		if err != nil {
			return nil, err
		}
		x.Rules = append(x.Rules, rules...)
	}
	if len(x.Rules) == 0 {
		return nil, p.errf(e.Line, "expect", "states no rule; give column rules (%s) or rows: {min: N}", strings.Join(ColumnRules, ", "))
	}
	return x, nil
}

// rowsRule reads rows: {min: N, max: N}.
func (p *parser) rowsRule(field string, e *yamlread.Entry) ([]ExpectRule, error) {
	if e.Val.Kind != yaml.MappingNode {
		return nil, p.errf(yamlread.LineOf(e.Val, e.Line), field, "expected a mapping like {min: 1000, max: 5000000} (got %s); rows is reserved for the row count", yamlread.Describe(e.Val))
	}
	m, err := yamlread.Mapping(field, e.Line, e.Val, []string{"min", "max"})
	if err != nil {
		return nil, err
	}
	var out []ExpectRule
	for _, k := range m.Entries {
		if yamlread.IsNull(k.Val) {
			return nil, p.errf(k.Line, m.Field(k.Key), "expected an integer >= 0 (got null)")
		}
		n, err := yamlread.IntAtLeast(m.Field(k.Key), &k, 0)
		if err != nil {
			return nil, err
		}
		kind := RuleRowsMin
		if k.Key == "max" {
			kind = RuleRowsMax
		}
		out = append(out, ExpectRule{Kind: kind, Count: n, Line: k.Line})
	}
	if len(out) == 0 {
		return nil, p.errf(e.Line, field, "needs min, max or both, e.g. {min: 1000}")
	}
	if len(out) == 2 {
		lo, hi := out[0], out[1]
		if lo.Kind == RuleRowsMax {
			lo, hi = hi, lo
		}
		if lo.Count > hi.Count {
			return nil, p.errf(m.Get("max").Line, m.Field("max"), "rows needs min <= max (got min %d, max %d)", lo.Count, hi.Count)
		}
	}
	return out, nil
}

// columnRules reads one column's {rule: value, ...}.
func (p *parser) columnRules(field string, e *yamlread.Entry) ([]ExpectRule, error) {
	if e.Val.Kind != yaml.MappingNode {
		return nil, p.errf(yamlread.LineOf(e.Val, e.Line), field, "expected a mapping of rules like {not_null: true} (got %s); rules: %s", yamlread.Describe(e.Val), strings.Join(ColumnRules, ", "))
	}
	m, err := yamlread.Mapping(field, e.Line, e.Val, ColumnRules)
	if err != nil {
		return nil, err
	}
	if len(m.Entries) == 0 {
		return nil, p.errf(e.Line, field, "states no rule (allowed: %s)", strings.Join(ColumnRules, ", "))
	}
	var out []ExpectRule
	for i := range m.Entries {
		k := &m.Entries[i]
		rf := m.Field(k.Key)
		r := ExpectRule{Column: e.Key, Kind: k.Key, Line: k.Line}
		if yamlread.IsNull(k.Val) {
			return nil, p.errf(k.Line, rf, "expected a value (got null)")
		}
		switch k.Key {
		case RuleNotNull, RuleUnique:
			on, err := yamlread.BoolVal(rf, k)
			if err != nil {
				return nil, err
			}
			if !on {
				continue // false states nothing
			}
		case RuleBetween:
			if r.Lo, r.Hi, err = p.between(rf, k); err != nil {
				return nil, err
			}
		case RuleIn:
			if r.In, err = p.inList(rf, k); err != nil {
				return nil, err
			}
		case RuleNullFractionMax:
			if r.Max, err = yamlread.Number(rf, k); err != nil {
				return nil, err
			}
			if r.Max < 0 || r.Max > 1 {
				return nil, p.errf(yamlread.LineOf(k.Val, k.Line), rf, "expected a fraction between 0 and 1 (got %s)", yamlread.Describe(k.Val))
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// between reads [lo, hi], two finite numbers with lo <= hi.
func (p *parser) between(field string, e *yamlread.Entry) (float64, float64, error) {
	line := yamlread.LineOf(e.Val, e.Line)
	if e.Val.Kind != yaml.SequenceNode || len(e.Val.Content) != 2 {
		return 0, 0, p.errf(line, field, "expected [lo, hi], two numbers (got %s)", yamlread.Describe(e.Val))
	}
	var v [2]float64
	for i, it := range e.Val.Content {
		n, err := yamlread.Number(fmt.Sprintf("%s[%d]", field, i), &yamlread.Entry{Line: line, Val: yamlread.Resolve(it)})
		if err != nil {
			return 0, 0, err
		}
		v[i] = n
	}
	if v[0] > v[1] {
		return 0, 0, p.errf(line, field, "expected lo <= hi (got [%s, %s])", yamlread.Describe(e.Val.Content[0]), yamlread.Describe(e.Val.Content[1]))
	}
	return v[0], v[1], nil
}

// inList reads a non-empty list of scalars of one kind: numbers, strings
// or bools (the planner checks the kind against the column's type).
func (p *parser) inList(field string, e *yamlread.Entry) ([]any, error) {
	line := yamlread.LineOf(e.Val, e.Line)
	if e.Val.Kind != yaml.SequenceNode || len(e.Val.Content) == 0 {
		return nil, p.errf(line, field, "expected a non-empty list of values, e.g. [Male, Female] (got %s)", yamlread.Describe(e.Val))
	}
	out := make([]any, 0, len(e.Val.Content))
	kind := ""
	for i, raw := range e.Val.Content {
		it := yamlread.Resolve(raw)
		f := fmt.Sprintf("%s[%d]", field, i)
		if it == nil || it.Kind != yaml.ScalarNode || yamlread.IsNull(it) {
			return nil, p.errf(yamlread.LineOf(it, line), f, "expected a number, string or bool (got %s)", yamlread.Describe(it))
		}
		var v any
		k := "string"
		switch it.ShortTag() {
		case "!!int":
			var n int64
			if it.Decode(&n) != nil {
				return nil, p.errf(yamlread.LineOf(it, line), f, "integer %s does not fit in 64 bits", it.Value)
			}
			v, k = n, "number"
		case "!!float":
			n, err := yamlread.Number(f, &yamlread.Entry{Line: line, Val: it})
			if err != nil {
				return nil, err
			}
			v, k = n, "number"
		case "!!bool":
			var b bool
			if it.Decode(&b) != nil {
				return nil, p.errf(yamlread.LineOf(it, line), f, "expected true or false (got %s)", yamlread.Describe(it))
			}
			v, k = b, "bool"
		default:
			v = it.Value
		}
		if kind != "" && k != kind {
			return nil, p.errf(yamlread.LineOf(it, line), f, "all values must be of one kind: %s[0] is a %s, this is a %s (got %s); quote numbers meant as strings", field, kind, k, yamlread.Describe(it))
		}
		kind = k
		out = append(out, v)
	}
	return out, nil
}

// ExpectValueKind is the kind of an `in` list: "number", "string" or "bool".
func ExpectValueKind(v any) string {
	switch v.(type) {
	case int64, float64:
		return "number"
	case bool:
		return "bool"
	}
	return "string"
}

// ExpectNumber is an `in` number as a float64 (ok false for other kinds).
func ExpectNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, !math.IsNaN(n)
	}
	return 0, false
}
