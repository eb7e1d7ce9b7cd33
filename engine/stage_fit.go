package engine

import (
	"context"

	"github.com/sluice-ml/sluice/engine/barrier"
	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/task"
)

// fitStage computes train statistics and collects the shard windows in one
// pass; the driver merges the fits in task order.
func (r *run) fitStage(ctx context.Context, d *barrier.State, ws []split.Window) (split.Partial, error) {
	res, err := r.stageWithInputs(ctx, d, planner.StageFit, len(d.Scans), func() *task.Broadcast {
		return &task.Broadcast{Groups: d.Groups, Windows: ws, Caches: d.Caches(), SplitCuts: d.SplitCuts}
	})
	if err != nil {
		return split.Partial{}, err
	}
	// Merge in task order.
	return d.MergeFits(r.p.Job, r.NewFitPartial(), res)
}
