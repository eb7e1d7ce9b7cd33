package task

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec/kernel"
	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/task/exchange"
	"github.com/sluice-ml/sluice/task/roworder"
	"github.com/sluice-ml/sluice/vocab"
)

// shardWindowTask is windowTask for a repeated shard-window pass of the fit
// stage, answering as a fit task does (without statistics).
func (r *Env) shardWindowTask(ctx context.Context, x *TaskContext, t Task, b *Broadcast) (any, error) {
	res, err := r.windowTask(ctx, x, t, b)
	if err != nil {
		return nil, err
	}
	w := res.(*WindowResult)
	return &FitPartial{Shards: w.Partial, Rows: w.Rows}, nil
}

// windowTask collects one cache part's rows inside the windows.
func (r *Env) windowTask(ctx context.Context, x *TaskContext, t Task, b *Broadcast) (any, error) {
	c, err := split.NewCollector(b.Windows)
	if err != nil {
		return nil, err
	}
	st := x.PlanStage
	var o *roworder.Order
	var kern kernel.Kernels // the collection's engine
	if b.ShardWin {
		// A repeat of the fit stage's shard-window collection.
		x.ran(vocab.OpCacheRead)
		o, err = roworder.New(r.cacheSchema, r.splitBy, b.Groups, r.splitSeed, r.fileHashes, r.kernels(x, vocab.StageFit, vocab.OpSplitAssign))
		if err != nil {
			return nil, err
		}
		o.OneSplit = !hasOp(st, vocab.OpSplitAssign)
		if !o.OneSplit {
			x.ran(vocab.OpSplitAssign)
		}
		x.ran(vocab.OpShardWindowCollect)
		kern = r.kernels(x, vocab.StageFit, vocab.OpShardWindowCollect)
	} else {
		if _, err := x.runsPlan(st, vocab.OpCacheRead, vocab.OpWindowCollect); err != nil {
			return nil, err
		}
		kern = r.kernels(x, vocab.StageSplitBoundaries, vocab.OpWindowCollect)
		if o, err = roworder.New(r.cacheSchema, r.splitBy, b.Groups, r.splitSeed, r.fileHashes, kern); err != nil {
			return nil, err
		}
	}
	var splitCuts *split.Boundaries
	if b.ShardWin {
		if splitCuts, err = boundaries(b.SplitCuts); err != nil {
			return nil, err
		}
	}
	var sg []int32
	var rows int64
	err = exchange.ForEachCache(ctx, x.Files, b.Caches[t.Index], 0, 1<<r.cacheBucketBits(), x.Mem, func(bt arrow.RecordBatch) error {
		rows += bt.NumRows()
		if splitCuts == nil {
			if err := o.Load(bt, false); err != nil {
				return err
			}
			return kern.CollectWindows(c, o.Group, o.H, o.RowID)
		}
		s, err := o.LoadAssign(bt, splitCuts)
		if err != nil {
			return err
		}
		sg = roworder.SplitGroups(s, sg)
		return kern.CollectWindows(c, sg, o.H2, o.RowID)
	})
	if err != nil {
		return nil, err
	}
	return &WindowResult{Partial: c.Result(), Rows: rows}, nil
}

// WindowResult is one window task's result.
type WindowResult struct {
	Partial split.Partial `json:"partial"`
	Rows    int64         `json:"rows"`
	taskReport
}

func (w *WindowResult) Counts() (int64, int64) { return w.Rows, 0 }

func MergePartials(res []any) (split.Partial, error) {
	var total split.Partial
	for i, x := range res {
		p := &x.(*WindowResult).Partial
		if i == 0 {
			total = *p
			continue
		}
		if err := total.Merge(*p); err != nil {
			return total, fmt.Errorf("merging window partials: %w", err)
		}
	}
	return total, nil
}
