package planner

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner/logical"
)

// ExprInfo is what the expression package knows about one parsed
// expression (the filter or a derived column).
type ExprInfo struct {
	Canonical string             // the expression printed back, fully parenthesised
	Columns   []string           // columns it reads, each once
	Type      arrow.DataType     // its result type
	Conjuncts []logical.Conjunct // the top-level AND terms (one term when there is no AND)
}

// Inputs is everything Build needs.
type Inputs struct {
	Job         *jobspec.Job
	Schema      *arrow.Schema // the input's canonical schema
	InputFormat string        // parquet | csv | arrow | generate
	InputFiles  int           // number of input files (0 = unknown)
	InputTasks  int           // number of scan tasks (<= 0: known only at run time)
	InputRows   int64         // rows in the input (0 = unknown; an estimate may do)
	Filter      *ExprInfo     // nil when the job has no filter
	Derived     []ExprInfo    // same order as Job.Columns
	Engines     []exec.Engine // preference order; the first one that supports an operator runs it
	Fallback    string        // allow | warn | error; "" = Job.Engine.Fallback, then allow
}

// Fallback policies.
const (
	FallbackAllow = "allow"
	FallbackWarn  = "warn"
	FallbackError = "error"
)
