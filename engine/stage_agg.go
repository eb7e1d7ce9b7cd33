package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/engine/barrier"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/rows"
)

// aggregateStage runs the final side of one aggregate table's exchange (the
// plan's stage for st.Table): one task per partition merges the partial
// states of every scan task in task order; the driver's barrier
// concatenates the partitions into the table file.
func (r *run) aggregateStage(ctx context.Context, d *barrier.State, st *planner.Stage, txn *sink.Txn) error {
	job := r.p.Job
	ti := slices.IndexFunc(job.Aggregates, func(a jobspec.Aggregate) bool { return a.Name == st.Table })
	if ti < 0 {
		return fmt.Errorf("internal: plan stage %d aggregates table %q, which the job does not have", st.ID, st.Table)
	}
	res, err := r.stageWithInputs(ctx, d, planner.StageAggregate, r.AggPartitions(ti), func() *task.Broadcast {
		aggs := make([][]task.Location, len(d.Scans))
		for i, sc := range d.Scans {
			for _, p := range sc.AggPaths {
				aggs[i] = append(aggs[i], task.Location{Executor: sc.Executor, Path: p})
			}
		}
		return &task.Broadcast{Aggs: aggs, Table: ti}
	})
	if err != nil {
		return err
	}
	if err := mkdirOut(txn, "aggregates"); err != nil {
		return err
	}
	mem := memory.NewGoAllocator()
	ext := "arrow"
	if job.Output.Format == "parquet" {
		ext = "parquet"
	}
	{
		a := job.Aggregates[ti]
		var batches []arrow.RecordBatch
		var schema *arrow.Schema
		for p := 0; p < r.AggPartitions(ti); p++ {
			ap := res[p].(*task.AggPart)
			part, err := r.files.OpenPartition(ctx, task.Location{Executor: ap.Executor, Path: ap.Path}, 0, mem)
			if err != nil {
				return err
			}
			schema = part.Schema // known even when every partition is empty
			for {
				b, err := part.Iter.Next()
				if err != nil {
					part.Close()
					return err
				}
				if b == nil {
					break
				}
				b.Retain()
				batches = append(batches, b)
			}
			part.Close()
		}
		all, err := rows.ConcatConsume(schema, batches, mem)
		batches = nil
		if err != nil {
			return err
		}
		rel := fmt.Sprintf("aggregates/%s.%s", a.Name, ext)
		info, err := sink.WriteTable(txn, rel, job.Output.Format, job.Output.Compression, all, mem)
		all.Release()
		if err != nil {
			return fmt.Errorf("aggregates.%s: %w", a.Name, err)
		}
		var cols []string
		for _, f := range schema.Fields() {
			cols = append(cols, f.Name)
		}
		d.Aggregates = append(d.Aggregates, sink.AggregateTable{Name: a.Name, Path: rel, Rows: info.Rows, Bytes: info.Bytes, SHA256: info.SHA256, By: a.By, Columns: cols})
	}
	return nil
}
