package engine

import (
	"context"
	"fmt"

	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/task"
)

// fitStage computes train statistics and collects the shard windows in one
// pass; the driver merges the fits in task order.
func (r *run) fitStage(ctx context.Context, d *driverState, ws []split.Window) (split.Partial, error) {
	res, err := r.stageWithInputs(ctx, d, planner.StageFit, len(d.scans), func() *task.Broadcast {
		return &task.Broadcast{Groups: d.groups, Windows: ws, Caches: d.caches(), SplitCuts: d.splitCutsBin}
	})
	if err != nil {
		return split.Partial{}, err
	}
	// Merge in task order.
	total := r.NewFitPartial()
	shardParts := make([]any, len(res))
	for i, x := range res {
		fp := x.(*task.FitPartial)
		for j, cs := range fp.Features {
			if cs != nil {
				total.Features[j].Stats.Merge(cs.Stats)
			}
		}
		if fp.Label != nil {
			total.Label.Stats.Merge(fp.Label.Stats)
		}
		for j, n := range fp.SplitRows {
			total.SplitRows[j] += n
		}
		shardParts[i] = &task.WindowResult{Partial: fp.Shards}
	}
	for i, n := range total.SplitRows {
		if n != d.splitRows[i] {
			return split.Partial{}, fmt.Errorf("internal: split %d has %d rows, the counts said %d", i, n, d.splitRows[i])
		}
	}
	if d.fit, err = r.buildFitted(total); err != nil {
		return split.Partial{}, err
	}
	return task.MergePartials(shardParts)
}
