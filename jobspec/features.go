package jobspec

import (
	"fmt"
	"math"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sluice-ml/sluice/jobspec/yamlread"
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
func (p *parser) features(top *yamlread.MapNode) ([]Feature, error) {
	e := top.Get("features")
	if e == nil {
		return nil, nil
	}
	m, err := yamlread.Mapping("features", e.Line, e.Val, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Feature, 0, len(m.Entries))
	for i := range m.Entries {
		f, err := p.feature(m.Field(m.Entries[i].Key), &m.Entries[i])
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// feature reads one `name: {transform: ..., ...}` entry; a plain string is
// short for {transform: that}.
func (p *parser) feature(field string, e *yamlread.Entry) (Feature, error) {
	f := Feature{Name: e.Key, Line: e.Line, Fill: Fill{Kind: FillNone}}
	if strings.TrimSpace(e.Key) == "" {
		return f, p.errf(e.Line, "features", "feature names must not be empty")
	}
	if e.Val.Kind == yaml.ScalarNode && !yamlread.IsNull(e.Val) {
		t, err := yamlread.Enum(field+".transform", e, "transform", Transforms)
		if err != nil {
			return f, err
		}
		f.Transform = t
		return f, p.featureDefaults(field, e.Line, &f)
	}
	if yamlread.IsNull(e.Val) {
		return f, p.errf(e.Line, field, "expected a mapping like {transform: zscore} (got null)")
	}
	m, err := yamlread.Mapping(field, e.Line, e.Val, featureKeys)
	if err != nil {
		return f, err
	}
	te := m.Get("transform")
	if te == nil {
		return f, p.errf(e.Line, m.Field("transform"), "required (allowed: %s)", strings.Join(Transforms, ", "))
	}
	if f.Transform, err = yamlread.Enum(m.Field("transform"), te, "transform", Transforms); err != nil {
		return f, err
	}
	for _, opt := range m.Entries {
		if ts, ok := optionTransforms[opt.Key]; ok && !yamlread.IsNull(opt.Val) && !yamlread.Contains(ts, f.Transform) {
			return f, p.errf(opt.Line, m.Field(opt.Key), "applies only to %s (this feature's transform is %s)", strings.Join(ts, " and "), f.Transform)
		}
	}
	if x := m.Get("top_k"); x != nil {
		n, err := yamlread.IntRange(m.Field("top_k"), x, 0, math.MaxInt32)
		if err != nil {
			return f, err
		}
		f.TopK = int(n)
	}
	if x := m.Get("min_count"); x != nil {
		if f.MinCount, err = yamlread.IntAtLeast(m.Field("min_count"), x, 1); err != nil {
			return f, err
		}
	}
	if x := m.Get("buckets"); x != nil {
		n, err := yamlread.IntRange(m.Field("buckets"), x, 2, math.MaxInt32)
		if err != nil {
			return f, err
		}
		f.Buckets = int(n)
	}
	for _, k := range []string{"min", "max"} {
		if x := m.Get(k); x != nil {
			v, err := yamlread.Number(m.Field(k), x)
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
		return f, p.errf(m.Get("max").Line, m.Field("max"), "clip needs min < max (got min %v, max %v)", *f.Min, *f.Max)
	}
	if x := m.Get("fill"); x != nil {
		if f.Fill, err = p.fill(m.Field("fill"), x, f.Transform); err != nil {
			return f, err
		}
	}
	return f, p.featureDefaults(field, e.Line, &f)
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
func (p *parser) fill(field string, e *yamlread.Entry, transform string) (Fill, error) {
	numeric := transform == "" || numericTransform(transform)
	if e.Val.Kind == yaml.ScalarNode {
		s := e.Val.Value
		switch {
		case s == FillValue:
			return Fill{}, p.errf(yamlread.LineOf(e.Val, e.Line), field, "write a constant fill as {value: X}")
		case !yamlread.Contains(fillKinds, s) || e.Val.ShortTag() != "!!str":
			msg := yamlread.UnknownMsg("fill", s, fillAllowed)
			if t := e.Val.ShortTag(); t == "!!int" || t == "!!float" || t == "!!bool" {
				msg = fmt.Sprintf("expected mean, median, mode, drop, none or {value: X} (got %s); for a constant write {value: %s}", s, s)
			}
			return Fill{}, p.errf(yamlread.LineOf(e.Val, e.Line), field, "%s", msg)
		case !numeric && (s == FillMean || s == FillMedian):
			return Fill{}, p.errf(yamlread.LineOf(e.Val, e.Line), field, "%s fill needs a numeric transform; %s allows mode, drop, none or {value: X}", s, transform)
		}
		return Fill{Kind: s}, nil
	}
	if e.Val.Kind != yaml.MappingNode {
		return Fill{}, p.errf(yamlread.LineOf(e.Val, e.Line), field, "expected mean, median, mode, drop, none or {value: X} (got %s)", yamlread.Describe(e.Val))
	}
	m, err := yamlread.Mapping(field, e.Line, e.Val, []string{FillValue})
	if err != nil {
		return Fill{}, err
	}
	ve := m.Get(FillValue)
	if ve == nil {
		return Fill{}, p.errf(e.Line, m.Field(FillValue), "required: the constant that replaces nulls, e.g. {value: 0}")
	}
	if ve.Val.Kind != yaml.ScalarNode {
		return Fill{}, p.errf(yamlread.LineOf(ve.Val, ve.Line), m.Field(FillValue), "expected a number, string or bool (got %s)", yamlread.Describe(ve.Val))
	}
	var v any
	switch ve.Val.ShortTag() {
	case "!!int":
		var i int64
		if ve.Val.Decode(&i) != nil {
			return Fill{}, p.errf(yamlread.LineOf(ve.Val, ve.Line), m.Field(FillValue), "integer %s does not fit in 64 bits", ve.Val.Value)
		}
		v = i
	case "!!float":
		x, err := yamlread.Number(m.Field(FillValue), ve)
		if err != nil {
			return Fill{}, err
		}
		v = x
	case "!!bool":
		var b bool
		if ve.Val.Decode(&b) != nil {
			return Fill{}, p.errf(yamlread.LineOf(ve.Val, ve.Line), m.Field(FillValue), "expected true or false (got %s)", yamlread.Describe(ve.Val))
		}
		v = b
	default:
		v = ve.Val.Value
	}
	if transform != "" && numeric {
		switch v.(type) {
		case int64, float64:
		default:
			return Fill{}, p.errf(yamlread.LineOf(ve.Val, ve.Line), m.Field(FillValue), "%s needs a numeric fill value (got %s)", transform, yamlread.Describe(ve.Val))
		}
	}
	return Fill{Kind: FillValue, Value: v}, nil
}

// label reads `label:` — one column, `name: {fill: ...}`, `name: {}`,
// `name:` or just `label: name`.
func (p *parser) label(top *yamlread.MapNode) (*Label, error) {
	e := top.Get("label")
	if e == nil {
		return nil, nil
	}
	if e.Val.Kind == yaml.ScalarNode {
		n, err := yamlread.Name("label", e, "a column name or {column: {fill: ...}}")
		if err != nil {
			return nil, err
		}
		return &Label{Name: n, Fill: Fill{Kind: FillNone}, Line: yamlread.LineOf(e.Val, e.Line)}, nil
	}
	m, err := yamlread.Mapping("label", e.Line, e.Val, nil)
	if err != nil {
		return nil, err
	}
	if len(m.Entries) != 1 {
		return nil, p.errf(e.Line, "label", "expected exactly one label column (got %d)", len(m.Entries))
	}
	c := &m.Entries[0]
	if strings.TrimSpace(c.Key) == "" {
		return nil, p.errf(c.Line, "label", "the label column name must not be empty")
	}
	l := &Label{Name: c.Key, Fill: Fill{Kind: FillNone}, Line: c.Line}
	if yamlread.IsNull(c.Val) {
		return l, nil
	}
	lm, err := yamlread.Mapping(m.Field(c.Key), c.Line, c.Val, []string{"fill"})
	if err != nil {
		return nil, err
	}
	if fe := lm.Get("fill"); fe != nil {
		if l.Fill, err = p.fill(lm.Field("fill"), fe, ""); err != nil {
			return nil, err
		}
	}
	return l, nil
}
