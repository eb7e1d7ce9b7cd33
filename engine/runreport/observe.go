package runreport

import (
	"context"
	"errors"
	"time"

	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/scheduler"
)

// Observer watches jobs as they run (the web UI, metrics, status). The
// driver calls it from its own goroutines, TaskEnded concurrently from the
// scheduler's workers: methods must be safe for concurrent use, return
// quickly and never block.
type Observer interface {
	JobStarted(JobStart)
	StageStarted(StageStart)
	TaskStarted(TaskStart)
	TaskEnded(TaskEnd)
	StageEnded(jobID string, s StageStat)
	JobEnded(jobID string, res *Result, err error)
}

// PlanStage is one stage of the job's plan, with the relative cost
// estimate that weights it in the overall completion.
type PlanStage struct {
	ID     int
	Kind   string
	Tasks  int // -1 when known only at run time
	Weight float64
}

// JobStart describes a job when it starts.
type JobStart struct {
	JobID     string
	Name      string
	Engine    string // the --engine choice (or the job's engine.prefer)
	Started   time.Time
	Stages    []PlanStage
	Placement []planner.Placement
	// Executors are the executors known at the start (embedded: all of
	// them), with Memory the budget of each in bytes (0: unknown).
	Executors []scheduler.ExecutorInfo
	Memory    int64
	// MemoryUse, when set, reports an in-process executor's Arrow bytes
	// in use and its budget.
	MemoryUse func(executor string) (used, limit int64, ok bool)
}

// StageStart is a stage run starting.
type StageStart struct {
	JobID string
	ID    int    // the plan's stage id
	Kind  string // the plan stage kind
	Label string // Kind, with " (pass n)" or " (recompute)"
	Tasks int
	GPU   bool
}

// TaskStart is a task attempt launched on an executor.
type TaskStart struct {
	JobID    string
	Stage    int    // the plan's stage id
	Label    string // the stage run's label
	Index    int
	Attempt  int
	Executor string
	Start    time.Time
}

// TaskEnd is the outcome of one task attempt.
type TaskEnd struct {
	TaskStart
	Wall  time.Duration
	Rows  int64
	Bytes int64
	Err   error // nil when the attempt succeeded
	// Lost: the attempt ended because its executor was lost (it goes back
	// to the queue without spending an attempt).
	Lost bool
}

// stageWeights are the relative costs per input row of the stage kinds,
// from the summaries of the citibike and flights jobs on the CPU engine:
// the scan decodes every input byte, the shard write re-reads the cache,
// applies the transforms and encodes the output, the middle stages read
// a few cached columns.
var stageWeights = map[string]float64{
	planner.StageScan:            4,
	planner.StageAggregate:       1,
	planner.StageSplitBoundaries: 1,
	planner.StageFit:             2,
	planner.StageShardWrite:      4,
	planner.StageExpect:          1,
}

// StageWeight is the cost estimate of a stage kind relative to the others
// (1 for an unknown kind).
func StageWeight(kind string) float64 {
	if w, ok := stageWeights[kind]; ok {
		return w
	}
	return 1
}

// PlanStages lists the plan's stages with their cost estimates.
func PlanStages(p *planner.Plan) []PlanStage {
	out := make([]PlanStage, len(p.Stages))
	for i, s := range p.Stages {
		out[i] = PlanStage{ID: s.ID, Kind: s.Kind, Tasks: s.Tasks, Weight: StageWeight(s.Kind)}
	}
	return out
}

// Completion is the job's overall completion in [0, 1]: each plan stage
// weighs its cost estimate and counts the fraction of its tasks done
// (frac, by stage id; a stage not in frac has not started).
func Completion(stages []PlanStage, frac map[int]float64) float64 {
	var all, done float64
	for _, s := range stages {
		all += s.Weight
		done += s.Weight * min(max(frac[s.ID], 0), 1)
	}
	if all == 0 {
		return 0
	}
	return done / all
}

// ETA estimates the time left from the elapsed time and the completion,
// assuming the rest goes at the pace so far; ok is false before any
// progress.
func ETA(elapsed time.Duration, completion float64) (left time.Duration, ok bool) {
	if completion <= 0 {
		return 0, false
	}
	if completion >= 1 {
		return 0, true
	}
	return time.Duration(float64(elapsed) * (1 - completion) / completion), true
}

// Observed is a transport that reports every task attempt to an observer.
type Observed struct {
	scheduler.Transport
	JobID    string
	Observer Observer
}

// Changed forwards membership events, when the transport has them.
func (o Observed) Changed() <-chan struct{} {
	if ev, ok := o.Transport.(scheduler.MembershipEvents); ok {
		return ev.Changed()
	}
	return nil
}

// Launch implements Transport.
func (o Observed) Launch(ctx context.Context, id string, st scheduler.StageRun, t scheduler.Task) (any, error) {
	ts := TaskStart{JobID: o.JobID, Stage: st.ID, Label: st.Kind, Index: t.Index, Attempt: t.Attempt, Executor: id, Start: time.Now()}
	o.Observer.TaskStarted(ts)
	res, err := o.Transport.Launch(ctx, id, st, t)
	e := TaskEnd{TaskStart: ts, Wall: time.Since(ts.Start), Err: err, Lost: errors.Is(err, scheduler.ErrExecutorLost)}
	if c, ok := res.(interface{ Counts() (int64, int64) }); ok && err == nil {
		e.Rows, e.Bytes = c.Counts()
	}
	o.Observer.TaskEnded(e)
	return res, err
}
