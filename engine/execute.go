package engine

import (
	"context"
	"fmt"
	"maps"

	"github.com/sluice-ml/sluice/engine/barrier"
	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/task"
)

// execute runs the plan's stages in order, each followed by its barrier on
// the driver (the plan's Barrier line says which):
//
//	scan ─► counts ─► aggregate (per table) ─► split-boundaries ─► split cuts
//	     ─► fit (+ shard windows) ─► fitted params, shard cuts ─► shard-write ─► commit
//
// Every barrier merges task results in task-index order, so the output does
// not depend on which task finished first or on how many executors ran.
func (r *run) execute(ctx context.Context, txn *sink.Txn) (*sink.Manifest, error) {
	d := &barrier.State{}
	for i := range r.p.Plan.Stages {
		st := &r.p.Plan.Stages[i]
		r.cur = st
		if r.cache != nil && r.cache.Reuse[st.ID] {
			if err := r.restoreStage(d, st, txn); err != nil {
				return nil, fmt.Errorf("stage %d (%s) from the stage cache: %w", st.ID, st.Kind, err)
			}
			if err := r.expectAfter(d, st); err != nil {
				return nil, err
			}
			continue
		}
		firstStat, fellBefore := len(r.stats), maps.Clone(r.fellBack)
		var err error
		switch st.Kind {
		case planner.StageScan:
			err = r.scanStage(ctx, d)
		case planner.StageExpect:
			err = r.expectStage(ctx, d)
		case planner.StageAggregate:
			err = r.aggregateStage(ctx, d, st, txn)
		case planner.StageSplitBoundaries:
			err = r.splitCuts(ctx, d)
		case planner.StageFit:
			err = r.fitBarrier(ctx, d, true)
		case planner.StageShardWrite:
			err = r.shardWrite(ctx, d, txn)
		default:
			err = fmt.Errorf("internal: the plan has a stage of kind %q, which the driver does not run", st.Kind)
		}
		if err == nil {
			err = r.expectAfter(d, st)
		}
		if err != nil {
			return nil, err
		}
		if r.cache != nil {
			r.saveStage(d, st, txn, firstStat, fellBefore)
		}
	}
	if d.Shards == nil {
		return nil, fmt.Errorf("internal: the plan has no %s stage", planner.StageShardWrite)
	}
	return barrier.Manifest(d, r.Env, r.p, r.fps, r.fellBack)
}

// scanStage runs the scan and its barrier: the dense group ids and the
// exact rows of every split from the group counts.
func (r *run) scanStage(ctx context.Context, d *barrier.State) error {
	res, err := r.stage(ctx, planner.StageScan, len(r.p.DS.Tasks), nil)
	if err != nil {
		return err
	}
	for _, x := range res {
		d.Scans = append(d.Scans, x.(*task.ScanResult))
	}
	return r.scanBarrier(d)
}

// splitCuts selects the exact split boundaries of every group: window
// passes over the cache (the split-boundaries stage) until every boundary
// is inside its window. A plan without that stage (one split) needs none.
func (r *run) splitCuts(ctx context.Context, d *barrier.State) error {
	if d.SplitCuts != nil {
		return nil
	}
	keys, err := split.Resolve(d.SplitTargets, split.DefaultSigmas, func(ws []split.Window) (split.Partial, error) {
		return r.windowStage(ctx, d, ws, false)
	})
	if err != nil {
		return err
	}
	d.SplitCuts, err = barrier.Boundaries(len(d.GroupRows), d.SplitTargets, keys)
	return err
}

// fitBarrier fits the transforms on the train rows and selects the shard
// boundaries: with planned set, the fit stage's first pass also collects
// the shard windows and a boundary outside its window repeats the window
// collection; without (the plan has no fit stage) nothing needs a pass.
func (r *run) fitBarrier(ctx context.Context, d *barrier.State, planned bool) error {
	if d.Fit != nil {
		return nil
	}
	if err := r.splitCuts(ctx, d); err != nil {
		return err
	}
	shardTargets, err := split.ShardTargets(d.SplitRows, r.p.Job.Output.Shards)
	if err != nil {
		return err
	}
	first := true
	if barrier.AllTrivial(shardTargets) {
		// No shard window to search: the fit alone, or nothing at all.
		if planned {
			if _, err := r.fitStage(ctx, d, nil); err != nil {
				return err
			}
		} else if d.Fit, err = barrier.Fit(r.p.Job, r.NewFitPartial()); err != nil {
			return err
		}
		first = false
	} else if !planned {
		return fmt.Errorf("internal: %d shards per split need shard boundaries, but the plan has no %s stage", r.p.Job.Output.Shards, planner.StageFit)
	}
	shardKeys, err := split.Resolve(shardTargets, split.DefaultSigmas, func(ws []split.Window) (split.Partial, error) {
		if first {
			first = false
			return r.fitStage(ctx, d, ws)
		}
		return r.windowStage(ctx, d, ws, true)
	})
	if err != nil {
		return err
	}
	d.ShardCuts, err = barrier.Boundaries(len(d.SplitRows), shardTargets, shardKeys)
	return err
}

// shardWrite transforms, sorts and writes the shards: task j reads the
// cache buckets of shard j's h2 range and writes shard j of every split.
func (r *run) shardWrite(ctx context.Context, d *barrier.State, txn *sink.Txn) error {
	if err := r.fitBarrier(ctx, d, false); err != nil {
		return err
	}
	return r.shardStage(ctx, d, txn)
}

// scanBarrier is the driver's side of the scan (barrier.State.MergeScans);
// a warning goes to the result.
func (r *run) scanBarrier(d *barrier.State) error {
	w, err := d.MergeScans(r.p.Job)
	if w != "" {
		r.warn(w)
	}
	return err
}
