package catalog

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/jobspec/yamlread"
)

// Check checks every column reference of the job against the catalog and
// the types each use allows.
func (c *Catalog) Check(job *jobspec.Job, filter *Expr) error {
	file := job.File
	if job.Filter != nil {
		for _, ref := range filter.Columns {
			if _, err := c.Need(ref, job.Filter.Line, "filter"); err != nil {
				return err
			}
		}
		if filter.Type == nil || filter.Type.ID() != arrow.BOOL {
			got := "nothing"
			if filter.Type != nil {
				got = typeName(filter.Type)
			}
			return jobspec.Errorf(file, job.Filter.Line, "filter", "the filter must be a bool expression (got %s)", got)
		}
	}
	outputs := map[string]string{}
	claim := func(name string, line int, field string) error {
		if prev, ok := outputs[name]; ok {
			return jobspec.Errorf(file, line, field, "%q is already an output column (as %s); each output column must be named once", name, prev)
		}
		outputs[name] = field
		return nil
	}
	for _, f := range job.Features {
		if err := validateFeature(file, c, f); err != nil {
			return err
		}
		if err := claim(f.Name, f.Line, "features."+f.Name); err != nil {
			return err
		}
	}
	if l := job.Label; l != nil {
		field := "label." + l.Name
		col, err := c.Need(l.Name, l.Line, field)
		if err != nil {
			return err
		}
		if !isValueNumeric(col.Type) {
			return jobspec.Errorf(file, l.Line, field, "the label must be numeric: int64, float64 or bool (got %s)", typeName(col.Type))
		}
		if err := validateFill(file, l.Line, field, col, l.Fill); err != nil {
			return err
		}
		if err := claim(l.Name, l.Line, field); err != nil {
			return err
		}
	}
	for _, k := range job.Keep {
		if _, err := c.Need(k.Name, k.Line, "keep"); err != nil {
			return err
		}
		if err := claim(k.Name, k.Line, "keep"); err != nil {
			return err
		}
	}
	for _, b := range job.Split.By {
		if _, err := c.Need(b, job.Split.Line, "split.by"); err != nil {
			return err
		}
	}
	if job.Split.Key != "" {
		if _, err := c.Need(job.Split.Key, job.Split.Line, "split.key"); err != nil {
			return err
		}
	}
	for _, a := range job.Aggregates {
		if err := validateAggregate(file, c, a); err != nil {
			return err
		}
	}
	if err := validateSlices(c, job); err != nil {
		return err
	}
	return validateExpect(file, c, job.Expect)
}

var numericTransforms = []string{jobspec.TIdentity, jobspec.TZScore, jobspec.TMinMax, jobspec.TLog1p, jobspec.TClip, jobspec.TBucketize}

func validateFeature(file string, c *Catalog, f jobspec.Feature) error {
	field := "features." + f.Name
	col, err := c.Need(f.Name, f.Line, field)
	if err != nil {
		return err
	}
	switch {
	case slices.Contains(numericTransforms, f.Transform):
		if !isTransformNumeric(col.Type) {
			return jobspec.Errorf(file, f.Line, field, "%s needs a numeric column: int64, float64, timestamp or bool (got %s); use vocab, onehot or hash for it", f.Transform, typeName(col.Type))
		}
	case f.Transform == jobspec.TVocab || f.Transform == jobspec.TOneHot || f.Transform == jobspec.THash:
	default:
		return jobspec.Errorf(file, f.Line, field, "unknown transform %q; allowed: %s", f.Transform, strings.Join(jobspec.Transforms, ", "))
	}
	return validateFill(file, f.Line, field, col, f.Fill)
}

func validateFill(file string, line int, field string, col Column, fill jobspec.Fill) error {
	switch fill.Kind {
	case "", jobspec.FillNone, jobspec.FillDrop, jobspec.FillMode:
		return nil
	case jobspec.FillMean, jobspec.FillMedian:
		if !isTransformNumeric(col.Type) {
			return jobspec.Errorf(file, line, field, "fill %s needs a numeric column (got %s); use mode or {value: X}", fill.Kind, typeName(col.Type))
		}
		return nil
	case jobspec.FillValue:
		return validateFillValue(file, line, field, col, fill.Value)
	}
	return jobspec.Errorf(file, line, field, "unknown fill %q; allowed: mean, median, mode, {value: X}, drop, none", fill.Kind)
}

func validateFillValue(file string, line int, field string, col Column, v any) error {
	var kind string
	switch v.(type) {
	case int, int64, float64:
		kind = "number"
	case bool:
		kind = "bool"
	case string:
		kind = "string"
	default:
		return jobspec.Errorf(file, line, field, "fill value %v has type %T; allowed: a number, a bool or a string", v, v)
	}
	t := col.Type
	ok := false
	switch kind {
	case "number":
		ok = t.ID() == arrow.INT64 || t.ID() == arrow.FLOAT64 || t.ID() == arrow.TIMESTAMP
		if iv, isFloat := v.(float64); ok && isFloat && t.ID() != arrow.FLOAT64 && iv != float64(int64(iv)) {
			return jobspec.Errorf(file, line, field, "fill value %v is not a whole number, and %q is %s", v, col.Name, typeName(t))
		}
	case "bool":
		ok = t.ID() == arrow.BOOL
	case "string":
		ok = isString(t)
	}
	if !ok {
		return jobspec.Errorf(file, line, field, "fill value %v is a %s, but %q is %s", v, kind, col.Name, typeName(t))
	}
	return nil
}

func validateAggregate(file string, c *Catalog, a jobspec.Aggregate) error {
	base := "aggregates." + a.Name
	for _, b := range a.By {
		if _, err := c.Need(b, a.Line, base+".by"); err != nil {
			return err
		}
	}
	for _, e := range a.Compute {
		field := base + ".compute." + e.Name
		if e.Column == "" {
			if e.Func != jobspec.AggCount {
				return jobspec.Errorf(file, e.Line, field, "%s needs a column, e.g. %s(x)", e.Func, e.Func)
			}
			continue
		}
		col, err := c.Need(e.Column, e.Line, field)
		if err != nil {
			return err
		}
		switch e.Func {
		case jobspec.AggCount, jobspec.AggCountDistinct:
		case jobspec.AggSum, jobspec.AggMean, jobspec.AggStd, jobspec.AggVar:
			if !isValueNumeric(col.Type) {
				return jobspec.Errorf(file, e.Line, field, "%s needs a numeric column: int64, float64 or bool (got %s)", e.Func, typeName(col.Type))
			}
		case jobspec.AggMin, jobspec.AggMax:
			if !isTransformNumeric(col.Type) {
				return jobspec.Errorf(file, e.Line, field, "%s needs a numeric or timestamp column (got %s)", e.Func, typeName(col.Type))
			}
		default:
			return jobspec.Errorf(file, e.Line, field, "unknown aggregate %q; allowed: %s", e.Func, strings.Join(jobspec.AggFuncs, ", "))
		}
	}
	return nil
}

// validateSlices checks the slice columns: known columns of a type with
// few exact values (string, int64 or bool; a float column has no values
// to group by).
func validateSlices(c *Catalog, job *jobspec.Job) error {
	for i, s := range job.Slices.Columns {
		field := fmt.Sprintf("slices[%d]", i)
		col, err := c.Need(s.Name, s.Line, field)
		if err != nil {
			return err
		}
		switch {
		case isString(col.Type), col.Type.ID() == arrow.INT64, col.Type.ID() == arrow.BOOL:
		case col.Type.ID() == arrow.FLOAT64:
			return jobspec.Errorf(job.File, s.Line, field, "%q is a float64 column: slices group rows by exact values, so a slice column must be string, int64 or bool (bucket it in columns:, e.g. age_band: floor(age / 10))", s.Name)
		default:
			return jobspec.Errorf(job.File, s.Line, field, "%q is a %s column; a slice column must be string, int64 or bool", s.Name, typeName(col.Type))
		}
	}
	return nil
}

// validateExpect checks that each rule's column exists and that the rule
// applies to its type.
func validateExpect(file string, c *Catalog, x *jobspec.Expect) error {
	if x == nil {
		return nil
	}
	for _, r := range x.Rules {
		if r.Column == "" {
			continue
		}
		field := r.Field()
		col, err := c.Need(r.Column, r.Line, field)
		if err != nil {
			return err
		}
		t := col.Type
		switch r.Kind {
		case jobspec.RuleBetween:
			if t.ID() != arrow.INT64 && t.ID() != arrow.FLOAT64 {
				return jobspec.Errorf(file, r.Line, field, "between needs a numeric column: int64 or float64 (got %s %s); use in for strings and bools", r.Column, typeName(t))
			}
		case jobspec.RuleIn:
			if err := validateIn(file, r, t); err != nil {
				return err
			}
		case jobspec.RuleUnique:
			switch t.ID() {
			case arrow.INT64, arrow.FLOAT64, arrow.BOOL, arrow.TIMESTAMP:
			default:
				if !isString(t) {
					return jobspec.Errorf(file, r.Line, field, "unique needs an int64, float64, bool, timestamp or string column (got %s)", typeName(t))
				}
			}
		}
	}
	return nil
}

// validateIn checks an in list's values against the column type: strings
// for a string column, whole numbers for int64, numbers for float64, bools
// for bool.
func validateIn(file string, r jobspec.ExpectRule, t arrow.DataType) error {
	field := r.Field()
	want := ""
	switch {
	case isString(t):
		want = "string"
	case t.ID() == arrow.INT64, t.ID() == arrow.FLOAT64:
		want = "number"
	case t.ID() == arrow.BOOL:
		want = "bool"
	default:
		return jobspec.Errorf(file, r.Line, field, "in needs a string, int64, float64 or bool column (got %s %s)", r.Column, typeName(t))
	}
	for i, v := range r.In {
		if k := jobspec.ExpectValueKind(v); k != want {
			return jobspec.Errorf(file, r.Line, fmt.Sprintf("%s[%d]", field, i), "%q is %s, so in takes %s values (got the %s %v)", r.Column, typeName(t), want, k, v)
		}
		if f, ok := v.(float64); ok && t.ID() == arrow.INT64 && f != float64(int64(f)) {
			return jobspec.Errorf(file, r.Line, fmt.Sprintf("%s[%d]", field, i), "%q is int64, so in takes whole numbers (got %v)", r.Column, v)
		}
	}
	return nil
}

// didYouMean returns ` (did you mean "x"?)` for the closest name within a
// small edit distance (or a shared prefix/suffix), or "".
func didYouMean(name string, names []string) string {
	best, bestD := "", len(name)/2+2
	for _, n := range names {
		d := yamlread.EditDistance(strings.ToLower(name), strings.ToLower(n))
		if strings.Contains(n, name) || strings.Contains(name, n) {
			d = min(d, 2)
		}
		if d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
