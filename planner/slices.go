package planner

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/jobspec"
)

// validateSlices checks the slice columns: known columns of a type with
// few exact values (string, int64 or bool; a float column has no values
// to group by).
func validateSlices(c *catalog, job *jobspec.Job) error {
	for i, s := range job.Slices.Columns {
		field := fmt.Sprintf("slices[%d]", i)
		col, err := c.need(s.Name, s.Line, field)
		if err != nil {
			return err
		}
		switch {
		case isString(col.Type), col.Type.ID() == arrow.INT64, col.Type.ID() == arrow.BOOL:
		case col.Type.ID() == arrow.FLOAT64:
			return errorf(job.File, s.Line, field, "%q is a float64 column: slices group rows by exact values, so a slice column must be string, int64 or bool (bucket it in columns:, e.g. age_band: floor(age / 10))", s.Name)
		default:
			return errorf(job.File, s.Line, field, "%q is a %s column; a slice column must be string, int64 or bool", s.Name, typeName(col.Type))
		}
	}
	return nil
}

// sliceColumns are the slice columns' names.
func sliceColumns(job *jobspec.Job) []string {
	var out []string
	for _, s := range job.Slices.Columns {
		out = append(out, s.Name)
	}
	return out
}
