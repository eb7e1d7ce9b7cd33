package task

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec/cpu/groupby"
	"github.com/sluice-ml/sluice/shuffle"
	"github.com/sluice-ml/sluice/task/exchange"
	"github.com/sluice-ml/sluice/vocab"
)

type AggPart struct {
	Executor string `json:"executor"`
	Path     string `json:"path"`
	Rows     int64  `json:"rows"`
	taskReport
}

func (a *AggPart) Counts() (int64, int64) { return a.Rows, 0 }

// AggPartitions is the planner's partition count of table ti's exchange: a
// function of the input, never of the cluster, so output bytes do not
// depend on the number of executors.
func (r *Env) AggPartitions(ti int) int {
	if ti < len(r.aggSpecs) && r.aggSpecs[ti].partitions > 0 {
		return r.aggSpecs[ti].partitions
	}
	return 1
}

// aggregateTask merges one partition of one table's partial states from
// every scan task, in task order, and writes the final rows.
func (r *Env) aggregateTask(ctx context.Context, x *TaskContext, t Task, b *Broadcast) (any, error) {
	if _, err := x.runsPlan(x.PlanStage, vocab.OpShuffleRead, vocab.OpFinalAggregate, vocab.OpTableWrite); err != nil {
		return nil, err
	}
	table, part := b.Table, t.Index
	if table < 0 || table >= len(r.aggSpecs) {
		return nil, fmt.Errorf("aggregate task: table %d of %d", table, len(r.aggSpecs))
	}
	g, err := groupby.NewGroupBy(r.aggSpecs[table].by, r.aggSpecs[table].specs, r.fullSchema)
	if err != nil {
		return nil, err
	}
	for _, sc := range b.Aggs {
		err := exchange.ForEach(ctx, x.Files, sc[table], part, x.Mem, func(pb arrow.RecordBatch) error { return g.MergePartial(pb) })
		if err != nil {
			return nil, err
		}
	}
	fin, err := g.Final(x.Mem)
	if err != nil {
		return nil, err
	}
	defer fin.Release()
	path := filepath.Join(x.WorkDir, fmt.Sprintf("aggfinal%d-%05d-a%d", table, part, t.Attempt))
	w, err := shuffle.NewWriter(path, fin.Schema(), shuffle.WriterOptions{Partitions: 1, Codec: exchange.ScratchCodec}, x.Mem)
	if err != nil {
		return nil, err
	}
	if err := w.Write(0, fin); err != nil {
		w.Abort()
		return nil, err
	}
	if _, err := w.Close(); err != nil {
		return nil, err
	}
	return &AggPart{Executor: x.Executor, Path: path, Rows: fin.NumRows()}, nil
}
