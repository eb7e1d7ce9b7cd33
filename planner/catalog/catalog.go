package catalog

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/jobspec"
)

// Column is one column the job can name: an input column or a derived one.
type Column struct {
	Name    string
	Type    arrow.DataType
	Derived bool
}

// Catalog holds the columns the job can name, input columns first (schema
// order), then derived columns (file order).
type Catalog struct {
	file  string
	cols  map[string]Column
	names []string
}

// Lookup returns the named column.
func (c *Catalog) Lookup(name string) (Column, bool) {
	col, ok := c.cols[name]
	return col, ok
}

// Need returns the column or an error naming the field and the columns
// that exist.
func (c *Catalog) Need(name string, line int, field string) (Column, error) {
	if col, ok := c.cols[name]; ok {
		return col, nil
	}
	return Column{}, c.missing(name, c.names, line, field)
}

// Names are the columns the job can name, input columns first (schema
// order), then derived columns (file order).
func (c *Catalog) Names() []string { return c.names }

// HiddenType is the type of a hidden column, ok false for other names.
func HiddenType(name string) (arrow.DataType, bool) {
	t, ok := hiddenTypes[name]
	return t, ok
}

func (c *Catalog) missing(name string, names []string, line int, field string) error {
	return jobspec.Errorf(c.file, line, field, "no column %q%s; columns are: %s",
		name, didYouMean(name, names), strings.Join(names, ", "))
}

// Expr is what the catalog needs of a parsed expression (the filter or a
// derived column): the columns it reads and its result type.
type Expr struct {
	Columns []string
	Type    arrow.DataType
}

// New checks the job's derived columns (derived[i] is Job.Columns[i]) and
// returns the columns the job can name: schema's, then the derived ones.
func New(job *jobspec.Job, schema *arrow.Schema, derived []Expr) (*Catalog, error) {
	c := &Catalog{file: job.File, cols: map[string]Column{}}
	for _, f := range schema.Fields() {
		if _, hidden := hiddenTypes[f.Name]; hidden {
			return nil, jobspec.Errorf(job.File, job.Input.Line, "input", "the input has a column named %q, which sluice reserves", f.Name)
		}
		c.cols[f.Name] = Column{Name: f.Name, Type: f.Type}
		c.names = append(c.names, f.Name)
	}
	for i, d := range job.Columns {
		field := "columns." + d.Name
		if _, dup := c.cols[d.Name]; dup {
			return nil, jobspec.Errorf(job.File, d.Line, field, "column %q already exists in the input; choose another name", d.Name)
		}
		if _, hidden := hiddenTypes[d.Name]; hidden {
			return nil, jobspec.Errorf(job.File, d.Line, field, "the name %q is reserved", d.Name)
		}
		info := derived[i]
		for _, ref := range info.Columns {
			if _, ok := c.cols[ref]; !ok {
				return nil, jobspec.Errorf(job.File, d.Line, field, "no column %q%s; a derived column can use input columns and derived columns defined above it: %s",
					ref, didYouMean(ref, c.names), strings.Join(c.names, ", "))
			}
		}
		if info.Type == nil {
			return nil, fmt.Errorf("planner: derived column %q has no type", d.Name)
		}
		c.cols[d.Name] = Column{Name: d.Name, Type: info.Type, Derived: true}
		c.names = append(c.names, d.Name)
	}
	return c, nil
}

// Hidden columns computed by RowKey and kept in the cache.
const (
	ColRowHash   = "__h"     // uint64: split-order hash, hashing.Seeded(split.seed, key)
	ColShardHash = "__h2"    // uint64: shard-order hash, hashing.Seeded(split.seed^ShardTag, key)
	ColRowID     = "__rowid" // int64: (input file index << 40) | row number in that file; the final tie-break
	ColKey       = "__key"   // int64 (uint64 bits): hash of the row key; the scan caches it for a split.key column (a (file, row) key is recomputed from __rowid) and later passes derive __h and __h2 from it
)

var hiddenTypes = map[string]arrow.DataType{
	ColRowHash:   arrow.PrimitiveTypes.Uint64,
	ColShardHash: arrow.PrimitiveTypes.Uint64,
	ColRowID:     arrow.PrimitiveTypes.Int64,
	ColKey:       arrow.PrimitiveTypes.Int64,
}

// typeName is the user-facing name of a canonical column type.
func typeName(t arrow.DataType) string {
	switch t.ID() {
	case arrow.INT64:
		return "int64"
	case arrow.FLOAT64:
		return "float64"
	case arrow.BOOL:
		return "bool"
	case arrow.TIMESTAMP:
		return "timestamp"
	case arrow.STRING, arrow.LARGE_STRING:
		return "string"
	case arrow.DICTIONARY:
		if d, ok := t.(*arrow.DictionaryType); ok {
			return typeName(d.ValueType)
		}
	}
	return t.String()
}

// isTransformNumeric: the types numeric transforms accept
// (int64, float64, timestamp, bool).
func isTransformNumeric(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT64, arrow.FLOAT64, arrow.TIMESTAMP, arrow.BOOL:
		return true
	}
	return false
}

// isValueNumeric: the types that are numbers proper (int64, float64, bool):
// labels and sum/mean/std/var.
func isValueNumeric(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT64, arrow.FLOAT64, arrow.BOOL:
		return true
	}
	return false
}

// isString reports a string column (dictionary or plain).
func isString(t arrow.DataType) bool {
	return typeName(t) == "string"
}
