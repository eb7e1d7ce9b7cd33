package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/sluice-ml/sluice/exec/kernel"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner"
)

// Worker is the executor side of the task protocol: it keeps each job's
// parsed plan (built once per job on this executor) and runs encoded tasks.
type Worker struct {
	exec *Executor
	mu   sync.Mutex
	envs map[string]*envEntry
}

type envEntry struct {
	once sync.Once
	env  *jobEnv
	err  error
}

// NewWorker makes the task runner of an executor.
func NewWorker(e *Executor) *Worker { return &Worker{exec: e, envs: map[string]*envEntry{}} }

// env returns the job's environment, planning it on first use.
func (w *Worker) env(spec *TaskSpec) (*jobEnv, error) {
	w.mu.Lock()
	ent, ok := w.envs[spec.JobID]
	if !ok {
		ent = &envEntry{}
		w.envs[spec.JobID] = ent
	}
	w.mu.Unlock()
	ent.once.Do(func() {
		job, err := jobspec.Parse(spec.Job.File, spec.Job.Data, spec.Job.Sets)
		if err != nil {
			ent.err = err
			return
		}
		choice := spec.Engine
		if e := w.exec.Engine; e != "" && e != "auto" {
			choice = e
		}
		ent.env, ent.err = newJobEnv(job, choice)
		if ent.err == nil && spec.BatchRows > 0 {
			ent.env.batchRows = spec.BatchRows
		}
	})
	return ent.env, ent.err
}

// RunEncoded runs one encoded TaskSpec and returns the encoded result.
func (w *Worker) RunEncoded(ctx context.Context, specData []byte) ([]byte, error) {
	var spec TaskSpec
	if err := json.Unmarshal(specData, &spec); err != nil {
		return nil, fmt.Errorf("decoding task: %w", err)
	}
	res, err := w.Run(ctx, &spec)
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

// Run runs one task.
func (w *Worker) Run(ctx context.Context, spec *TaskSpec) (res any, err error) {
	if err := spec.CheckSpec(); err != nil {
		return nil, err
	}
	dir, err := Under(w.exec.WorkDir, spec.JobID)
	if err != nil {
		return nil, err
	}
	env, err := w.env(spec)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	x := &TaskContext{Executor: w.exec.ID, WorkDir: dir, Mem: w.exec.mem, Budget: w.exec.Budget, Files: w.exec.Files, Fallbacks: &kernel.Counts{}}
	t := Task{Stage: spec.Stage, Index: spec.Index, Attempt: spec.Attempt}
	defer func() {
		// A kernel bug must fail the task, not the process.
		if r := recover(); r != nil {
			err = fmt.Errorf("task panicked: %v", r)
		}
	}()
	b := spec.Bcast
	if b == nil {
		b = &Broadcast{}
	}
	for i := range env.p.plan.Stages {
		if st := &env.p.plan.Stages[i]; st.ID == spec.PlanStage && st.Kind == spec.Kind {
			x.PlanStage = st
		}
	}
	if x.PlanStage == nil {
		return nil, fmt.Errorf("task of plan stage %d (%s): this executor's plan has no such stage", spec.PlanStage, spec.Kind)
	}
	switch spec.Kind {
	case planner.StageScan:
		res, err = env.scanTask(ctx, x, t)
	case planner.StageAggregate:
		res, err = env.aggregateTask(ctx, x, t, b)
	case planner.StageSplitBoundaries:
		res, err = env.windowTask(ctx, x, t, b)
	case planner.StageFit:
		if b.ShardWin {
			// A repeated pass of the fit stage's shard-window collection.
			res, err = env.shardWindowTask(ctx, x, t, b)
		} else {
			res, err = env.fitTask(ctx, x, t, b)
		}
	case planner.StageShardWrite:
		res, err = env.shardTask(ctx, x, t, b)
	default:
		return nil, fmt.Errorf("unknown stage kind %q", spec.Kind)
	}
	if f, ok := res.(interface {
		setReport([]string, map[string]int64)
	}); ok && err == nil {
		f.setReport(x.Ops, x.Fallbacks.Map())
	}
	return res, err
}

// Forget drops a job's plan and deletes its scratch files on this executor.
func (w *Worker) Forget(jobID string) error {
	if err := CheckJobID(jobID); err != nil {
		return err
	}
	dir, err := Under(w.exec.WorkDir, jobID)
	if err != nil {
		return err
	}
	w.mu.Lock()
	delete(w.envs, jobID)
	w.mu.Unlock()
	return os.RemoveAll(dir)
}
