package engine

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/sink/shard"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/rows"
)

// driverState is what the driver learns between stages.
type driverState struct {
	scans        []*task.ScanResult
	groups       map[string]int32 // encoded split.by key -> dense group id
	groupRows    []int64          // rows per group
	splitRows    []int64          // rows per split (exact, from the counts)
	splitTargets []split.Target
	splitCutsBin []byte // split.Boundaries, as broadcast
	shardCutsBin []byte
	fit          *task.Fitted
	shards       [][]shard.Info // [split][shard]
	aggregates   []sink.AggregateTable
	profiles     *sink.Profiles // from the shard-write stage (profile.go)
	slices       *sink.Slices
	expect       *sink.Expectations   // nil without an expect section
	uniq         []*task.UniqueResult // the expect-unique stage's results, in task order
}

// execute runs the plan's stages in order, each followed by its barrier on
// the driver (the plan's Barrier line says which):
//
//	scan ─► counts ─► aggregate (per table) ─► split-boundaries ─► split cuts
//	     ─► fit (+ shard windows) ─► fitted params, shard cuts ─► shard-write ─► commit
//
// Every barrier merges task results in task-index order, so the output does
// not depend on which task finished first or on how many executors ran.
func (r *run) execute(ctx context.Context, txn *sink.Txn) (*sink.Manifest, error) {
	d := &driverState{}
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
	if d.shards == nil {
		return nil, fmt.Errorf("internal: the plan has no %s stage", planner.StageShardWrite)
	}
	return r.manifest(d)
}

// scanStage runs the scan and its barrier: the dense group ids and the
// exact rows of every split from the group counts.
func (r *run) scanStage(ctx context.Context, d *driverState) error {
	res, err := r.stage(ctx, planner.StageScan, len(r.p.DS.Tasks), nil)
	if err != nil {
		return err
	}
	for _, x := range res {
		d.scans = append(d.scans, x.(*task.ScanResult))
	}
	return r.scanBarrier(d)
}

// scanBarrier is the driver's side of the scan: the dense group ids and the
// exact rows of every split from the group counts.
func (r *run) scanBarrier(d *driverState) (err error) {
	r.mergeGroups(d)
	ratios := make([]float64, len(r.p.Job.Split.Ratios))
	for i, rt := range r.p.Job.Split.Ratios {
		ratios[i] = rt.Value
	}
	d.splitRows = make([]int64, len(ratios))
	for _, n := range d.groupRows {
		counts, err := split.Allocate(n, ratios)
		if err != nil {
			return err
		}
		for i, c := range counts {
			d.splitRows[i] += c
		}
	}
	d.splitTargets, err = split.SplitTargets(d.groupRows, ratios)
	return err
}

// splitCuts selects the exact split boundaries of every group: window
// passes over the cache (the split-boundaries stage) until every boundary
// is inside its window. A plan without that stage (one split) needs none.
func (r *run) splitCuts(ctx context.Context, d *driverState) error {
	if d.splitCutsBin != nil {
		return nil
	}
	keys, err := split.Resolve(d.splitTargets, split.DefaultSigmas, func(ws []split.Window) (split.Partial, error) {
		return r.windowStage(ctx, d, ws, false)
	})
	if err != nil {
		return err
	}
	d.splitCutsBin, err = buildBoundaries(len(d.groupRows), d.splitTargets, keys)
	return err
}

// fitBarrier fits the transforms on the train rows and selects the shard
// boundaries: with planned set, the fit stage's first pass also collects
// the shard windows and a boundary outside its window repeats the window
// collection; without (the plan has no fit stage) nothing needs a pass.
func (r *run) fitBarrier(ctx context.Context, d *driverState, planned bool) error {
	if d.fit != nil {
		return nil
	}
	if err := r.splitCuts(ctx, d); err != nil {
		return err
	}
	shardTargets, err := split.ShardTargets(d.splitRows, r.p.Job.Output.Shards)
	if err != nil {
		return err
	}
	first := true
	if allTrivial(shardTargets) {
		// No shard window to search: the fit alone, or nothing at all.
		if planned {
			if _, err := r.fitStage(ctx, d, nil); err != nil {
				return err
			}
		} else if d.fit, err = r.buildFitted(r.NewFitPartial()); err != nil {
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
	d.shardCutsBin, err = buildBoundaries(len(d.splitRows), shardTargets, shardKeys)
	return err
}

// shardWrite transforms, sorts and writes the shards: task j reads the
// cache buckets of shard j's h2 range and writes shard j of every split.
func (r *run) shardWrite(ctx context.Context, d *driverState, txn *sink.Txn) error {
	if err := r.fitBarrier(ctx, d, false); err != nil {
		return err
	}
	return r.shardStage(ctx, d, txn)
}

// mergeGroups fixes the dense group ids: groups sorted by encoded key.
func (r *run) mergeGroups(d *driverState) {
	total := map[string]int64{}
	for _, s := range d.scans {
		for k, c := range s.GroupCounts {
			total[k] += c
		}
	}
	keys := make([]string, 0, len(total))
	for k := range total {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if by := r.p.Job.Split.By; len(by) > 0 && len(keys) == 1 && keys[0] == strings.Repeat(rows.NullKey, len(by)) {
		r.warn(fmt.Sprintf("split.by: %s is null in every row, so the split is not stratified (all %d rows are one group)",
			strings.Join(by, ", "), total[keys[0]]))
	}
	d.groups = make(map[string]int32, len(keys))
	d.groupRows = make([]int64, len(keys))
	for i, k := range keys {
		d.groups[k] = int32(i)
		d.groupRows[i] = total[k]
	}
}

// caches lists where each scan task's cached rows are.
func (d *driverState) caches() []task.Location {
	out := make([]task.Location, len(d.scans))
	for i, s := range d.scans {
		out[i] = task.Location{Executor: s.Executor, Path: s.CachePath}
	}
	return out
}

// buildBoundaries builds a boundary table and encodes it for broadcast.
func buildBoundaries(groups int, targets []split.Target, keys []split.Bound) ([]byte, error) {
	b, err := split.BuildBoundaries(groups, targets, keys)
	if err != nil {
		return nil, err
	}
	return b.MarshalBinary()
}

// allTrivial reports whether no target needs a scan (rank 0 or N).
func allTrivial(ts []split.Target) bool {
	for _, t := range ts {
		if t.Rank > 0 && t.Rank < t.N {
			return false
		}
	}
	return true
}
