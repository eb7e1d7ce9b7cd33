package task

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/task/exchange"
	"github.com/sluice-ml/sluice/task/roworder"
	"github.com/sluice-ml/sluice/vocab"
)

// quantileSamples is the capacity of each quantile sketch level; the rank
// error bound is about log2(N/K)/K (stats.Quantiles.RankError reports it).
const quantileSamples = 4096

// ColStats are the mergeable train statistics of one column.
type ColStats struct {
	Name  string                `json:"name"`
	Stats *feature.FeatureStats `json:"stats"`
}

func newColStats(name, transform, fill string) *ColStats {
	n := feature.NeedStats(transform, fill)
	if n == (feature.StatNeeds{}) {
		return nil
	}
	return &ColStats{Name: name, Stats: feature.NewFeatureStats(n, quantileSamples)}
}

// FitPartial is one fit task's result.
type FitPartial struct {
	Features  []*ColStats   `json:"features"` // per job feature, nil when it needs nothing
	Label     *ColStats     `json:"label"`
	SplitRows []int64       `json:"split_rows"`
	Shards    split.Partial `json:"shards"`
	Rows      int64         `json:"rows"`
	taskReport
}

func (f *FitPartial) Counts() (int64, int64) { return f.Rows, 0 }

// TrainIndex is the split whose rows fit the transforms: "train" when
// present, else the first split.
func (r *Env) TrainIndex() int {
	for i, name := range r.splitNames {
		if name == "train" {
			return i
		}
	}
	return 0
}

func (r *Env) NewFitPartial() *FitPartial {
	fp := &FitPartial{Features: make([]*ColStats, len(r.features)), SplitRows: make([]int64, len(r.splitNames))}
	for i, f := range r.features {
		fp.Features[i] = newColStats(f.GetName(), f.GetTransform(), f.GetFill())
	}
	if l := r.label; l != nil {
		fp.Label = newColStats(l.GetName(), vocab.TIdentity, l.GetFill())
	}
	return fp
}

// fitTask computes one cache part's train statistics and shard windows.
func (r *Env) fitTask(ctx context.Context, x *TaskContext, t Task, b *Broadcast) (any, error) {
	c, err := split.NewCollector(b.Windows)
	if err != nil {
		return nil, err
	}
	have, err := x.runsPlan(x.PlanStage, vocab.OpCacheRead, vocab.OpSplitAssign, vocab.OpFitPartial, vocab.OpShardWindowCollect)
	if err != nil {
		return nil, err
	}
	o, err := roworder.New(r.cacheSchema, r.splitBy, b.Groups, r.splitSeed, r.fileHashes, r.kernels(x, vocab.StageFit, vocab.OpSplitAssign))
	if err != nil {
		return nil, err
	}
	o.OneSplit = !have[vocab.OpSplitAssign]
	splitCuts, err := boundaries(b.SplitCuts)
	if err != nil {
		return nil, err
	}
	train := int8(r.TrainIndex())
	fp := r.NewFitPartial()
	if !have[vocab.OpFitPartial] && r.needsFit() {
		return nil, fmt.Errorf("internal: stage %d (fit): the transforms need statistics, the plan has no FitPartial", x.PlanStage.ID)
	}
	if !have[vocab.OpShardWindowCollect] && len(b.Windows) > 0 {
		return nil, fmt.Errorf("internal: stage %d (fit): shard windows to collect, the plan has no ShardWindowCollect", x.PlanStage.ID)
	}
	windows := r.kernels(x, vocab.StageFit, vocab.OpShardWindowCollect)
	fit := r.kernels(x, vocab.StageFit, vocab.OpFitPartial)
	var sg, sel []int32
	err = exchange.ForEachCache(ctx, x.Files, b.Caches[t.Index], 0, 1<<r.cacheBucketBits(), x.Mem, func(bt arrow.RecordBatch) error {
		s, err := o.LoadAssign(bt, splitCuts)
		if err != nil {
			return err
		}
		sel = sel[:0]
		for i, v := range s {
			fp.SplitRows[v]++
			if v == train {
				sel = append(sel, int32(i))
			}
		}
		fp.Rows += bt.NumRows()
		// A nil selection means every row to the kernels: a batch without
		// train rows must not reach them.
		for _, cs := range append(fp.Features, fp.Label) {
			if cs == nil || len(sel) == 0 {
				continue
			}
			idx := bt.Schema().FieldIndices(cs.Name)
			if len(idx) == 0 {
				return fmt.Errorf("fit: column %q missing from the cache", cs.Name)
			}
			picked := sel
			if len(sel) == len(s) {
				picked = nil // all rows: the dense loops
			}
			if err := fit.FitStats(cs.Stats, bt.Column(idx[0]), picked); err != nil {
				return fmt.Errorf("fit %s: %w", cs.Name, err)
			}
		}
		sg = roworder.SplitGroups(s, sg)
		return windows.CollectWindows(c, sg, o.H2, o.RowID)
	})
	if err != nil {
		return nil, err
	}
	fp.Shards = c.Result()
	return fp, nil
}

// needsFit reports whether any feature or the label needs train statistics.
func (r *Env) needsFit() bool {
	fp := r.NewFitPartial()
	for _, f := range fp.Features {
		if f != nil {
			return true
		}
	}
	return fp.Label != nil
}
