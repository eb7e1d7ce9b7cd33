package engine

import (
	"context"

	"github.com/sluice-ml/sluice/engine/barrier"
	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/task"
)

// windowStage runs one window-collection pass over the cache: split
// windows (group, h), or with shard set, shard windows (split, h2).
func (r *run) windowStage(ctx context.Context, d *barrier.State, ws []split.Window, shard bool) (split.Partial, error) {
	kind := planner.StageSplitBoundaries
	if shard {
		kind = planner.StageFit // a repeat of the fit stage's shard windows
	}
	res, err := r.stageWithInputs(ctx, d, kind, len(d.Scans), func() *task.Broadcast {
		b := &task.Broadcast{Groups: d.Groups, Windows: ws, Caches: d.Caches(), ShardWin: shard}
		if shard {
			b.SplitCuts = d.SplitCuts
		}
		return b
	})
	if err != nil {
		return split.Partial{}, err
	}
	if shard {
		for i, x := range res {
			fp := x.(*task.FitPartial)
			res[i] = &task.WindowResult{Partial: fp.Shards, Rows: fp.Rows}
		}
	}
	return task.MergePartials(res)
}
