package planner

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/jobspec"
)

// column is one column the job can name: an input column or a derived one.
type column struct {
	Name    string
	Type    arrow.DataType
	Derived bool
}

// catalog holds the columns the job can name, input columns first (schema
// order), then derived columns (file order).
type catalog struct {
	file  string
	cols  map[string]column
	names []string
}

func (c *catalog) lookup(name string) (column, bool) {
	col, ok := c.cols[name]
	return col, ok
}

// need returns the column or an error naming the field and the columns
// that exist.
func (c *catalog) need(name string, line int, field string) (column, error) {
	if col, ok := c.cols[name]; ok {
		return col, nil
	}
	return column{}, c.missing(name, c.names, line, field)
}

func (c *catalog) missing(name string, names []string, line int, field string) error {
	return errorf(c.file, line, field, "no column %q%s; columns are: %s",
		name, didYouMean(name, names), strings.Join(names, ", "))
}

// newCatalog checks the inputs that are the caller's responsibility and the
// derived columns, and returns the columns the job can name.
func newCatalog(in Inputs) (*catalog, error) {
	if in.Job == nil {
		return nil, errors.New("planner: Inputs.Job is nil")
	}
	if in.Schema == nil {
		return nil, errors.New("planner: Inputs.Schema is nil")
	}
	job := in.Job
	if len(in.Derived) != len(job.Columns) {
		return nil, fmt.Errorf("planner: %d derived expressions given for %d derived columns", len(in.Derived), len(job.Columns))
	}
	if (in.Filter == nil) != (job.Filter == nil) {
		return nil, errors.New("planner: Inputs.Filter must be set exactly when the job has a filter")
	}
	c := &catalog{file: job.File, cols: map[string]column{}}
	for _, f := range in.Schema.Fields() {
		if _, hidden := hiddenTypes[f.Name]; hidden {
			return nil, errorf(job.File, job.Input.Line, "input", "the input has a column named %q, which sluice reserves", f.Name)
		}
		c.cols[f.Name] = column{Name: f.Name, Type: f.Type}
		c.names = append(c.names, f.Name)
	}
	for i, d := range job.Columns {
		field := "columns." + d.Name
		if _, dup := c.cols[d.Name]; dup {
			return nil, errorf(job.File, d.Line, field, "column %q already exists in the input; choose another name", d.Name)
		}
		if _, hidden := hiddenTypes[d.Name]; hidden {
			return nil, errorf(job.File, d.Line, field, "the name %q is reserved", d.Name)
		}
		info := in.Derived[i]
		for _, ref := range info.Columns {
			if _, ok := c.cols[ref]; !ok {
				return nil, errorf(job.File, d.Line, field, "no column %q%s; a derived column can use input columns and derived columns defined above it: %s",
					ref, didYouMean(ref, c.names), strings.Join(c.names, ", "))
			}
		}
		if info.Type == nil {
			return nil, fmt.Errorf("planner: derived column %q has no type", d.Name)
		}
		c.cols[d.Name] = column{Name: d.Name, Type: info.Type, Derived: true}
		c.names = append(c.names, d.Name)
	}
	return c, nil
}

// validate checks every column reference of the job against the catalog and
// the types each use allows.
func validate(in Inputs, c *catalog) error {
	job := in.Job
	file := job.File
	if job.Filter != nil {
		for _, ref := range in.Filter.Columns {
			if _, err := c.need(ref, job.Filter.Line, "filter"); err != nil {
				return err
			}
		}
		if in.Filter.Type == nil || in.Filter.Type.ID() != arrow.BOOL {
			got := "nothing"
			if in.Filter.Type != nil {
				got = typeName(in.Filter.Type)
			}
			return errorf(file, job.Filter.Line, "filter", "the filter must be a bool expression (got %s)", got)
		}
	}
	outputs := map[string]string{}
	claim := func(name string, line int, field string) error {
		if prev, ok := outputs[name]; ok {
			return errorf(file, line, field, "%q is already an output column (as %s); each output column must be named once", name, prev)
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
		col, err := c.need(l.Name, l.Line, field)
		if err != nil {
			return err
		}
		if !isValueNumeric(col.Type) {
			return errorf(file, l.Line, field, "the label must be numeric: int64, float64 or bool (got %s)", typeName(col.Type))
		}
		if err := validateFill(file, l.Line, field, col, l.Fill); err != nil {
			return err
		}
		if err := claim(l.Name, l.Line, field); err != nil {
			return err
		}
	}
	for _, k := range job.Keep {
		if _, err := c.need(k.Name, k.Line, "keep"); err != nil {
			return err
		}
		if err := claim(k.Name, k.Line, "keep"); err != nil {
			return err
		}
	}
	for _, b := range job.Split.By {
		if _, err := c.need(b, job.Split.Line, "split.by"); err != nil {
			return err
		}
	}
	if job.Split.Key != "" {
		if _, err := c.need(job.Split.Key, job.Split.Line, "split.key"); err != nil {
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

func validateFeature(file string, c *catalog, f jobspec.Feature) error {
	field := "features." + f.Name
	col, err := c.need(f.Name, f.Line, field)
	if err != nil {
		return err
	}
	switch {
	case slices.Contains(numericTransforms, f.Transform):
		if !isTransformNumeric(col.Type) {
			return errorf(file, f.Line, field, "%s needs a numeric column: int64, float64, timestamp or bool (got %s); use vocab, onehot or hash for it", f.Transform, typeName(col.Type))
		}
	case f.Transform == jobspec.TVocab || f.Transform == jobspec.TOneHot || f.Transform == jobspec.THash:
	default:
		return errorf(file, f.Line, field, "unknown transform %q; allowed: %s", f.Transform, strings.Join(jobspec.Transforms, ", "))
	}
	return validateFill(file, f.Line, field, col, f.Fill)
}

func validateFill(file string, line int, field string, col column, fill jobspec.Fill) error {
	switch fill.Kind {
	case "", jobspec.FillNone, jobspec.FillDrop, jobspec.FillMode:
		return nil
	case jobspec.FillMean, jobspec.FillMedian:
		if !isTransformNumeric(col.Type) {
			return errorf(file, line, field, "fill %s needs a numeric column (got %s); use mode or {value: X}", fill.Kind, typeName(col.Type))
		}
		return nil
	case jobspec.FillValue:
		return validateFillValue(file, line, field, col, fill.Value)
	}
	return errorf(file, line, field, "unknown fill %q; allowed: mean, median, mode, {value: X}, drop, none", fill.Kind)
}

func validateFillValue(file string, line int, field string, col column, v any) error {
	var kind string
	switch v.(type) {
	case int, int64, float64:
		kind = "number"
	case bool:
		kind = "bool"
	case string:
		kind = "string"
	default:
		return errorf(file, line, field, "fill value %v has type %T; allowed: a number, a bool or a string", v, v)
	}
	t := col.Type
	ok := false
	switch kind {
	case "number":
		ok = t.ID() == arrow.INT64 || t.ID() == arrow.FLOAT64 || t.ID() == arrow.TIMESTAMP
		if iv, isFloat := v.(float64); ok && isFloat && t.ID() != arrow.FLOAT64 && iv != float64(int64(iv)) {
			return errorf(file, line, field, "fill value %v is not a whole number, and %q is %s", v, col.Name, typeName(t))
		}
	case "bool":
		ok = t.ID() == arrow.BOOL
	case "string":
		ok = isString(t)
	}
	if !ok {
		return errorf(file, line, field, "fill value %v is a %s, but %q is %s", v, kind, col.Name, typeName(t))
	}
	return nil
}

func validateAggregate(file string, c *catalog, a jobspec.Aggregate) error {
	base := "aggregates." + a.Name
	for _, b := range a.By {
		if _, err := c.need(b, a.Line, base+".by"); err != nil {
			return err
		}
	}
	for _, e := range a.Compute {
		field := base + ".compute." + e.Name
		if e.Column == "" {
			if e.Func != jobspec.AggCount {
				return errorf(file, e.Line, field, "%s needs a column, e.g. %s(x)", e.Func, e.Func)
			}
			continue
		}
		col, err := c.need(e.Column, e.Line, field)
		if err != nil {
			return err
		}
		switch e.Func {
		case jobspec.AggCount, jobspec.AggCountDistinct:
		case jobspec.AggSum, jobspec.AggMean, jobspec.AggStd, jobspec.AggVar:
			if !isValueNumeric(col.Type) {
				return errorf(file, e.Line, field, "%s needs a numeric column: int64, float64 or bool (got %s)", e.Func, typeName(col.Type))
			}
		case jobspec.AggMin, jobspec.AggMax:
			if !isTransformNumeric(col.Type) {
				return errorf(file, e.Line, field, "%s needs a numeric or timestamp column (got %s)", e.Func, typeName(col.Type))
			}
		default:
			return errorf(file, e.Line, field, "unknown aggregate %q; allowed: %s", e.Func, strings.Join(jobspec.AggFuncs, ", "))
		}
	}
	return nil
}
