package bind

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu/groupby"
	"github.com/sluice-ml/sluice/exec/placement"
	"github.com/sluice-ml/sluice/expr"
	"github.com/sluice-ml/sluice/input"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/planner/logical"
)

// Prepared is a job with its input opened, expressions bound and plan built.
type Prepared struct {
	Job     *jobspec.Job
	DS      *input.Dataset
	Plan    *planner.Plan
	Filter  *expr.Bound
	Derived []*expr.Bound
	// schema after derived columns (input columns then derived)
	FullSchema *arrow.Schema
	// stage kinds a mixed cluster runs on its GPU executors
	GPUStages map[string]bool
	// the parsed filter, for the GPU engine's compiler
	FilterExpr expr.Expr
	// "stage-kind/Operator" keys a node with a GPU places on it
	GPUOps map[string]bool
}

// exprErr turns an expression error into a job-file error at the right column.
func exprErr(job *jobspec.Job, field string, e jobspec.Expr, err error) error {
	var xe *expr.Error
	if errors.As(err, &xe) {
		// A literal block (|) keeps its line breaks: point at the line of
		// the error, whose text starts at the block's column.
		pos := min(max(xe.Pos, 0), len(e.Src))
		line, col := e.Line, e.Col+pos
		if nl := strings.LastIndexByte(e.Src[:pos], '\n'); nl >= 0 {
			line += strings.Count(e.Src[:pos], "\n")
			col = e.Col + pos - nl - 1
		}
		return jobspec.Errorf(job.File, line, field, "%s (in %q at column %d)", xe.Msg, e.Src, col)
	}
	return jobspec.Errorf(job.File, e.Line, field, "%v", err)
}

func exprInfo(e expr.Expr, t arrow.DataType) *planner.ExprInfo {
	info := &planner.ExprInfo{Canonical: e.String(), Columns: expr.Columns(e), Type: t}
	for _, c := range expr.Conjuncts(e) {
		cj := logical.Conjunct{Canonical: c.String(), Columns: expr.Columns(c)}
		if col, lo, hi, loIn, hiIn, ok := expr.RangeOf(c); ok {
			cj.Range = &logical.Range{Column: col, Lo: lo, Hi: hi, LoIncl: loIn, HiIncl: hiIn}
		}
		info.Conjuncts = append(info.Conjuncts, cj)
	}
	return info
}

// unknownRowBytes is the input bytes counted as a row where a file's rows
// are known only once read (CSV, Arrow IPC): few rows are smaller.
const unknownRowBytes = 64

// inputRows is the number of rows in the input: the scan tasks' where
// known (Parquet footers, the generator), else the files' sizes over
// unknownRowBytes.
func inputRows(ds *input.Dataset) int64 {
	var n int64
	counted := make([]bool, len(ds.Files))
	for _, t := range ds.Tasks {
		switch {
		case t.Rows >= 0:
			n += t.Rows
		case t.GenHi > t.GenLo:
			n += t.GenHi - t.GenLo
		case t.FileIndex >= 0 && t.FileIndex < len(ds.Files) && !counted[t.FileIndex]:
			counted[t.FileIndex] = true
			n += ds.Files[t.FileIndex].Size / unknownRowBytes
		}
	}
	return n
}

// Prepare opens the input and plans the job. Errors in the job (unknown
// columns, wrong types) are *jobspec.Error.
func Prepare(job *jobspec.Job, engines []exec.Engine) (*Prepared, error) {
	ds, err := input.Open(job.Input)
	if err != nil {
		// A path that names nothing is a mistake in the job (exit 2); a file
		// that cannot be read is a failure of the data (exit 1).
		if msg, ok := strings.CutPrefix(err.Error(), "input.path: "); ok {
			return nil, jobspec.Errorf(job.File, job.Input.Line, "input.path", "%s", msg)
		}
		return nil, &InputError{Err: err}
	}
	p := &Prepared{Job: job, DS: ds}
	in := planner.Inputs{
		Job: job, Schema: ds.Schema, InputFormat: ds.Format,
		InputFiles: len(ds.Files), InputTasks: len(ds.Tasks), InputRows: inputRows(ds),
		Engines: engines, Fallback: job.Engine.Fallback,
	}
	fields := append([]arrow.Field(nil), ds.Schema.Fields()...)
	for _, dc := range job.Columns {
		if ds.Schema.HasField(dc.Name) {
			return nil, jobspec.Errorf(job.File, dc.Line, "columns."+dc.Name, "a derived column may not replace the input column %q", dc.Name)
		}
		e, err := expr.Parse(dc.Expr.Src)
		if err != nil {
			return nil, exprErr(job, "columns."+dc.Name, dc.Expr, err)
		}
		// Derived columns may use input columns and earlier derived columns.
		b, err := expr.Bind(e, arrow.NewSchema(fields, nil))
		if err != nil {
			return nil, exprErr(job, "columns."+dc.Name, dc.Expr, err)
		}
		p.Derived = append(p.Derived, b)
		in.Derived = append(in.Derived, *exprInfo(e, b.Type()))
		fields = append(fields, arrow.Field{Name: dc.Name, Type: b.Type(), Nullable: true})
	}
	p.FullSchema = arrow.NewSchema(fields, nil)
	if job.Filter != nil {
		e, err := expr.Parse(job.Filter.Src)
		if err != nil {
			return nil, exprErr(job, "filter", *job.Filter, err)
		}
		b, err := expr.Bind(e, p.FullSchema)
		if err != nil {
			return nil, exprErr(job, "filter", *job.Filter, err)
		}
		if b.Type().ID() != arrow.BOOL {
			return nil, jobspec.Errorf(job.File, job.Filter.Line, "filter", "the filter must be a condition (bool), got %s", b.Type())
		}
		p.Filter = b
		in.Filter = exprInfo(e, b.Type())
		p.FilterExpr = e
	}
	aggs := placementAggs(job)
	in.Engines = placement.CheckJob(in.Engines, p.FilterExpr, p.FullSchema, aggs)
	plan, err := planner.Build(in)
	if err != nil {
		return nil, err
	}
	p.Plan = plan
	// Which stages a mixed cluster runs on its GPU executors: planned as if
	// a GPU were present, so the answer does not depend on the driver.
	steer := in
	steer.Engines = placement.CheckJob(placement.Capable(), p.FilterExpr, p.FullSchema, aggs)
	p.GPUStages = planner.GPUStages(steer)
	p.GPUOps = gpuOperators(in, p, aggs)
	return p, nil
}

// placementAggs are a job's aggregate tables as placement sees them.
func placementAggs(job *jobspec.Job) []placement.Aggregate {
	var out []placement.Aggregate
	for _, a := range job.Aggregates {
		s := placement.Aggregate{By: a.By}
		for _, c := range a.Compute {
			s.Specs = append(s.Specs, groupby.AggSpec{Name: c.Name, Func: c.Func, Column: c.Column})
		}
		out = append(out, s)
	}
	return out
}

// InputError is an input file that exists but cannot be read (corrupt,
// truncated, unparsable): the job fails with the file named.
type InputError struct{ Err error }

func (e *InputError) Error() string { return fmt.Sprintf("input: %v", e.Err) }
func (e *InputError) Unwrap() error { return e.Err }
