package jobspec

import (
	"math"
	"strconv"

	"github.com/sluice-ml/sluice/jobspec/yamlread"
)

// splitNameOK reports whether s is a split name: [a-z0-9_-]+.
func splitNameOK(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// split reads `split:`; without one the job has a single split, train.
func (p *parser) split(top *yamlread.MapNode) (Split, error) {
	e := top.Get("split")
	if e == nil {
		return Split{Ratios: []Ratio{{Name: "train", Value: 1}}}, nil
	}
	m, err := yamlread.Mapping("split", e.Line, e.Val, []string{"by", "key", "ratios", "seed"})
	if err != nil {
		return Split{}, err
	}
	s := Split{Line: e.Line}
	if be := m.Get("by"); be != nil {
		by, err := p.names("split.by", be)
		if err != nil {
			return Split{}, err
		}
		for _, b := range by {
			s.By = append(s.By, b.Name)
		}
	}
	if ke := m.Get("key"); ke != nil {
		if s.Key, err = yamlread.Name("split.key", ke, "a column name"); err != nil {
			return Split{}, err
		}
	}
	if se := m.Get("seed"); se != nil {
		if s.Seed, err = yamlread.UintVal("split.seed", se); err != nil {
			return Split{}, err
		}
	}
	re := m.Get("ratios")
	if re == nil {
		return Split{}, p.errf(e.Line, "split.ratios", "required: split names and shares, e.g. {train: 0.9, eval: 0.1}")
	}
	rm, err := yamlread.Mapping("split.ratios", re.Line, re.Val, nil)
	if err != nil {
		return Split{}, err
	}
	if len(rm.Entries) == 0 {
		return Split{}, p.errf(re.Line, "split.ratios", "needs at least one split, e.g. {train: 0.9, eval: 0.1}")
	}
	sum := 0.0
	for i := range rm.Entries {
		r := &rm.Entries[i]
		if !splitNameOK(r.Key) {
			return Split{}, p.errf(r.Line, rm.Field(r.Key), "split names may use only a-z, 0-9, _ and - (got %q)", r.Key)
		}
		if r.Key == "aggregates" {
			return Split{}, p.errf(r.Line, rm.Field(r.Key), "the name aggregates is taken by the output's aggregates/ folder; choose another split name")
		}
		v, err := yamlread.Number(rm.Field(r.Key), r)
		if err != nil {
			return Split{}, err
		}
		if v <= 0 || v > 1 {
			return Split{}, p.errf(yamlread.LineOf(r.Val, r.Line), rm.Field(r.Key), "a ratio must be > 0 and <= 1 (got %s)", r.Val.Value)
		}
		sum += v
		s.Ratios = append(s.Ratios, Ratio{Name: r.Key, Value: v})
	}
	if math.Abs(sum-1) > 1e-9 {
		return Split{}, p.errf(re.Line, "split.ratios", "ratios must sum to 1 (got %s)", strconv.FormatFloat(sum, 'g', 12, 64))
	}
	return s, nil
}
