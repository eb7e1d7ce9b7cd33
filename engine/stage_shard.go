package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sluice-ml/sluice/engine/barrier"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/sink/shard"
	"github.com/sluice-ml/sluice/task"
)

// shardStage runs the last stage: task j writes shard j of every split.
func (r *run) shardStage(ctx context.Context, d *barrier.State, txn *sink.Txn) error {
	job := r.p.Job
	for _, rt := range job.Split.Ratios {
		if txn.Remote() {
			break
		}
		if err := os.MkdirAll(filepath.Join(txn.Dir(), rt.Name), 0o755); err != nil {
			return err
		}
	}
	res, err := r.stageWithInputs(ctx, d, planner.StageShardWrite, job.Output.Shards, func() *task.Broadcast {
		return &task.Broadcast{Groups: d.Groups, Caches: d.Caches(), SplitCuts: d.SplitCuts, ShardCuts: d.ShardCuts,
			Fit: d.Fit, OutDir: txn.Dir()}
	})
	if err != nil {
		return err
	}
	d.Shards = make([][]shard.Info, len(job.Split.Ratios))
	for k := range d.Shards {
		d.Shards[k] = make([]shard.Info, len(res))
	}
	for j, x := range res {
		sr := x.(*task.ShardResult)
		if len(sr.Infos) != len(d.Shards) {
			return fmt.Errorf("internal: shard task %d wrote %d splits, want %d", j, len(sr.Infos), len(d.Shards))
		}
		for k, info := range sr.Infos {
			d.Shards[k][j] = info
		}
	}
	return r.profiles(d, res, txn)
}
