package task

import (
	"github.com/sluice-ml/sluice/exec/cpu"
)

// Fitted holds every Fitted transform of the job.
type Fitted struct {
	Features    []*cpu.Fitted `json:"features"`   // per job feature
	LabelFill   *cpu.Value    `json:"label_fill"` // nil: label nulls stay null
	OutputNames [][]string    `json:"outputs"`    // per feature, its output column names
}
