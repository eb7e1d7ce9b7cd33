package bind

import (
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec/placement"
	"github.com/sluice-ml/sluice/hashing"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/scheduler"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/fragment"
)

// Job is the driver's half of a fragment: the job as the driver parsed,
// opened and bound it, the same for every task. engine is the --engine
// choice and batchRows the scan batch size.
func Job(p *Prepared, engine string, batchRows int) (*pb.BoundJob, error) {
	job, plan, ds := p.Job, p.Plan, p.DS
	schema, err := fragment.EncodeSchema(ds.Schema)
	if err != nil {
		return nil, fmt.Errorf("encoding the input schema: %w", err)
	}
	bj := &pb.BoundJob{
		Engine: engine, BatchRows: int64(batchRows),
		Input: &pb.InputSpec{Format: ds.Format, Schema: schema, Generated: ds.Generated, Path: ds.Input.Path,
			Csv: &pb.CSVOptions{Delimiter: ds.Input.CSV.Delimiter, Header: ds.Input.CSV.Header, Types: ds.Input.CSV.Types, Null: ds.Input.CSV.Null}},
		ScanColumns:  append([]string{}, plan.ScanColumns...),
		CacheColumns: append([]string{}, plan.CacheColumns...),
		Slices:       append([]string{}, plan.Slices...),
		CacheBuckets: int32(plan.CacheBuckets),
		Split:        &pb.SplitSpec{By: append([]string{}, job.Split.By...), Key: job.Split.Key, Seed: job.Split.Seed},
		Output:       &pb.OutputSpec{Format: job.Output.Format, Compression: job.Output.Compression, Shards: int32(job.Output.Shards), Shuffle: job.Output.Shuffle},
	}
	if g := ds.Input.Generate; g != nil {
		bj.Input.Generate = &pb.GenerateSpec{Kind: g.Kind, Rows: g.Rows, Seed: g.Seed, Files: int32(g.Files)}
	}
	for _, r := range plan.Prune {
		bj.Prune = append(bj.Prune, &pb.PruneRange{Column: r.Column, Lo: r.Lo, Hi: r.Hi, LoIncl: r.LoIncl, HiIncl: r.HiIncl})
	}
	for i, dc := range job.Columns {
		bj.Derived = append(bj.Derived, &pb.BoundExpr{Name: dc.Name, Source: dc.Expr.Src, Type: p.Derived[i].Type().String()})
	}
	if job.Filter != nil {
		bj.Filter = &pb.BoundExpr{Name: "filter", Source: job.Filter.Src, Type: p.Filter.Type().String()}
	}
	for _, r := range job.Split.Ratios {
		bj.Split.Names = append(bj.Split.Names, r.Name)
	}
	for i, a := range job.Aggregates {
		as := &pb.AggregateSpec{Name: a.Name, By: append([]string{}, a.By...)}
		for _, c := range a.Compute {
			as.Compute = append(as.Compute, &pb.AggregateExpr{Name: c.Name, Func: c.Func, Column: c.Column})
		}
		if i < len(plan.Aggregates) {
			as.Partitions = int32(plan.Aggregates[i].Partitions)
		}
		bj.Aggregates = append(bj.Aggregates, as)
	}
	for _, f := range job.Features {
		float := false
		if idx := p.FullSchema.FieldIndices(f.Name); len(idx) > 0 {
			float = p.FullSchema.Field(idx[0]).Type.ID() == arrow.FLOAT64
		}
		bj.Features = append(bj.Features, &pb.FeatureSpec{Name: f.Name, Transform: f.Transform, Fill: f.Fill.Kind, Float: float})
		if f.Fill.Kind == jobspec.FillDrop {
			bj.DropColumns = append(bj.DropColumns, f.Name)
		}
	}
	if l := job.Label; l != nil {
		bj.Label = &pb.LabelSpec{Name: l.Name, Fill: l.Fill.Kind}
		if l.Fill.Kind == jobspec.FillDrop {
			// The label's drop comes first, as the job lists it first.
			bj.DropColumns = append([]string{l.Name}, bj.DropColumns...)
		}
	}
	for _, k := range job.Keep {
		bj.Keep = append(bj.Keep, k.Name)
	}
	for _, f := range ds.Files {
		bj.FileHashes = append(bj.FileHashes, hashing.String(f.RelPath))
	}
	bj.DeviceOperators = map[string]string{}
	for _, pl := range plan.Placement {
		if pl.Engine != "cpu" {
			bj.DeviceOperators[pl.StageKind+"/"+pl.Operator] = pl.Engine
		}
	}
	// What a node with a GPU would place on it: an executor whose own
	// engines include a GPU the driver lacks runs these there.
	for key := range p.GPUOps {
		bj.GpuOperators = append(bj.GpuOperators, key)
	}
	sort.Strings(bj.GpuOperators)
	bj.Fallback = plan.Fallback
	bindExpect(bj, plan.Expect)
	return bj, nil
}

// gpuOperators are the "stage-kind/Operator" keys a node with a GPU
// engine would place on it, planned with the job's own fallback rule.
func gpuOperators(in planner.Inputs, p *Prepared, aggs []placement.Aggregate) map[string]bool {
	in.Engines = placement.CheckJob(placement.Capable(), p.FilterExpr, p.FullSchema, aggs)
	plan, err := planner.Build(in)
	if err != nil {
		return nil
	}
	out := map[string]bool{}
	for _, pl := range plan.Placement {
		if pl.Engine != "cpu" {
			out[pl.StageKind+"/"+pl.Operator] = true
		}
	}
	return out
}

// Fragment is task t of a stage run: its plan stage's operators, the bound
// job, the broadcast and, for a scan task, its input assignment.
func Fragment(p *Prepared, bound *pb.BoundJob, jobID string, seq int, st *planner.Stage, kind string, t scheduler.Task, b *task.Broadcast) *pb.StageFragment {
	f := &pb.StageFragment{FormatVersion: task.FragmentVersion, JobId: jobID, StageRun: int32(seq), PlanStage: int32(st.ID), Kind: kind,
		Index: int32(t.Index), Attempt: int32(t.Attempt), Job: bound, Broadcast: b.Encode()}
	for _, op := range st.Operators {
		o := &pb.Operator{Name: op.Name}
		for _, kv := range op.Params {
			o.Params = append(o.Params, &pb.Param{Key: kv.Key, Value: kv.Value})
		}
		f.Operators = append(f.Operators, o)
	}
	if kind == planner.StageScan && t.Index >= 0 && t.Index < len(p.DS.Tasks) {
		it := p.DS.Tasks[t.Index]
		file := p.DS.Files[it.FileIndex]
		in := &pb.InputAssignment{TaskIndex: int32(it.Index), FileIndex: int32(it.FileIndex), Path: file.Path, RelPath: file.RelPath,
			Size: file.Size, FileRows: file.Rows, RowOffset: it.RowOffset, Rows: it.Rows, GenLo: it.GenLo, GenHi: it.GenHi}
		for _, g := range it.RowGroups {
			in.RowGroups = append(in.RowGroups, int32(g))
		}
		f.Input = in
	}
	return f
}

// bindExpect puts the plan's expect rules into the bound job.
func bindExpect(bj *pb.BoundJob, x *planner.ExpectPlan) {
	if x == nil {
		return
	}
	bj.ExpectPartitions = int32(x.UniquePartitions)
	for _, r := range x.Rules {
		br := &pb.ExpectRule{Column: r.Column, Kind: r.Kind, Lo: r.Lo, Hi: r.Hi, Max: r.Max, Count: r.Count}
		for _, v := range r.In {
			switch x := v.(type) {
			case int64:
				br.InValues = append(br.InValues, &pb.Value{Kind: "i", I: x})
			case float64:
				br.InValues = append(br.InValues, &pb.Value{Kind: "f", F: x})
			case bool:
				br.InValues = append(br.InValues, &pb.Value{Kind: "b", B: x})
			default:
				br.InValues = append(br.InValues, &pb.Value{Kind: "s", S: fmt.Sprint(x)})
			}
		}
		bj.Expect = append(bj.Expect, br)
	}
}
