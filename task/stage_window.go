package task

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec/kernel"
	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/hashing"
	"github.com/sluice-ml/sluice/task/exchange"
	"github.com/sluice-ml/sluice/task/rows"
	"github.com/sluice-ml/sluice/vocab"
)

// rowOrder computes, for the rows of a cached batch, the group id, the split
// hash h, the shard-order hash h2 and the row id.
type rowOrder struct {
	k kernel.Kernels // hashes and assigns
	// oneSplit: the plan assigns no splits (it has one); every row is in
	// split 0 and loadAssign only hashes.
	oneSplit bool
	gk       *rows.GroupKeys
	gg       rows.GlobalGroups
	seed     uint64
	// per input file, the hash of its path: the (file, row) key
	fileHashes []uint64
	key        []uint64
	h, h2      []uint64
	rowid      []uint64
	splitI     []int8
	group      []int32
}

func (r *Env) newRowOrder(groups map[string]int32, k kernel.Kernels) (*rowOrder, error) {
	gk, err := rows.NewGroupKeys(r.cacheSchema, r.splitBy)
	if err != nil {
		return nil, err
	}
	return &rowOrder{k: k, gk: gk, gg: rows.GlobalGroups{IDs: groups}, seed: r.splitSeed, fileHashes: r.fileHashes}, nil
}

// loadKeys fills rowid and key for b: the cached __key, or without one the
// (file, row) key recomputed from the row id.
func (o *rowOrder) loadKeys(b arrow.RecordBatch) error {
	var err error
	if o.rowid, err = rows.Uint64Col(b, ColRowID, o.rowid); err != nil {
		return err
	}
	if len(b.Schema().FieldIndices(ColKey)) > 0 {
		o.key, err = rows.Uint64Col(b, ColKey, o.key)
		return err
	}
	o.key = rows.Resize(o.key, len(o.rowid))
	for i, id := range o.rowid {
		f := id >> 40
		if f >= uint64(len(o.fileHashes)) {
			return fmt.Errorf("internal: row id %#x names file %d of %d", id, f, len(o.fileHashes))
		}
		o.key[i] = hashing.FileRow(o.fileHashes[f], int64(id&(1<<40-1)))
	}
	return nil
}

// loadGroups fills rowid, key and group for b and sizes h (and h2 when
// shard is true).
func (o *rowOrder) loadGroups(b arrow.RecordBatch, shard bool) error {
	if err := o.loadKeys(b); err != nil {
		return err
	}
	n := len(o.key)
	o.h = rows.Resize(o.h, n)
	if shard {
		o.h2 = rows.Resize(o.h2, n)
	}
	local, keys := o.gk.Rows(b)
	var err error
	o.group, err = o.gg.Rows(local, keys)
	return err
}

// load fills group, h, rowid (and h2 when shard is true) for batch b.
func (o *rowOrder) load(b arrow.RecordBatch, shard bool) error {
	if err := o.loadGroups(b, shard); err != nil {
		return err
	}
	var h2 []uint64
	if shard {
		h2 = o.h2
	}
	return o.k.RowHashes(o.seed, o.key, o.h, h2)
}

// loadAssign is load (with h2) followed by assign, in one kernel call: on
// a device the split hashes stay there between hashing and assignment
// (o.h is then not filled); only h2 and the splits come back.
func (o *rowOrder) loadAssign(b arrow.RecordBatch, cuts *split.Boundaries) ([]int8, error) {
	if err := o.loadGroups(b, true); err != nil {
		return nil, err
	}
	o.splitI = rows.Resize(o.splitI, len(o.key))
	if o.oneSplit {
		clear(o.splitI)
		return o.splitI, o.k.RowHashes(o.seed, o.key, o.h, o.h2)
	}
	if err := o.k.HashAndAssign(o.seed, cuts, o.key, o.group, o.rowid, o.h, o.h2, o.splitI); err != nil {
		return nil, err
	}
	return o.splitI, nil
}

// assign computes the split of every row from the split boundaries.
func (o *rowOrder) assign(cuts *split.Boundaries) ([]int8, error) {
	o.splitI = rows.Resize(o.splitI, len(o.h))
	if err := o.k.AssignSplits(cuts, o.group, o.h, o.rowid, o.splitI); err != nil {
		return nil, err
	}
	return o.splitI, nil
}

// splitGroups returns the split index of every row as an int32 group id
// (for the shard windows, whose groups are the splits).
func splitGroups(s []int8, out []int32) []int32 {
	out = rows.Resize(out, len(s))
	for i, v := range s {
		out[i] = int32(v)
	}
	return out
}

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
	var o *rowOrder
	if b.ShardWin {
		// A repeat of the fit stage's shard-window collection.
		x.ran(vocab.OpCacheRead)
		o, err = r.newRowOrder(b.Groups, r.kernels(x, vocab.StageFit, vocab.OpSplitAssign))
		if err != nil {
			return nil, err
		}
		o.oneSplit = !hasOp(st, vocab.OpSplitAssign)
		if !o.oneSplit {
			x.ran(vocab.OpSplitAssign)
		}
		x.ran(vocab.OpShardWindowCollect)
	} else {
		if _, err := x.runsPlan(st, vocab.OpCacheRead, vocab.OpWindowCollect); err != nil {
			return nil, err
		}
		if o, err = r.newRowOrder(b.Groups, r.kernels(x, vocab.StageSplitBoundaries, vocab.OpWindowCollect)); err != nil {
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
			if err := o.load(bt, false); err != nil {
				return err
			}
			return c.Add(o.group, o.h, o.rowid)
		}
		s, err := o.loadAssign(bt, splitCuts)
		if err != nil {
			return err
		}
		sg = splitGroups(s, sg)
		return c.Add(sg, o.h2, o.rowid)
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
