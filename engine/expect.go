package engine

import (
	"context"

	"github.com/sluice-ml/sluice/engine/barrier"
	"github.com/sluice-ml/sluice/engine/runreport"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/task"
)

// expectStage runs the expect-unique stage: one task per unique rule and
// hash partition, reading every scan task's expect file.
func (r *run) expectStage(ctx context.Context, d *barrier.State) error {
	tasks := len(r.UniqueRules()) * r.ExpectPartitions()
	res, err := r.stageWithInputs(ctx, d, planner.StageExpect, tasks, func() *task.Broadcast {
		locs := make([]task.Location, len(d.Scans))
		for i, s := range d.Scans {
			locs[i] = task.Location{Executor: s.Executor, Path: s.ExpectPath}
		}
		return &task.Broadcast{Caches: locs}
	})
	if err != nil {
		return err
	}
	d.Unique = make([]*task.UniqueResult, len(res))
	for i, x := range res {
		d.Unique[i] = x.(*task.UniqueResult)
	}
	return nil
}

// expectAfter checks the rules once their counts are in, whether the
// stage ran or came from the stage cache: after the scan when no rule is
// unique, else after the expect-unique stage.
func (r *run) expectAfter(d *barrier.State, st *planner.Stage) error {
	switch {
	case st.Kind == planner.StageScan && r.p.Plan.Stage(planner.StageExpect) == nil:
		return r.checkExpect(d, nil)
	case st.Kind == planner.StageExpect:
		return r.checkExpect(d, d.Unique)
	}
	return nil
}

// checkExpect merges the rules' results (barrier.Expectations) into the
// manifest's expectations, and fails the job when a rule failed under on_fail: error. Under warn
// each failed rule is a warning.
func (r *run) checkExpect(d *barrier.State, uniq []*task.UniqueResult) error {
	x := r.p.Plan.Expect
	if x == nil {
		return nil
	}
	job := r.p.Job
	out := barrier.Expectations(x, job, r.p.DS, d.Scans, uniq)
	d.Expect = out
	if out.Passed {
		return nil
	}
	if out.OnFail == jobspec.OnFailWarn {
		for _, er := range out.Rules {
			if !er.Passed {
				r.warn("expect: " + runreport.DescribeFailure(er, out.Rows))
			}
		}
		return nil
	}
	return &runreport.ExpectError{File: job.File, Line: job.Expect.Line, Result: out}
}
