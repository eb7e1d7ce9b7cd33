package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/sink"
)

// driverState is what the driver learns between stages.
type driverState struct {
	scans        []*scanResult
	groups       map[string]int32 // encoded split.by key -> dense group id
	groupRows    []int64          // rows per group
	splitRows    []int64          // rows per split (exact, from the counts)
	splitCutsBin []byte           // split.Boundaries, as broadcast
	shardCutsBin []byte
	fit          *fitted
	shards       [][]sink.ShardInfo // [split][shard]
	aggregates   []sink.AggregateTable
}

// execute runs the stages in order:
//
//	scan ─► aggregate (per table) ─► split-boundaries ─► fit (+ shard windows) ─► shard-write
//
// Every barrier merges task results in task-index order, so the output does
// not depend on which task finished first or on how many executors ran.
func (r *run) execute(ctx context.Context, txn *sink.Txn) (*sink.Manifest, error) {
	d := &driverState{}
	// 1. Scan.
	res, err := r.stage(ctx, KindScan, len(r.p.ds.Tasks), nil)
	if err != nil {
		return nil, err
	}
	for _, x := range res {
		d.scans = append(d.scans, x.(*scanResult))
	}
	r.mergeGroups(d)
	// 2. Aggregates (final side of the exchange).
	if err := r.aggregates(ctx, d, txn); err != nil {
		return nil, err
	}
	// 3. Exact split boundaries per group.
	ratios := make([]float64, len(r.p.job.Split.Ratios))
	for i, rt := range r.p.job.Split.Ratios {
		ratios[i] = rt.Value
	}
	d.splitRows = make([]int64, len(ratios))
	for _, n := range d.groupRows {
		counts, err := split.Allocate(n, ratios)
		if err != nil {
			return nil, err
		}
		for i, c := range counts {
			d.splitRows[i] += c
		}
	}
	targets, err := split.SplitTargets(d.groupRows, ratios)
	if err != nil {
		return nil, err
	}
	keys, err := split.Resolve(targets, split.DefaultSigmas, func(ws []split.Window) (split.Partial, error) {
		return r.windowStage(ctx, d, ws, false)
	})
	if err != nil {
		return nil, err
	}
	if d.splitCutsBin, err = buildBoundaries(len(d.groupRows), targets, keys); err != nil {
		return nil, err
	}
	// 4. Fit on train rows; the same pass collects the shard windows.
	shardTargets, err := split.ShardTargets(d.splitRows, r.p.job.Output.Shards)
	if err != nil {
		return nil, err
	}
	first := true
	if allTrivial(shardTargets) {
		// No shard window to search: fit alone, or nothing at all.
		if r.needsFit() {
			if _, err := r.fitStage(ctx, d, nil); err != nil {
				return nil, err
			}
		} else if d.fit, err = r.buildFitted(r.newFitPartial()); err != nil {
			return nil, err
		}
		first = false
	}
	shardKeys, err := split.Resolve(shardTargets, split.DefaultSigmas, func(ws []split.Window) (split.Partial, error) {
		if first {
			first = false
			return r.fitStage(ctx, d, ws)
		}
		return r.windowStage(ctx, d, ws, true)
	})
	if err != nil {
		return nil, err
	}
	if d.shardCutsBin, err = buildBoundaries(len(ratios), shardTargets, shardKeys); err != nil {
		return nil, err
	}
	// 5. Transform, sort and write the shards: task j reads the cache
	// buckets of shard j's h2 range and writes shard j of every split.
	if err := r.shardStage(ctx, d, txn); err != nil {
		return nil, err
	}
	return r.manifest(d)
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
	if by := r.p.job.Split.By; len(by) > 0 && len(keys) == 1 && keys[0] == strings.Repeat(nullKey, len(by)) {
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
func (d *driverState) caches() []Location {
	out := make([]Location, len(d.scans))
	for i, s := range d.scans {
		out[i] = Location{Executor: s.Executor, Path: s.CachePath}
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
