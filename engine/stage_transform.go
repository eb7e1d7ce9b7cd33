package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/gpu"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/shuffle"
	"github.com/sluice-ml/sluice/sink"
)

// transformResult is one transform task's shuffle output.
type transformResult struct {
	Executor string `json:"executor"`
	Path     string `json:"path"`
	Rows     int64  `json:"rows"`
	Bytes    int64  `json:"bytes"`
}

func (t *transformResult) counts() (int64, int64) { return t.Rows, t.Bytes }

// shardResult is one written shard.
type shardResult struct {
	Info sink.ShardInfo `json:"info"`
}

func (s *shardResult) counts() (int64, int64) { return s.Info.Rows, s.Info.Bytes }

// outputColumns applies the fitted transforms to a cached batch and returns
// the output batch: features, label, keep columns, then __h2 and __rowid.
func (r *jobEnv) outputColumns(b arrow.RecordBatch, f *fitted, h2 []uint64, mem memory.Allocator, k *gpu.Kernels) (arrow.RecordBatch, error) {
	job := r.p.job
	var fields []arrow.Field
	var cols []arrow.Array
	fail := func(err error) (arrow.RecordBatch, error) {
		for _, c := range cols {
			c.Release()
		}
		return nil, err
	}
	colOf := func(name string) (arrow.Array, error) {
		idx := b.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("internal: column %q missing from the cache", name)
		}
		return b.Column(idx[0]), nil
	}
	for i, feat := range job.Features {
		src, err := colOf(feat.Name)
		if err != nil {
			return fail(err)
		}
		fs, as, err := applyFeature(k, feat.Name, f.Features[i], src, mem)
		if err != nil {
			return fail(fmt.Errorf("features.%s: %w", feat.Name, err))
		}
		fields = append(fields, fs...)
		cols = append(cols, as...)
	}
	if l := job.Label; l != nil {
		src, err := colOf(l.Name)
		if err != nil {
			return fail(err)
		}
		out, err := cpu.FillNulls(src, f.LabelFill, mem)
		if err != nil {
			return fail(fmt.Errorf("label.%s: %w", l.Name, err))
		}
		fields = append(fields, arrow.Field{Name: l.Name, Type: out.DataType(), Nullable: out.NullN() > 0 || f.LabelFill == nil})
		cols = append(cols, out)
	}
	for _, k := range job.Keep {
		src, err := colOf(k.Name)
		if err != nil {
			return fail(err)
		}
		src.Retain()
		fields = append(fields, arrow.Field{Name: k.Name, Type: src.DataType(), Nullable: true})
		cols = append(cols, src)
	}
	rowid, err := colOf(colRowID)
	if err != nil {
		return fail(err)
	}
	rowid.Retain()
	fields = append(fields, arrow.Field{Name: colH2, Type: arrow.PrimitiveTypes.Int64}, arrow.Field{Name: colRowID, Type: arrow.PrimitiveTypes.Int64})
	cols = append(cols, uint64Array(mem, h2), rowid)
	out := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, b.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// outputSchema is the transform stage's schema, found by transforming an
// empty batch of the cache schema.
func (r *jobEnv) outputSchema(f *fitted) (*arrow.Schema, error) {
	mem := memory.NewGoAllocator()
	cols := make([]arrow.Array, r.cacheSchema.NumFields())
	for i, fd := range r.cacheSchema.Fields() {
		cols[i] = array.MakeArrayOfNull(mem, fd.Type, 0)
		defer cols[i].Release()
	}
	b := array.NewRecordBatch(r.cacheSchema, cols, 0)
	defer b.Release()
	out, err := r.outputColumns(b, f, nil, mem, nil)
	if err != nil {
		return nil, err
	}
	defer out.Release()
	return out.Schema(), nil
}

// transformAndWrite runs the transform stage (exchange by split × shard) and
// the shard-write stage.
func (r *run) transformAndWrite(ctx context.Context, d *driverState, txn *sink.Txn) error {
	job := r.p.job
	shards := job.Output.Shards
	res, err := r.stageWithInputs(ctx, d, KindTransform, len(d.scans), d.transformBroadcast)
	if err != nil {
		return err
	}
	d.maps = make([]Location, len(res))
	for i, x := range res {
		tr := x.(*transformResult)
		d.maps[i] = Location{Executor: tr.Executor, Path: tr.Path}
	}
	for _, rt := range job.Split.Ratios {
		if err := os.MkdirAll(filepath.Join(txn.Dir(), rt.Name), 0o755); err != nil {
			return err
		}
	}
	nparts := len(job.Split.Ratios) * shards
	res, err = r.stageWithInputs(ctx, d, KindShardWrite, nparts, func() *Broadcast {
		return &Broadcast{Maps: d.maps, OutDir: txn.Dir()}
	})
	if err != nil {
		return err
	}
	d.shards = make([][]sink.ShardInfo, len(job.Split.Ratios))
	for i, x := range res {
		d.shards[i/shards] = append(d.shards[i/shards], x.(*shardResult).Info)
	}
	return nil
}

// transformBroadcast is what transform tasks need.
func (d *driverState) transformBroadcast() *Broadcast {
	return &Broadcast{Groups: d.groups, Caches: d.caches(), SplitCuts: d.splitCutsBin, ShardCuts: d.shardCutsBin, Fit: d.fit}
}

// transformTask assigns one cache part's rows to splits and shards, applies
// the fitted transforms and writes them partitioned by split × shard.
func (r *jobEnv) transformTask(ctx context.Context, x *TaskContext, t Task, b *Broadcast) (any, error) {
	job := r.p.job
	shards := job.Output.Shards
	nparts := len(job.Split.Ratios) * shards
	splitCuts, err := boundaries(b.SplitCuts)
	if err != nil {
		return nil, err
	}
	shardCuts, err := boundaries(b.ShardCuts)
	if err != nil {
		return nil, err
	}
	schema, err := r.outputSchema(b.Fit)
	if err != nil {
		return nil, err
	}
	o, err := r.newRowOrder(b.Groups, r.gpuFor(planner.StageTransform, planner.OpSplitAssign))
	if err != nil {
		return nil, err
	}
	path := filepath.Join(x.WorkDir, fmt.Sprintf("transform-%05d-a%d", t.Index, t.Attempt))
	w, err := shuffle.NewWriter(path, schema, shuffle.WriterOptions{Partitions: nparts, Codec: scratchCodec}, x.Mem)
	if err != nil {
		return nil, err
	}
	var sg, shard, part []int32
	var rows int64
	kern := r.gpuFor(planner.StageTransform, planner.OpTransform)
	err = forEach(ctx, x.Files, b.Caches[t.Index], 0, x.Mem, func(bt arrow.RecordBatch) error {
		s, err := o.loadAssign(bt, splitCuts)
		if err != nil {
			return err
		}
		sg = splitGroups(s, sg)
		shard = resize(shard, len(sg))
		if err := shardCuts.AssignInt32(sg, o.h2, o.rowid, shard); err != nil {
			return err
		}
		part = resize(part, len(sg))
		for i := range part {
			part[i] = sg[i]*int32(shards) + shard[i]
		}
		out, err := r.outputColumns(bt, b.Fit, o.h2, x.Mem, kern)
		if err != nil {
			return err
		}
		defer out.Release()
		rows += out.NumRows()
		return w.WritePartitioned(out, part)
	})
	if err != nil {
		w.Abort()
		return nil, err
	}
	info, err := w.Close()
	if err != nil {
		return nil, err
	}
	return &transformResult{Executor: x.Executor, Path: path, Rows: rows, Bytes: info.Bytes}, nil
}

// concatBatches concatenates batches column by column (+1).
func concatBatches(schema *arrow.Schema, batches []arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, schema.NumFields())
	var n int64
	for _, b := range batches {
		n += b.NumRows()
	}
	for i := range cols {
		parts := make([]arrow.Array, 0, len(batches))
		for _, b := range batches {
			parts = append(parts, b.Column(i))
		}
		if len(parts) == 0 {
			cols[i] = array.MakeArrayOfNull(mem, schema.Field(i).Type, 0)
			continue
		}
		c, err := array.Concatenate(parts, mem)
		if err != nil {
			for _, c := range cols[:i] {
				c.Release()
			}
			return nil, err
		}
		cols[i] = c
	}
	out := array.NewRecordBatch(schema, cols, n)
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// applyFeature applies one fitted transform, on the GPU engine when the plan
// placed Transform there and its kernels take this feature (vocab, onehot
// and strings run on the CPU engine; both give identical bits).
func applyFeature(k *gpu.Kernels, name string, f *cpu.Fitted, col arrow.Array, mem memory.Allocator) ([]arrow.Field, []arrow.Array, error) {
	if k != nil {
		fs, as, err := k.Apply(name, f, col, mem)
		if !errors.Is(err, gpu.ErrUnsupported) && !errors.Is(err, gpu.ErrFallback) {
			return fs, as, err
		}
	}
	return cpu.Apply(name, f, col, mem)
}
