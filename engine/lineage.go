package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/sluice-ml/sluice/engine/barrier"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/exchange"
)

// maxRecoveries bounds how many times one stage recovers lost inputs.
const maxRecoveries = 4

// stageWithInputs runs a stage whose tasks read other tasks' outputs. When a
// task cannot fetch an input (FetchFailed: its executor died or the file is
// gone), the driver re-runs the tasks that produced the lost outputs
// (lineage), rebuilds the broadcast with their new locations and runs the
// stage again. Tasks are deterministic, so re-run outputs are identical.
func (r *run) stageWithInputs(ctx context.Context, d *barrier.State, kind string, tasks int, mk func() *task.Broadcast) ([]any, error) {
	for attempt := 0; ; attempt++ {
		res, err := r.stage(ctx, kind, tasks, mk())
		var ff *exchange.FetchFailed
		if err == nil || !errors.As(err, &ff) || attempt >= maxRecoveries || ctx.Err() != nil {
			return res, err
		}
		if rerr := r.recoverLost(ctx, d, ff.Loc); rerr != nil {
			return nil, fmt.Errorf("%w (recovering the lost input: %v)", err, rerr)
		}
	}
}

// alive reports whether an executor is still a member.
func (r *run) alive(id string) bool {
	for _, e := range r.sched.T.Executors() {
		if e.ID == id {
			return true
		}
	}
	return false
}

// recoverLost re-runs the producers of a lost output: the one file, or every
// output of an executor that is gone.
func (r *run) recoverLost(ctx context.Context, d *barrier.State, lost task.Location) error {
	dead := !r.alive(lost.Executor)
	var scans []int
	for i, s := range d.Scans {
		if s.CachePath == lost.Path || slices.Contains(s.AggPaths, lost.Path) || (s.ExpectPath != "" && s.ExpectPath == lost.Path) || (dead && s.Executor == lost.Executor) {
			scans = append(scans, i)
		}
	}
	if len(scans) == 0 {
		return fmt.Errorf("no task produced %s on %s", lost.Path, lost.Executor)
	}
	res, err := r.stageOnly(ctx, planner.StageScan, len(d.Scans), nil, scans)
	if err != nil {
		return err
	}
	for _, i := range scans {
		d.Scans[i] = res[i].(*task.ScanResult)
	}
	return nil
}
