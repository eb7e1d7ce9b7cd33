package jobspec

import (
	"fmt"
	"math"
	"strings"

	"gopkg.in/yaml.v3"
)

var (
	featureKeys = []string{"transform", "top_k", "min_count", "buckets", "min", "max", "fill"}
	fillKinds   = []string{FillMean, FillMedian, FillMode, FillDrop, FillNone}
	fillAllowed = []string{FillMean, FillMedian, FillMode, FillDrop, FillNone, "{value: X}"}
	// optionTransforms says which transforms each option applies to.
	optionTransforms = map[string][]string{
		"top_k":     {TVocab, TOneHot},
		"min_count": {TVocab, TOneHot},
		"buckets":   {TBucketize, THash},
		"min":       {TClip},
		"max":       {TClip},
	}
)

// numericTransform reports whether t reads a numeric column (so mean and
// median fills apply and a {value: X} fill must be a number).
func numericTransform(t string) bool {
	switch t {
	case TVocab, TOneHot, THash:
		return false
	}
	return true
}

// features reads `features:` in file order.
func (p *parser) features(top *mapNode) ([]Feature, error) {
	e := top.get("features")
	if e == nil {
		return nil, nil
	}
	m, err := p.mapping("features", e.line, e.val, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Feature, 0, len(m.entries))
	for i := range m.entries {
		f, err := p.feature(m.field(m.entries[i].key), &m.entries[i])
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// feature reads one `name: {transform: ..., ...}` entry; a plain string is
// short for {transform: that}.
func (p *parser) feature(field string, e *entry) (Feature, error) {
	f := Feature{Name: e.key, Line: e.line, Fill: Fill{Kind: FillNone}}
	if strings.TrimSpace(e.key) == "" {
		return f, p.errf(e.line, "features", "feature names must not be empty")
	}
	if e.val.Kind == yaml.ScalarNode && !isNull(e.val) {
		t, err := p.enum(field+".transform", e, "transform", Transforms)
		if err != nil {
			return f, err
		}
		f.Transform = t
		return f, p.featureDefaults(field, e.line, &f)
	}
	if isNull(e.val) {
		return f, p.errf(e.line, field, "expected a mapping like {transform: zscore} (got null)")
	}
	m, err := p.mapping(field, e.line, e.val, featureKeys)
	if err != nil {
		return f, err
	}
	te := m.get("transform")
	if te == nil {
		return f, p.errf(e.line, m.field("transform"), "required (allowed: %s)", strings.Join(Transforms, ", "))
	}
	if f.Transform, err = p.enum(m.field("transform"), te, "transform", Transforms); err != nil {
		return f, err
	}
	for _, opt := range m.entries {
		if ts, ok := optionTransforms[opt.key]; ok && !isNull(opt.val) && !contains(ts, f.Transform) {
			return f, p.errf(opt.line, m.field(opt.key), "applies only to %s (this feature's transform is %s)", strings.Join(ts, " and "), f.Transform)
		}
	}
	if x := m.get("top_k"); x != nil {
		n, err := p.intRange(m.field("top_k"), x, 0, math.MaxInt32)
		if err != nil {
			return f, err
		}
		f.TopK = int(n)
	}
	if x := m.get("min_count"); x != nil {
		if f.MinCount, err = p.intAtLeast(m.field("min_count"), x, 1); err != nil {
			return f, err
		}
	}
	if x := m.get("buckets"); x != nil {
		n, err := p.intRange(m.field("buckets"), x, 2, math.MaxInt32)
		if err != nil {
			return f, err
		}
		f.Buckets = int(n)
	}
	for _, k := range []string{"min", "max"} {
		if x := m.get(k); x != nil {
			v, err := p.number(m.field(k), x)
			if err != nil {
				return f, err
			}
			if k == "min" {
				f.Min = &v
			} else {
				f.Max = &v
			}
		}
	}
	if f.Min != nil && f.Max != nil && !(*f.Min < *f.Max) {
		return f, p.errf(m.get("max").line, m.field("max"), "clip needs min < max (got min %v, max %v)", *f.Min, *f.Max)
	}
	if x := m.get("fill"); x != nil {
		if f.Fill, err = p.fill(m.field("fill"), x, f.Transform); err != nil {
			return f, err
		}
	}
	return f, p.featureDefaults(field, e.line, &f)
}

// featureDefaults fills defaults and checks options a transform requires.
func (p *parser) featureDefaults(field string, line int, f *Feature) error {
	switch f.Transform {
	case TVocab, TOneHot:
		if f.MinCount == 0 {
			f.MinCount = 1
		}
	case TBucketize, THash:
		if f.Buckets == 0 {
			return p.errf(line, field+".buckets", "required for %s: an integer >= 2", f.Transform)
		}
	case TClip:
		if f.Min == nil && f.Max == nil {
			return p.errf(line, field, "clip needs min, max or both, e.g. {transform: clip, min: 0, max: 3600}")
		}
	}
	return nil
}

// fill reads a fill rule: mean | median | mode | drop | none | {value: X}.
// transform is "" for the label (any rule and any value type allowed).
func (p *parser) fill(field string, e *entry, transform string) (Fill, error) {
	numeric := transform == "" || numericTransform(transform)
	if e.val.Kind == yaml.ScalarNode {
		s := e.val.Value
		switch {
		case s == FillValue:
			return Fill{}, p.errf(lineOf(e.val, e.line), field, "write a constant fill as {value: X}")
		case !contains(fillKinds, s) || e.val.ShortTag() != "!!str":
			msg := unknownMsg("fill", s, fillAllowed)
			if t := e.val.ShortTag(); t == "!!int" || t == "!!float" || t == "!!bool" {
				msg = fmt.Sprintf("expected mean, median, mode, drop, none or {value: X} (got %s); for a constant write {value: %s}", s, s)
			}
			return Fill{}, p.errf(lineOf(e.val, e.line), field, "%s", msg)
		case !numeric && (s == FillMean || s == FillMedian):
			return Fill{}, p.errf(lineOf(e.val, e.line), field, "%s fill needs a numeric transform; %s allows mode, drop, none or {value: X}", s, transform)
		}
		return Fill{Kind: s}, nil
	}
	if e.val.Kind != yaml.MappingNode {
		return Fill{}, p.errf(lineOf(e.val, e.line), field, "expected mean, median, mode, drop, none or {value: X} (got %s)", describe(e.val))
	}
	m, err := p.mapping(field, e.line, e.val, []string{FillValue})
	if err != nil {
		return Fill{}, err
	}
	ve := m.get(FillValue)
	if ve == nil {
		return Fill{}, p.errf(e.line, m.field(FillValue), "required: the constant that replaces nulls, e.g. {value: 0}")
	}
	if ve.val.Kind != yaml.ScalarNode {
		return Fill{}, p.errf(lineOf(ve.val, ve.line), m.field(FillValue), "expected a number, string or bool (got %s)", describe(ve.val))
	}
	var v any
	switch ve.val.ShortTag() {
	case "!!int":
		var i int64
		if ve.val.Decode(&i) != nil {
			return Fill{}, p.errf(lineOf(ve.val, ve.line), m.field(FillValue), "integer %s does not fit in 64 bits", ve.val.Value)
		}
		v = i
	case "!!float":
		x, err := p.number(m.field(FillValue), ve)
		if err != nil {
			return Fill{}, err
		}
		v = x
	case "!!bool":
		var b bool
		if ve.val.Decode(&b) != nil {
			return Fill{}, p.errf(lineOf(ve.val, ve.line), m.field(FillValue), "expected true or false (got %s)", describe(ve.val))
		}
		v = b
	default:
		v = ve.val.Value
	}
	if transform != "" && numeric {
		switch v.(type) {
		case int64, float64:
		default:
			return Fill{}, p.errf(lineOf(ve.val, ve.line), m.field(FillValue), "%s needs a numeric fill value (got %s)", transform, describe(ve.val))
		}
	}
	return Fill{Kind: FillValue, Value: v}, nil
}

// label reads `label:` — one column, `name: {fill: ...}`, `name: {}`,
// `name:` or just `label: name`.
func (p *parser) label(top *mapNode) (*Label, error) {
	e := top.get("label")
	if e == nil {
		return nil, nil
	}
	if e.val.Kind == yaml.ScalarNode {
		n, err := p.name("label", e, "a column name or {column: {fill: ...}}")
		if err != nil {
			return nil, err
		}
		return &Label{Name: n, Fill: Fill{Kind: FillNone}, Line: lineOf(e.val, e.line)}, nil
	}
	m, err := p.mapping("label", e.line, e.val, nil)
	if err != nil {
		return nil, err
	}
	if len(m.entries) != 1 {
		return nil, p.errf(e.line, "label", "expected exactly one label column (got %d)", len(m.entries))
	}
	c := &m.entries[0]
	if strings.TrimSpace(c.key) == "" {
		return nil, p.errf(c.line, "label", "the label column name must not be empty")
	}
	l := &Label{Name: c.key, Fill: Fill{Kind: FillNone}, Line: c.line}
	if isNull(c.val) {
		return l, nil
	}
	lm, err := p.mapping(m.field(c.key), c.line, c.val, []string{"fill"})
	if err != nil {
		return nil, err
	}
	if fe := lm.get("fill"); fe != nil {
		if l.Fill, err = p.fill(lm.field("fill"), fe, ""); err != nil {
			return nil, err
		}
	}
	return l, nil
}
