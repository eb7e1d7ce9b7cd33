package engine

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

// bindJob is the driver's half of a fragment: the job as the driver parsed,
// opened and bound it, the same for every task. engine is the --engine
// choice and batchRows the scan batch size.
func bindJob(p *prepared, engine string, batchRows int) (*pb.BoundJob, error) {
	job, plan, ds := p.job, p.plan, p.ds
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
		CacheBuckets: int32(planner.CacheBuckets(job.Output.Shards)),
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
		bj.Derived = append(bj.Derived, &pb.BoundExpr{Name: dc.Name, Source: dc.Expr.Src, Type: p.derived[i].Type().String()})
	}
	if job.Filter != nil {
		bj.Filter = &pb.BoundExpr{Name: "filter", Source: job.Filter.Src, Type: p.filter.Type().String()}
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
		if idx := p.fullSchema.FieldIndices(f.Name); len(idx) > 0 {
			float = p.fullSchema.Field(idx[0]).Type.ID() == arrow.FLOAT64
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
	for key := range p.gpuOps {
		bj.GpuOperators = append(bj.GpuOperators, key)
	}
	sort.Strings(bj.GpuOperators)
	bj.Fallback = plan.Fallback
	bindExpect(bj, plan.Expect)
	return bj, nil
}

// gpuOperators are the "stage-kind/Operator" keys a node with a GPU
// engine would place on it, planned with the job's own fallback rule.
func gpuOperators(in planner.Inputs, p *prepared, aggs []placement.Aggregate) map[string]bool {
	in.Engines = placement.CheckJob(placement.Capable(), p.filterExpr, p.fullSchema, aggs)
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

// fragment is task t of a stage run: its plan stage's operators, the bound
// job, the broadcast and, for a scan task, its input assignment.
func (r *run) fragment(seq int, st *planner.Stage, kind string, t scheduler.Task, b *task.Broadcast) *pb.StageFragment {
	f := &pb.StageFragment{FormatVersion: task.FragmentVersion, JobId: r.jobID, StageRun: int32(seq), PlanStage: int32(st.ID), Kind: kind,
		Index: int32(t.Index), Attempt: int32(t.Attempt), Job: r.bound, Broadcast: b.Encode()}
	for _, op := range st.Operators {
		o := &pb.Operator{Name: op.Name}
		for _, kv := range op.Params {
			o.Params = append(o.Params, &pb.Param{Key: kv.Key, Value: kv.Value})
		}
		f.Operators = append(f.Operators, o)
	}
	if kind == planner.StageScan && t.Index >= 0 && t.Index < len(r.p.ds.Tasks) {
		it := r.p.ds.Tasks[t.Index]
		file := r.p.ds.Files[it.FileIndex]
		in := &pb.InputAssignment{TaskIndex: int32(it.Index), FileIndex: int32(it.FileIndex), Path: file.Path, RelPath: file.RelPath,
			Size: file.Size, FileRows: file.Rows, RowOffset: it.RowOffset, Rows: it.Rows, GenLo: it.GenLo, GenHi: it.GenHi}
		for _, g := range it.RowGroups {
			in.RowGroups = append(in.RowGroups, int32(g))
		}
		f.Input = in
	}
	return f
}

// BindTask binds a job on this node and returns task index of its first
// plan stage of a kind, with an empty broadcast: what a driver would send
// for it. For tools and tests that talk to an executor directly.
func BindTask(job *jobspec.Job, opt Options, jobID, kind string, index int) (*pb.StageFragment, error) {
	opt.defaults()
	choice := firstNonEmpty(opt.Engine, job.Engine.Prefer)
	engines, err := Engines(choice)
	if err != nil {
		return nil, err
	}
	p, err := prepare(job, engines)
	if err != nil {
		return nil, err
	}
	bound, err := bindJob(p, choice, opt.BatchRows)
	if err != nil {
		return nil, err
	}
	st := p.plan.Stage(kind)
	if st == nil {
		return nil, fmt.Errorf("the plan has no %s stage", kind)
	}
	r := &run{p: p, bound: bound, jobID: jobID}
	return r.fragment(1, st, kind, scheduler.Task{Index: index}, nil), nil
}
