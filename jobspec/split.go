package jobspec

import (
	"math"
	"strconv"
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
func (p *parser) split(top *mapNode) (Split, error) {
	e := top.get("split")
	if e == nil {
		return Split{Ratios: []Ratio{{Name: "train", Value: 1}}}, nil
	}
	m, err := p.mapping("split", e.line, e.val, []string{"by", "key", "ratios", "seed"})
	if err != nil {
		return Split{}, err
	}
	s := Split{Line: e.line}
	if be := m.get("by"); be != nil {
		by, err := p.names("split.by", be)
		if err != nil {
			return Split{}, err
		}
		for _, b := range by {
			s.By = append(s.By, b.Name)
		}
	}
	if ke := m.get("key"); ke != nil {
		if s.Key, err = p.name("split.key", ke, "a column name"); err != nil {
			return Split{}, err
		}
	}
	if se := m.get("seed"); se != nil {
		if s.Seed, err = p.uintVal("split.seed", se); err != nil {
			return Split{}, err
		}
	}
	re := m.get("ratios")
	if re == nil {
		return Split{}, p.errf(e.line, "split.ratios", "required: split names and shares, e.g. {train: 0.9, eval: 0.1}")
	}
	rm, err := p.mapping("split.ratios", re.line, re.val, nil)
	if err != nil {
		return Split{}, err
	}
	if len(rm.entries) == 0 {
		return Split{}, p.errf(re.line, "split.ratios", "needs at least one split, e.g. {train: 0.9, eval: 0.1}")
	}
	sum := 0.0
	for i := range rm.entries {
		r := &rm.entries[i]
		if !splitNameOK(r.key) {
			return Split{}, p.errf(r.line, rm.field(r.key), "split names may use only a-z, 0-9, _ and - (got %q)", r.key)
		}
		if r.key == "aggregates" {
			return Split{}, p.errf(r.line, rm.field(r.key), "the name aggregates is taken by the output's aggregates/ folder; choose another split name")
		}
		v, err := p.number(rm.field(r.key), r)
		if err != nil {
			return Split{}, err
		}
		if v <= 0 || v > 1 {
			return Split{}, p.errf(lineOf(r.val, r.line), rm.field(r.key), "a ratio must be > 0 and <= 1 (got %s)", r.val.Value)
		}
		sum += v
		s.Ratios = append(s.Ratios, Ratio{Name: r.key, Value: v})
	}
	if math.Abs(sum-1) > 1e-9 {
		return Split{}, p.errf(re.line, "split.ratios", "ratios must sum to 1 (got %s)", strconv.FormatFloat(sum, 'g', 12, 64))
	}
	return s, nil
}
