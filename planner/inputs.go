package planner

import (
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/jobspec"
)

// ExprInfo is what the expression package knows about one parsed
// expression (the filter or a derived column).
type ExprInfo struct {
	Canonical string         // the expression printed back, fully parenthesised
	Columns   []string       // columns it reads, each once
	Type      arrow.DataType // its result type
	Conjuncts []Conjunct     // the top-level AND terms (one term when there is no AND)
}

// Conjunct is one top-level AND term of a filter.
type Conjunct struct {
	Canonical string
	Columns   []string
	Range     *Range // non-nil when the term is `column op numeric-literal`
}

// Range is a one-column interval usable for Parquet row-group pruning.
// Lo is -Inf or Hi is +Inf for a one-sided term.
type Range struct {
	Column         string
	Lo, Hi         float64
	LoIncl, HiIncl bool
}

// String prints the range as an interval, e.g. `tripduration in [60, 86400)`.
func (r Range) String() string {
	lo, hi := "(", ")"
	if r.LoIncl {
		lo = "["
	}
	if r.HiIncl {
		hi = "]"
	}
	return r.Column + " in " + lo + fmtFloat(r.Lo) + ", " + fmtFloat(r.Hi) + hi
}

func fmtFloat(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Inputs is everything Build needs.
type Inputs struct {
	Job         *jobspec.Job
	Schema      *arrow.Schema // the input's canonical schema
	InputFormat string        // parquet | csv | arrow | generate
	InputFiles  int           // number of input files (0 = unknown)
	InputTasks  int           // number of scan tasks (<= 0: known only at run time)
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
