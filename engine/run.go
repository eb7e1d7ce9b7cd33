// Package engine runs jobs: the driver's job lifecycle and scheduler, the
// executors' task runner, and the Go API (Run, Explain).
package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/expr"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/sink"
)

// Result is what a finished job reports.
type Result struct {
	OutputDir  string
	Manifest   *sink.Manifest
	Stages     []StageStat
	Wall       time.Duration
	PeakMemory int64 // largest executor budget peak (Arrow bytes)
}

// StageStat summarises one executed stage.
type StageStat struct {
	ID    int
	Kind  string
	Tasks int
	Rows  int64
	Bytes int64
	Wall  time.Duration
	CPU   time.Duration // user + system CPU of the whole process during the stage
}

type aggSpec struct {
	by    []string
	specs []cpu.AggSpec
}

// run is the driver's state for one job.
type run struct {
	p     *prepared
	opt   Options
	jobID string
	sched *Scheduler
	prog  *progress

	scanSchema  *arrow.Schema // projected input + __rowid, __key
	fullSchema  *arrow.Schema // scanSchema + derived columns
	cacheSchema *arrow.Schema // what later stages read
	filter      *expr.Bound
	derived     []*expr.Bound
	keyCol      int // index of split.key in the scan batch, -1 for (file, row)

	aggSpecs      []aggSpec
	dropCols      []string
	floatFeatures []string

	stats []StageStat
}

// Engines returns the engines available for a --engine choice, in preference
// order. The CPU engine runs every operator.
func Engines(choice string) ([]exec.Engine, error) {
	switch choice {
	case "", "auto", "cpu":
		return []exec.Engine{cpu.Engine{}}, nil
	case "gpu", "gpu-emulated":
		return []exec.Engine{noGPU{choice}, cpu.Engine{}}, nil
	}
	return nil, fmt.Errorf("--engine: %q is not an engine (allowed: auto, cpu, gpu, gpu-emulated)", choice)
}

// noGPU stands for a GPU engine on a node that has none: it answers
// unsupported for every operator, so placement falls back (or fails under
// engine.fallback: error) with the reason recorded.
type noGPU struct{ name string }

func (g noGPU) Name() string { return g.name }
func (g noGPU) Supports(op exec.OpKind, _ []arrow.DataType) exec.Support {
	return exec.Support{Reason: "no NVIDIA driver on this node (GPU engine not available)"}
}

// Explain plans the job and returns the EXPLAIN text.
func Explain(job *jobspec.Job, opt Options) (string, error) {
	engines, err := Engines(firstNonEmpty(opt.Engine, job.Engine.Prefer))
	if err != nil {
		return "", err
	}
	p, err := prepare(job, engines)
	if err != nil {
		return "", err
	}
	return p.plan.Explain(), nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Run executes the job embedded: an in-process driver and opt.Local
// executors running the same stages and tasks as a cluster.
func Run(ctx context.Context, job *jobspec.Job, opt Options) (*Result, error) {
	start := time.Now()
	opt.defaults()
	engines, err := Engines(firstNonEmpty(opt.Engine, job.Engine.Prefer))
	if err != nil {
		return nil, err
	}
	p, err := prepare(job, engines)
	if err != nil {
		return nil, err
	}
	txn, err := sink.Begin(job.Output.Path, job.Output.Overwrite)
	if err != nil {
		return nil, jobspec.Errorf(job.File, job.Output.Line, "output.path", "%s", strings.TrimPrefix(err.Error(), "output.path: "))
	}
	committed := false
	defer func() {
		if !committed {
			txn.Abort()
		}
	}()
	root := opt.WorkDir
	if root == "" {
		root = os.TempDir()
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	jobID := job.Name + "-" + hex.EncodeToString(rnd[:])
	work := filepath.Join(root, "sluice-"+jobID)
	if !opt.KeepWorkDir {
		defer os.RemoveAll(work)
	}
	lt, err := NewLocal(opt.Local, opt.Slots, opt.MemoryPerExec, work)
	if err != nil {
		return nil, err
	}
	r := &run{p: p, opt: opt, jobID: jobID, prog: newProgress(opt.Progress, opt.Terminal)}
	r.sched = &Scheduler{T: lt, MaxAttempts: opt.MaxAttempts, Progress: r.prog.taskDone}
	if err := r.setup(); err != nil {
		return nil, err
	}
	m, err := r.execute(ctx, txn)
	if err != nil {
		return nil, err
	}
	if err := txn.Commit(m); err != nil {
		return nil, err
	}
	committed = true
	r.prog.finish()
	return &Result{OutputDir: job.Output.Path, Manifest: m, Stages: r.stats, Wall: time.Since(start), PeakMemory: lt.PeakMemory()}, nil
}

// setup derives the schemas and binds the expressions to the scan batches.
func (r *run) setup() error {
	p := r.p
	proj, err := projectSchema(p.ds.Schema, p.plan.ScanColumns)
	if err != nil {
		return err
	}
	fields := append(append([]arrow.Field(nil), proj.Fields()...),
		arrow.Field{Name: colRowID, Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: colKey, Type: arrow.PrimitiveTypes.Int64})
	r.scanSchema = arrow.NewSchema(fields, nil)
	r.keyCol = -1
	if k := p.job.Split.Key; k != "" {
		idx := proj.FieldIndices(k)
		if len(idx) == 0 {
			return jobspec.Errorf(p.job.File, p.job.Split.Line, "split.key", "no input column %q", k)
		}
		r.keyCol = idx[0]
	}
	for _, dc := range p.job.Columns {
		e, _ := expr.Parse(dc.Expr.Src)
		b, err := expr.Bind(e, arrow.NewSchema(fields, nil))
		if err != nil {
			return exprErr(p.job, "columns."+dc.Name, dc.Expr, err)
		}
		r.derived = append(r.derived, b)
		fields = append(fields, arrow.Field{Name: dc.Name, Type: b.Type(), Nullable: true})
	}
	r.fullSchema = arrow.NewSchema(fields, nil)
	// The filter may use derived columns: it runs after them.
	if p.job.Filter != nil {
		e, _ := expr.Parse(p.job.Filter.Src)
		if r.filter, err = expr.Bind(e, r.fullSchema); err != nil {
			return exprErr(p.job, "filter", *p.job.Filter, err)
		}
	}
	var cache []string
	for _, c := range p.plan.CacheColumns {
		if !strings.HasPrefix(c, "__") { // the engine derives the hashes from __key
			cache = append(cache, c)
		}
	}
	cache = append(cache, colRowID, colKey)
	if r.cacheSchema, err = projectSchema(r.fullSchema, cache); err != nil {
		return fmt.Errorf("cache columns: %w", err)
	}
	for _, a := range p.job.Aggregates {
		s := aggSpec{by: a.By}
		for _, c := range a.Compute {
			s.specs = append(s.specs, cpu.AggSpec{Name: c.Name, Func: c.Func, Column: c.Column})
		}
		r.aggSpecs = append(r.aggSpecs, s)
	}
	if l := p.job.Label; l != nil && l.Fill.Kind == jobspec.FillDrop {
		r.dropCols = append(r.dropCols, l.Name)
	}
	for _, f := range p.job.Features {
		if f.Fill.Kind == jobspec.FillDrop {
			r.dropCols = append(r.dropCols, f.Name)
		}
		idx := r.fullSchema.FieldIndices(f.Name)
		if len(idx) > 0 && r.fullSchema.Field(idx[0]).Type.ID() == arrow.FLOAT64 {
			r.floatFeatures = append(r.floatFeatures, f.Name)
		}
	}
	sort.Strings(r.floatFeatures)
	return nil
}

// stage runs one stage and records its statistics.
func (r *run) stage(ctx context.Context, kind string, tasks int, fn TaskFunc) ([]any, error) {
	id := len(r.stats) + 1
	st := StageRun{ID: id, Kind: kind, Tasks: tasks, Run: fn}
	t0, c0 := time.Now(), processCPU()
	r.prog.startStage(st)
	res, err := r.sched.RunStage(ctx, st)
	if err != nil {
		return nil, err
	}
	ss := StageStat{ID: id, Kind: kind, Tasks: tasks, Wall: time.Since(t0), CPU: processCPU() - c0}
	for _, x := range res {
		if c, ok := x.(interface{ counts() (int64, int64) }); ok {
			rows, bytes := c.counts()
			ss.Rows += rows
			ss.Bytes += bytes
		}
	}
	r.stats = append(r.stats, ss)
	r.prog.endStage(ss)
	return res, nil
}

func (s *scanResult) counts() (int64, int64) { return s.RowsRead, s.Bytes }

// processCPU is the process's user + system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
