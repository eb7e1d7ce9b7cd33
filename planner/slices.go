package planner

import (
	"github.com/sluice-ml/sluice/jobspec"
)

// sliceColumns are the slice columns' names.
func sliceColumns(job *jobspec.Job) []string {
	var out []string
	for _, s := range job.Slices.Columns {
		out = append(out, s.Name)
	}
	return out
}
